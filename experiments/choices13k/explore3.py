"""Option confusion (partial matching on the option) vs lapse; re-reading the description.

Run (see explore3.log) when the model had a ``mismatch`` knob (partial matching on the
option, similarity 0 between A and B); it did not help and was removed, so only the
re-reading (``redescribe``) runs remain.
"""
from fit import run, load
from explore2 import BASE, EXTRA
from cogsim.ibl.description import IBLDescriptionModel



def variant(extra, redescribe):
    class V(IBLDescriptionModel):
        param_names = ("noise", "decay", "weight", extra)
        bounds = {**BASE, extra: EXTRA[extra]}

        def __init__(self, **kw):
            super().__init__(**kw)
            self.redescribe = redescribe
    return V

if __name__ == "__main__":
    data = load()
    for k in [1, 3]:
        for extra, redescribe in [("lapse", True)]:
            V = variant(extra, redescribe)
            run(lambda: V(n_samples=k), f"k={k} +{extra} redescribe={redescribe}", draws=(0,), data=data, maxiter=25)
