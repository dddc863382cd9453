"""How often a population built from a calibration picks the gamble of higher expected value.

Runs the population of `calibration/choices13k/ibl-seed0/population.toml` on every pair of
`populations/gambles.csv` (3 annotators a pair, 5 seeds) and prints the share of judgments
that chose the option of higher expected value, with its binomial standard error.

    python experiments/calibrated_population/ev_choice.py
"""

from pathlib import Path

import numpy as np

from cogsim.generate import generate
from cogsim.spec import load_spec
from cogsim.tasks import load_items

ROOT = Path(__file__).resolve().parents[2]
spec = load_spec(ROOT / "calibration/choices13k/ibl-seed0/population.toml")
items = load_items(ROOT / "populations/gambles.csv")
ev = dict(zip(items["item_id"], items["ev"]))
shares = []
for seed in range(5):
    j = generate(spec, items, seed=seed).judgments
    other = np.where(j["chosen"] == j["item_a"], j["item_b"], j["item_a"])
    evs = np.array([ev[c] for c in j["chosen"]]), np.array([ev[o] for o in other])
    keep = evs[0] != evs[1]
    shares.append(float(np.mean(evs[0][keep] > evs[1][keep])))
    n = int(keep.sum())
share = float(np.mean(shares))
print(f"P(higher EV chosen) = {share:.3f} over 5 seeds "
      f"(per seed {', '.join(f'{s:.3f}' for s in shares)}; {n} judgments a seed, "
      f"binomial se {np.sqrt(share * (1 - share) / n):.3f})")
