"""How the hh-rlhf text features were chosen, and how much the choice saw of the test pairs.

The development slice is the first 800 pairs of ``numpy.random.default_rng([0]).permutation``
over the 2,312 pairs: the seed-0 split's 300 training pairs and the next 500.  Feature
candidates were compared only on it, by 10 random 300 / 500 splits inside it (the same
fit as ``cogsim calibrate``: ridge and lapse by inner cross-validation, and the logistic
baseline); the second round's candidates were also checked on 30 other such splits.  This
script prints that comparison for the featurizer's first 30 features (before issue 12), its
first 33 (after the first round: harm_words, evasion_words, declining) and all of them
(after the second: agreeing_opening, quotation_marks, last_turn_overlap, conversation_words,
personal_info_words), and then, for the 3 draws of 300 training pairs of the recipe's
learning curve, the held-out accuracy on all held-out pairs and on those outside the
development slice (pairs no design decision looked at).

    python calibration/hh_rlhf/development.py --data-home ../shared/data   # a few minutes
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from cogsim.calibration.text_fit import fit_baseline, fit_text_model, score
from cogsim.calibration.text_pairs import load_text_pairs
from cogsim.calibration.text_run import _fit_split, _split
from cogsim.text import FEATURE_NAMES, fit_scaling

DEV_PAIRS = 800
#: The featurizer's features at each stage of issue 12: before it, after the first round of
#: harmlessness features, after the second.
STAGES = {"before issue 12": list(FEATURE_NAMES[:30]), "first round": list(FEATURE_NAMES[:33]),
          "second round": list(FEATURE_NAMES)}


def dev_comparison(data, dev: np.ndarray, names: list[str], draws: int = 10) -> dict:
    """Mean (sd) held-out accuracy of model and baseline over 300 / 500 splits of ``dev``."""
    fa, fb = data.features_a.iloc[dev][names], data.features_b.iloc[dev][names]
    y, zero = data.chose_a[dev], np.zeros(len(dev))
    model_acc, base_acc = [], []
    for d in range(draws):
        order = np.random.default_rng([99, d]).permutation(len(dev))
        train, test = order[:300], order[300:]
        scaling = fit_scaling(pd.concat([fa.iloc[train], fb.iloc[train]]), names)
        x = (fa.to_numpy() - fb.to_numpy()) / np.array([scaling.scale[f] for f in names])
        model, _ = fit_text_model(x[train], y[train], zero[train], train, seed=d)
        base = fit_baseline(x[train], y[train], zero[train])
        model_acc.append(score(model, x[test], y[test], zero[test])["accuracy"])
        base_acc.append(score(base, x[test], y[test], zero[test])["accuracy"])
    return {"model": (np.mean(model_acc), np.std(model_acc, ddof=1)),
            "baseline": (np.mean(base_acc), np.std(base_acc, ddof=1))}


def official_draws(data, dev: np.ndarray, seed: int = 0, n_train: int = 300) -> None:
    """The recipe's learning-curve draws at ``n_train``: held-out accuracy, all and off-dev."""
    rows = []
    for draw in range(3):
        train, test = _split(data.n_units, n_train, (seed, n_train, draw))
        _, x, model, _, base = _fit_split(data, train, seed + draw)
        for part, units in (("all held out", test), ("outside dev", np.setdiff1d(test, dev))):
            r = data.rows(units)
            rows.append({"draw": draw, "pairs": part, "n": len(r),
                         "model": score(model, x[r], data.chose_a[r], data.first[r])["accuracy"],
                         "baseline": score(base, x[r], data.chose_a[r],
                                           data.first[r])["accuracy"]})
    table = pd.DataFrame(rows)
    print(table.round(4).to_string(index=False))
    summary = table.groupby("pairs")[["model", "baseline"]].agg(["mean", "std"])
    print(summary.round(4).to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()
    data = load_text_pairs("hh_rlhf", args.data_home)
    dev = np.sort(np.random.default_rng([0]).permutation(data.n_units)[:DEV_PAIRS])
    for label, names in STAGES.items():
        r = dev_comparison(data, dev, names)
        print(f"dev slice, {label} ({len(names)} features): model {r['model'][0]:.4f} "
              f"(sd {r['model'][1]:.3f}), baseline {r['baseline'][0]:.4f} "
              f"(sd {r['baseline'][1]:.3f})")
    official_draws(data, dev)


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
