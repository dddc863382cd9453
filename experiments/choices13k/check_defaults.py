"""The class defaults on all choices13k rows and, for a look, on CPC18's 5 Track II games."""
import numpy as np
import pandas as pd

from cogsim.ibl.described import IBLDescriptionModel
from fit import load

data = load()
model = IBLDescriptionModel(n_agents=300)
r = model.predict_rates(data)
err = (r - data.b_rate.to_numpy()) ** 2
print(f"choices13k all rows, defaults, 300 agents: MSE {err.mean():.4f} "
      f"(feedback {err[data.feedback].mean():.4f}, no feedback {err[~data.feedback].mean():.4f})")
raw = pd.read_csv("/work/shared/data/cpc18/raw-comp-set-data-Track-2.csv")
cols = ["Ha", "pHa", "La", "LotShapeA", "LotNumA", "Hb", "pHb", "Lb", "LotShapeB", "LotNumB",
        "Amb", "Corr"]
games = raw.groupby("GameID")[cols].first()
observed = raw.pivot_table(index="GameID", columns="block", values="B", aggfunc="mean")
pred = model.predict_rates(games.reset_index(drop=True), "cpc")
print("CPC18 Track II games (observed / predicted block rates):")
for g, o, p in zip(games.index, observed.to_numpy(), pred):
    print(f"  game {g}: " + " ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(o, p)))
print(f"  MSE over the 25 block rates: {np.mean((observed.to_numpy() - pred) ** 2):.4f}")
