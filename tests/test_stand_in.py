"""experiments/stand_in: the problem generator and the learner's features."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from cogsim.tasks.gambles import check_problems

STAND_IN = Path(__file__).resolve().parents[1] / "experiments" / "stand_in"
sys.path.insert(0, str(STAND_IN))

from problems import generate_problems  # noqa: E402


def test_generated_problems_are_valid_reproducible_and_shaped_as_described():
    table = generate_problems(4000, seed=3)
    assert len(table) == 4000
    check_problems(table)
    again = generate_problems(4000, seed=3)
    assert table.equals(again) and not table.equals(generate_problems(4000, seed=4))
    assert 0.35 < (table["pHa"] == 1).mean() < 0.45
    assert 0.45 < (table["LotShapeB"] != "-").mean() < 0.55
    assert 0.1 < table["Amb"].mean() < 0.2 and 0.75 < table["Feedback"].mean() < 0.85
    outcomes = table[["Ha", "La", "Hb", "Lb"]].to_numpy()
    assert outcomes.min() >= -100 and outcomes.max() <= 256
    assert (table["Ha"] >= table["La"]).all() and (table["Hb"] >= table["Lb"]).all()


def test_features_are_finite_one_row_per_problem():
    from run import features

    table = generate_problems(500, seed=1)
    x = features(table)
    assert x.shape[0] == 500 and np.isfinite(x).all()
