"""Around the best: curvature + lapse; which of decay/weight to free; k; 3 draws."""
from fit import run, load
from explore4 import variant

if __name__ == "__main__":
    data = load()
    V = variant(["noise", "decay", "weight", "curvature", "lapse"])
    run(lambda: V(n_samples=1), "k=1 5 params", draws=(0,), data=data, maxiter=25)
    V = variant(["noise", "decay", "curvature", "lapse"], {"weight": 0.3})
    run(lambda: V(n_samples=1), "k=1 w=0.3 +decay+curv+lapse", draws=(0,), data=data, maxiter=25)
    for k in [1, 2, 3, 5]:
        V = variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0})
        run(lambda: V(n_samples=k), f"k={k} d=8 +curv+lapse", draws=(1, 2), data=data, maxiter=25)
