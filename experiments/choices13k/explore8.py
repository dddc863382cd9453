"""Form D (weight 1 = each described outcome populated once at time 0): k = 5, 10."""
from fit import run, load
from explore6 import variant

if __name__ == "__main__":
    data = load()
    for k in [5, 10]:
        V = variant(["noise", "decay", "curvature", "lapse"], {"weight": 1.0}, bounds={"decay": (0.0, 10.0)})
        run(lambda: V(n_samples=k), f"D k={k} w=1 free d", data=data, maxiter=25)
