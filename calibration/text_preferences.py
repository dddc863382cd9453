"""Calibrate a random-utility (Bradley-Terry) annotator group on code-completion choices
(copilot-arena) on two measured attributes, and measure the human biases that a population
spec should reproduce.

    python calibration/text_preferences.py copilot_arena [--data-home DIR]

Texts in natural language (hh-rlhf, MT-Bench, a judgments file of texts) are calibrated on
the 38 features of ``cogsim.text`` by ``cogsim calibrate hh_rlhf|mt_bench|FILE --model
bradley_terry`` (``calibration/hh_rlhf/``, ``calibration/mt_bench/``), which this script's
``hh_rlhf`` mode preceded; the mode is kept to reproduce the two-attribute figures.

Texts carry no attributes, so each option gets two measured ones: ``length`` (words) and
``has_list`` (a line that starts with a list marker or, for code, a line break count above
the median: structured output).  On a random half of the judgments (seed 0) a Bradley-Terry
annotator is fitted by maximum likelihood: P(choose A) = logistic(bias_first + w . (z_A -
z_B)), z the attributes in standard units over the data's texts (``bias_first`` only where
option A is the one shown first, as in copilot_arena).  The other half is held out:
accuracy and log-loss of the fitted annotator against choosing A at the training rate.
Writes ``<set>/targets.json`` (human P(prefer longer), P(prefer lists), P(prefer first) on
all judgments; held-out scores; fitted weights) and ``<set>/population.toml``: a one-group
population spec with those weights and the position bias, for ``cogsim generate`` on items
with the same two attributes.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from cogsim.datasets import load
from cogsim.spec import parse_spec, spec_to_toml

HERE = Path(__file__).resolve().parent
LIST_LINE = re.compile(r"^\s*([-*•]|\d+[.)])\s+", re.MULTILINE)


def attributes(texts: pd.Series, code: bool) -> pd.DataFrame:
    words = texts.str.split().str.len().fillna(0).astype(float)
    if code:
        lines = texts.str.count("\n").astype(float)
        structured = (lines > lines.median()).astype(float)
    else:
        structured = texts.map(lambda t: float(bool(LIST_LINE.search(t))))
    return pd.DataFrame({"length": words, "has_list": structured})


def fit(diff: np.ndarray, chose_a: np.ndarray, first: bool) -> np.ndarray:
    """Maximum-likelihood weights (bias_first, w...) of the logistic choice rule."""
    x = np.column_stack([np.ones(len(diff)), diff]) if first else diff

    def nll(w):
        s = x @ w
        return -np.sum(np.where(chose_a, log_expit(s), log_expit(-s)))
    return minimize(nll, np.zeros(x.shape[1]), method="BFGS").x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=["hh_rlhf", "copilot_arena"])
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()
    j = load(args.name, judgments=True, data_home=args.data_home)
    code = args.name == "copilot_arena"
    first = code          # copilot_arena: completion A is the first (index 0) shown
    a, b = attributes(j["option_a"], code), attributes(j["option_b"], code)
    both = pd.concat([a, b])
    log_len = np.log1p(both["length"])
    def z(df):
        return np.column_stack([(np.log1p(df.length) - log_len.mean()) / log_len.std(),
                                (df.has_list - both.has_list.mean())
                                / max(both.has_list.std(), 1e-9)])
    diff, chose_a = z(a) - z(b), (j["choice"] == "A").to_numpy()
    order = np.random.default_rng(0).permutation(len(j))
    train, test = order[: len(j) // 2], order[len(j) // 2:]
    w = fit(diff[train], chose_a[train], first)
    x = np.column_stack([np.ones(len(diff)), diff]) if first else diff
    p = np.clip(expit(x[test] @ w), 1e-6, 1 - 1e-6)
    base = np.clip(chose_a[train].mean(), 1e-6, 1 - 1e-6)
    y = chose_a[test]

    def prefer(col):
        differ = a[col].to_numpy() != b[col].to_numpy()
        larger_a = a[col].to_numpy() > b[col].to_numpy()
        return float(np.mean((larger_a == chose_a)[differ]))
    weights = dict(zip(["length", "has_list"], (w[1:] if first else w).round(4).tolist()))
    targets = {
        "data": args.name, "n_judgments": int(len(j)),
        "human_prefer_longer": prefer("length"), "human_prefer_lists": prefer("has_list"),
        "human_prefer_first": float(chose_a.mean()) if first else None,
        "fitted": {"weights_per_sd": weights,
                   "bias_first": float(w[0]) if first else None},
        "held_out": {"n": int(len(test)),
                     "accuracy": float(np.mean((p > 0.5) == y)),
                     "log_loss": float(-np.mean(np.where(y, np.log(p), np.log(1 - p)))),
                     "constant_accuracy": float(np.mean((base > 0.5) == y)),
                     "constant_log_loss": float(-np.mean(np.where(y, np.log(base),
                                                                  np.log(1 - base))))}}
    folder = HERE / args.name
    folder.mkdir(exist_ok=True)
    (folder / "targets.json").write_text(json.dumps(targets, indent=2) + "\n")
    spec = {"name": f"{args.name}_calibrated", "n_annotators": 60, "seed": 0,
            "description": f"A Bradley-Terry group with value weights fitted on {args.name} "
                           f"(calibration/text_preferences.py)",
            "groups": [{"name": "calibrated", "share": 1.0, "model": "bradley_terry",
                        "scale": 1.0, "values": weights}]}
    if first:
        # the shortcut rate that gives this P(first) for annotators indifferent otherwise
        spec["position_bias"] = {"p_first": float(min(max(expit(w[0]), 0.5), 1.0))}
    (folder / "population.toml").write_text(
        spec_to_toml(parse_spec(spec), {"calibrated on": args.name}))
    print(json.dumps(targets, indent=2))


if __name__ == "__main__":
    main()
