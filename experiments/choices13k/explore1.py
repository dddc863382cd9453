"""Quick scan of settings (n_samples, resample, described) with wide bounds; 1 draw."""
import sys
from fit import run, load
from cogsim.ibl.description import IBLDescriptionModel

class Wide(IBLDescriptionModel):
    bounds = {"noise": (0.05, 3.0), "decay": (0.0, 8.0), "weight": (0.0, 40.0)}

data = load()
for k in [1, 3, 5, 10, 20]:
    for resample in [True, False]:
        for described in ["equal", "probability"]:
            run(lambda: Wide(n_samples=k, resample=resample, described=described),
                f"k={k} resample={resample} {described}", draws=(0,), data=data, maxiter=20)
