"""Paired per-person comparison of held-out log-likelihoods, from the fits in results.json.

For each draw, each held-out person's log-likelihood (sum over their choices) under two
models; prints the mean difference per choice and its standard error across people.

    python experiments/niv/paired.py [results.json] [model_a] [model_b]
"""

from __future__ import annotations

import json
import sys

import numpy as np
from fit import DATA_HOME, make_models

from cogsim.datasets import fetch_niv_riskdata


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "experiments/niv/results.json"
    a_name = sys.argv[2] if len(sys.argv) > 2 else "ibl_pop"
    b_name = sys.argv[3] if len(sys.argv) > 3 else "delta"
    results = json.load(open(path))
    data = fetch_niv_riskdata(DATA_HOME)
    people = np.sort(data["subject"].unique())
    models = make_models(dict(n_samples=128, n_draws=8))
    for draw in sorted({r["draw"] for r in results}):
        rng = np.random.default_rng(draw)
        train_ids = rng.choice(people, 30, replace=False)
        test = data[~data["subject"].isin(train_ids)]
        subj = test.loc[~test["forced"], "subject"].to_numpy()
        per = {}
        for r in results:
            if r["draw"] == draw and r["model"] in (a_name, b_name):
                ll = models[r["model"]](**r["params"]).trial_log_likelihood(test)
                per[r["model"]] = np.bincount(np.searchsorted(people, subj), weights=ll,
                                              minlength=len(people))
        n_choice = np.bincount(np.searchsorted(people, subj), minlength=len(people))
        keep = n_choice > 0
        d = (per[a_name] - per[b_name])[keep] / n_choice[keep]
        print(f"draw {draw}: {a_name} - {b_name} per choice {d.mean():+.4f} "
              f"(SE {d.std(ddof=1) / np.sqrt(len(d)):.4f}, {len(d)} people, "
              f"{(d > 0).mean():.0%} better under {a_name})")


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
