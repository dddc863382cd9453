"""Lapse + curvature with decay fixed; Monte Carlo error at evaluation (n_agents)."""
from fit import run, load
from explore2 import BASE, EXTRA
from cogsim.ibl.description import IBLDescriptionModel


def variant(names, fixed=None):
    class V(IBLDescriptionModel):
        param_names = tuple(names)
        bounds = {n: {**BASE, **EXTRA}[n] for n in names}

        def __init__(self, **kw):
            kw = {**(fixed or {}), **kw}
            super().__init__(**{k: v for k, v in kw.items() if k in ("noise", "decay", "weight") or k in
                                ("n_agents", "seed", "n_samples", "resample", "described", "temperature", "dtype")})
            for k, v in kw.items():
                if k not in ("noise", "decay", "weight", "n_agents", "seed", "n_samples", "resample", "described", "temperature", "dtype"):
                    setattr(self, k, v)
    return V

if __name__ == "__main__":
    data = load()
    V = variant(["noise", "decay", "weight", "lapse"])
    # run(lambda: V(n_samples=1), "k=1 lapse eval1000", draws=(0,), data=data, maxiter=25, eval_agents=1000)
    V = variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0})
    run(lambda: V(n_samples=1), "k=1 d=8 +curv+lapse", draws=(0,), data=data, maxiter=25)
    V = variant(["noise", "decay", "curvature", "lapse"], {"weight": 0.0})
    run(lambda: V(n_samples=1), "k=1 w=0 +curv+lapse", draws=(0,), data=data, maxiter=25)
    V = variant(["noise", "weight", "curvature", "lapse"], {"decay": 8.0})
    run(lambda: V(n_samples=3), "k=3 d=8 +curv+lapse", draws=(0,), data=data, maxiter=25)
