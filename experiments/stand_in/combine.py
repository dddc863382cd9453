"""(b)'s learners: the synthetic-data learner, and its correction on the N human problems.

The learner of (a) and (c) is `learner`; (b) trains `synthetic_learner` (the same
scikit-learn ``HistGradientBoostingRegressor`` on the same features, with the capacity that
100,000 training rows can carry: more leaves and iterations, early stopping on a tenth of the
*synthetic* rows) on the synthetic rates, then corrects it with the N human problems by
`Stacked`: a residual learner on the human rate minus the synthetic learner's prediction,
given that prediction as one more feature, whose strength (a linear recalibration under a
ridge penalty, or a number of shallow boosting rounds, or none) is chosen by repeated k-fold
cross-validation over the N human training problems only.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge

#: Candidate corrections: ("none", 0), ("linear", ridge alpha per row), ("trees", rounds).
CANDIDATES: tuple[tuple[str, float], ...] = (
    ("none", 0), ("linear", 1.0), ("linear", 0.1), ("linear", 0.01),
    ("trees", 10), ("trees", 25), ("trees", 50), ("trees", 100), ("trees", 200),
)  # fmt: skip


def learner(n: int) -> HistGradientBoostingRegressor:
    """The flexible learner of (a) and (c), fixed settings (leaf size shrinks with few rows)."""
    return HistGradientBoostingRegressor(max_iter=300, learning_rate=0.05, max_leaf_nodes=15,
                                         min_samples_leaf=max(3, min(20, n // 10)),
                                         l2_regularization=1.0, random_state=0)


def synthetic_learner(leaves: int = 63, rounds: int = 3000) -> HistGradientBoostingRegressor:
    """The learner of (b)'s synthetic rates: the same trees, with the capacity 100,000 rows
    carry; the number of rounds is set by early stopping on 10% of the synthetic rows."""
    return HistGradientBoostingRegressor(max_iter=rounds, learning_rate=0.1,
                                         max_leaf_nodes=leaves,
                                         min_samples_leaf=20, l2_regularization=1.0,
                                         early_stopping=True, validation_fraction=0.1,
                                         n_iter_no_change=50, random_state=0)


def _shallow(n: int, rounds: int) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(max_iter=int(rounds), learning_rate=0.05, max_depth=2,
                                         min_samples_leaf=max(3, min(20, n // 10)),
                                         l2_regularization=5.0, random_state=0)


def _fit(kind: str, level: float, x: np.ndarray, s: np.ndarray, r: np.ndarray):
    """The residual model of one candidate, fitted; a function of (x, s) -> correction."""
    if kind == "none":
        return lambda x, s: np.zeros(len(s))
    if kind == "linear":
        ridge = Ridge(alpha=level * len(r)).fit(s[:, None], r)
        return lambda x, s: ridge.predict(s[:, None])
    trees = _shallow(len(r), int(level)).fit(np.column_stack([x, s]), r)
    return lambda x, s: trees.predict(np.column_stack([x, s]))


def inner_cv(x: np.ndarray, s: np.ndarray, y: np.ndarray, seed: int, folds: int = 5,
             repeats: int = 4) -> dict[str, float]:
    """Mean held-out MSE of every candidate correction over ``repeats`` x ``folds``-fold
    cross-validation of the N human training problems (nothing else is looked at)."""
    r = y - s
    errors = {f"{k}:{v:g}": [] for k, v in CANDIDATES}
    for rep in range(repeats):
        order = np.random.default_rng([seed, rep]).permutation(len(r))
        for k in range(folds):
            held = order[k::folds]
            fit = np.setdiff1d(order, held)
            for kind, level in CANDIDATES:
                g = _fit(kind, level, x[fit], s[fit], r[fit])
                err = np.mean((np.clip(s[held] + g(x[held], s[held]), 0, 1) - y[held]) ** 2)
                errors[f"{kind}:{level:g}"].append(err)
    return {k: float(np.mean(v)) for k, v in errors.items()}


def fine_tune(n: int) -> HistGradientBoostingRegressor:
    """The shallow residual learner of the earlier (b) (kept for the design comparison)."""
    return _shallow(n, 50)


def helps(x: np.ndarray, residual: np.ndarray, seed: int, folds: int = 5) -> bool:
    """The earlier (b)'s gate: whether `fine_tune` on the human residuals lowers the error
    in one ``folds``-fold cross-validation over the N training problems."""
    order = np.random.default_rng(seed).permutation(len(residual))
    with_tuning, without = [], []
    for k in range(folds):
        held = order[k::folds]
        fit = np.setdiff1d(order, held)
        tuned = fine_tune(len(fit)).fit(x[fit], residual[fit]).predict(x[held])
        with_tuning.append(np.mean((residual[held] - tuned) ** 2))
        without.append(np.mean(residual[held] ** 2))
    return bool(np.mean(with_tuning) < np.mean(without))


class Stacked:
    """The synthetic learner's prediction plus a residual correction learned on the N human
    problems, the candidate chosen by `inner_cv` (ties go to the simpler, earlier one).

    Parameters
    ----------
    synthetic
        A fitted regressor of the synthetic rates (``predict(x)``).
    seed : int
        Seed of the inner cross-validation's folds.
    """

    def __init__(self, synthetic, seed: int = 0) -> None:
        self.synthetic = synthetic
        self.seed = seed
        self.chosen: str = "none:0"
        self.cv: dict[str, float] = {}

    def fit(self, x: np.ndarray, y: np.ndarray) -> Stacked:
        """Choose and fit the correction on the human problems ``x``, rates ``y``."""
        s = self.synthetic.predict(x)
        self.cv = inner_cv(x, s, y, self.seed)
        self.chosen = min(self.cv, key=self.cv.get)
        kind, level = self.chosen.split(":")
        self._g = _fit(kind, float(level), x, s, y - s)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        s = self.synthetic.predict(x)
        return s + self._g(x, s)
