"""Residuals of the base model (no curvature, no lapse; the best k=1 fit of
``what_was_tried.py base``) on all choices13k rows, by EV difference and by problem feature.

    python experiments/choices13k/residuals.py

Shows what NOTES.md's "Base" bullet says: too deterministic at large EV differences (top
decile observed 0.81 vs predicted 0.92) and B over-predicted by about 3 points overall.
"""

import numpy as np
import pandas as pd
from fit import load

from cogsim.ibl.described import IBLDescriptionModel
from cogsim.tasks.gambles import option_distributions


def features(d: pd.DataFrame) -> pd.DataFrame:
    """Expected value, spread and range of each option, and a few problem flags."""
    a = option_distributions(d, "A")
    b = option_distributions(d, "B")
    f = pd.DataFrame(index=d.index)
    f["evA"] = [x @ p for x, p in a]
    f["evB"] = [x @ p for x, p in b]
    f["sdA"] = [np.sqrt(((x - x @ p) ** 2) @ p) for x, p in a]
    f["sdB"] = [np.sqrt(((x - x @ p) ** 2) @ p) for x, p in b]
    f["minB"] = [x.min() for x, p in b]
    f["dEV"] = f.evB - f.evA
    f["safeA"] = f.sdA == 0
    f["lossB"] = f.minB < 0
    f["pHb_rare"] = (d.pHb < 0.1) | (d.pHb > 0.9)
    return f


if __name__ == "__main__":
    d = load()
    f = features(d)
    m = IBLDescriptionModel(noise=1.088, decay=7.929, weight=8.078, curvature=1.0, lapse=0.0,
                            n_samples=1, resample=True, n_agents=200)
    r = m.predict_rates(d)
    res = d.b_rate.to_numpy() - r
    print("mse", np.mean(res ** 2), " mean residual (obs - pred)", res.mean())
    z = f.dEV / (np.sqrt(f.sdA ** 2 + f.sdB ** 2) + 1)
    table = pd.DataFrame({"pred": r, "obs": d.b_rate, "res": res, "sq": res ** 2})
    print(table.drop(columns="sq").groupby(pd.qcut(z, 10), observed=True).mean())
    for col in ["safeA", "lossB", "pHb_rare", "Amb", "Corr", "feedback", "LotShapeB"]:
        src = f[col] if col in f else d[col]
        print(table.groupby(src.to_numpy()).mean().round(4))
