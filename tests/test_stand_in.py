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


class _Known:
    """A stand-in for the synthetic learner: predicts a known column of x."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        return x[:, 0]


def test_stacking_corrects_a_distorted_synthetic_learner_and_leaves_a_right_one():
    from combine import Stacked, inner_cv

    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(0.1, 0.9, 300), rng.normal(size=300)])
    y = np.clip(0.2 + 0.6 * x[:, 0] + rng.normal(0, 0.02, 300), 0, 1)
    stacked = Stacked(_Known(), seed=1).fit(x[:100], y[:100])
    assert stacked.chosen != "none:0"
    before = np.mean((x[200:, 0] - y[200:]) ** 2)
    after = np.mean((stacked.predict(x[200:]) - y[200:]) ** 2)
    assert after < 0.3 * before
    # With nothing to correct, "none" scores the plain mean squared residual in every fold.
    right = np.clip(x[:100, 0] + rng.normal(0, 0.02, 100), 0, 1)
    cv = inner_cv(x[:100], x[:100, 0], right, seed=2)
    assert set(cv) >= {"none:0", "linear:0.1", "trees:25"}
    assert np.isclose(cv["none:0"], np.mean((x[:100, 0] - right) ** 2))


def test_table_reports_floor_explained_share_and_gap():
    from run import table

    row = {"human_only": 0.03, "synthetic": 0.012, "all_human": 0.009, "model_only": 0.0125,
           "beast": 0.017, "gap_closed": 0.857, "n_draws": 3,
           "explained": {"human_only": 0.6, "synthetic": 0.9, "all_human": 0.95,
                         "model_only": 0.89, "beast": 0.75}}
    text = table({"per_n": {"30": row}, "noise_floor": 0.0067, "constant_mse": 0.0486,
                  "n_test_problems": 2000, "n_test_rows": 2227, "fresh_problems": 100_000,
                  "agents": 1000})
    assert "| 30 | 0.0300 (60%) | 0.0120 (90%) |" in text
    assert "| 0.0067 | 86% | 3 |" in text and "100,000 fresh problems" in text
