"""Residual diagnostics of one fitted setting on all rows."""
import numpy as np, pandas as pd, sys
from fit import load
from cogsim.ibl.description import IBLDescriptionModel
from cogsim.gambles import option_distributions

def features(d):
    A = option_distributions(d, "A"); B = option_distributions(d, "B")
    f = pd.DataFrame(index=d.index)
    f["evA"] = [x @ p for x, p in A]; f["evB"] = [x @ p for x, p in B]
    f["sdA"] = [np.sqrt(((x - x @ p) ** 2) @ p) for x, p in A]
    f["sdB"] = [np.sqrt(((x - x @ p) ** 2) @ p) for x, p in B]
    f["minA"] = [x.min() for x, p in A]; f["minB"] = [x.min() for x, p in B]
    f["maxA"] = [x.max() for x, p in A]; f["maxB"] = [x.max() for x, p in B]
    f["eqA"] = [x.mean() for x, p in A]; f["eqB"] = [x.mean() for x, p in B]
    f["dEV"] = f.evB - f.evA
    f["nB"] = [len(x) for x, p in B]
    f["safeA"] = f.sdA == 0
    f["lossB"] = f.minB < 0
    f["pHb_rare"] = (d.pHb < 0.1) | (d.pHb > 0.9)
    return f

if __name__ == "__main__":
    d = load()
    f = features(d)
    m = IBLDescriptionModel(noise=1.088, decay=7.929, weight=8.078, n_samples=1, resample=True, n_agents=200)
    r = m.predict_rates(d)
    res = d.b_rate.to_numpy() - r
    print("mse", np.mean(res**2))
    # binned by dEV normalized
    z = f.dEV / (np.sqrt(f.sdA**2 + f.sdB**2) + 1)
    bins = pd.qcut(z, 10)
    print(pd.DataFrame({"pred": r, "obs": d.b_rate, "res": res}).groupby(bins, observed=True).mean())
    for col in ["safeA", "lossB", "pHb_rare", "Amb", "Corr", "feedback", "LotShapeB"]:
        src = f[col] if col in f else d[col]
        print(pd.DataFrame({"pred": r, "obs": d.b_rate, "res": res, "sq": res**2}).groupby(src.to_numpy()).mean().round(4))
