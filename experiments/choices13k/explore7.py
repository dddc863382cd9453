"""Does the description matter? No description (weight 0) vs probability-weighted."""
from fit import run, load
from explore6 import variant

if __name__ == "__main__":
    data = load()
    V = variant(["noise", "curvature", "lapse"], {"decay": 8.0, "weight": 0.0})
    run(lambda: V(n_samples=3), "E k=3 d=8 w=0 (no description)", data=data, maxiter=25)
    V = variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0})
    run(lambda: V(n_samples=3, described="probability"), "F k=3 d=8 described=probability", data=data, maxiter=25)
    V = variant(["noise", "curvature", "lapse"], {"decay": 8.0, "weight": 1000.0})
    run(lambda: V(n_samples=3), "G k=3 d=8 w=1000", data=data, maxiter=25)
