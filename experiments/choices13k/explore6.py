"""Candidate 4-parameter forms, 3 draws each (k = 3)."""
from fit import run, load
from explore2 import BASE, EXTRA
from cogsim.ibl.description import IBLDescriptionModel

SETTINGS = ("n_agents", "seed", "n_samples", "resample", "described", "temperature", "dtype")


def variant(names, fixed=None, bounds=None, **attrs):
    class V(IBLDescriptionModel):
        param_names = tuple(names)

        def __init__(self, **kw):
            kw = {**(fixed or {}), **kw}
            core = {k: kw.pop(k) for k in list(kw) if k in ("noise", "decay", "weight") + SETTINGS}
            super().__init__(**core)
            for k, v in {**attrs, **kw}.items():
                setattr(self, k, v)
    V.bounds = {n: {**BASE, **EXTRA, "weight": (0.0, 100.0), **(bounds or {})}[n] for n in names}
    return V

if __name__ == "__main__":
    import sys
    data = load()
    which = sys.argv[1:] or ["A", "B", "C", "D"]
    cands = {
        "A": ("d=8 free w", variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0})),
        "B": ("d=8 free w redescribe", variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0}, redescribe=True)),
        "C": ("w=1 free d redescribe", variant(["noise", "decay", "curvature", "lapse"], {"weight": 1.0}, redescribe=True)),
        "D": ("w=1 free d", variant(["noise", "decay", "curvature", "lapse"], {"weight": 1.0})),
    }
    for key in which:
        label, V = cands[key]
        run(lambda: V(n_samples=3), f"{key} k=3 {label}", data=data, maxiter=25)
