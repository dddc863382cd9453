"""A fourth parameter on top of (noise, decay, weight): which one helps held-out?

Run (see explore2.log) when the model still had the knobs ``prob_exponent`` (described
weight p**gamma) and ``loss_aversion``; they did not help and were removed, so only the
knobs that remain are run now.
"""
from fit import run, load
from cogsim.ibl.description import IBLDescriptionModel

BASE = {"noise": (0.05, 3.0), "decay": (0.0, 8.0), "weight": (0.0, 40.0)}
EXTRA = {"temperature": (0.05, 3.0), "prob_exponent": (0.0, 1.0), "loss_aversion": (0.5, 3.0),
         "curvature": (0.3, 1.2), "lapse": (0.0, 0.5)}


def variant(extra):
    class V(IBLDescriptionModel):
        param_names = ("noise", "decay", "weight", extra)
        bounds = {**BASE, extra: EXTRA[extra]}
    return V

if __name__ == "__main__":
    data = load()
    for k in [1, 3]:
        for extra in ("temperature", "curvature", "lapse"):
            V = variant(extra)
            run(lambda: V(n_samples=k), f"k={k} +{extra}", draws=(0,), data=data, maxiter=25)
