"""The text-preference model and its fit: value weights over text features, a position
bias and lapses, with a ridge penalty whose strength is chosen by inner cross-validation.

For a judgment of responses A and B with features in standard units z_A, z_B (fixed
scaling), and s = +1 when A was shown first, -1 when B was, 0 when not known:

    u       = w . (z_A - z_B) + b s
    P(A)    = epsilon / 2 + (1 - epsilon) sigma(u),      sigma(u) = 1 / (1 + e^-u)

w are the annotators' value weights (per standard unit; the logistic's scale is 1, so the
size of w is the inverse of the choice noise), b the position bias (P(first) = sigma(b) when
the options are equal), epsilon the lapse rate (a random answer).  The fit minimises

    L(w, b) = -sum_i log P(y_i) + (lambda / 2) |w|^2

over w and b (L-BFGS, analytic gradient) for each (lambda, epsilon) of a grid, and keeps the
pair with the lowest mean held-out log-loss over inner folds of the training pairs; w and b
are then refitted on all of them.  The ridge term keeps a fit on 30 pairs sane: a weight
moves off 0 only as far as the data pay for.

The baseline (:func:`fit_baseline`) is the logistic Bradley-Terry model on the same
features: epsilon = 0 and lambda = 1 (the default strength of common logistic-regression
software, such as scikit-learn's C = 1), no inner search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from cogsim.blas import one_blas_thread

__all__ = ["TextModel", "fit_text_model", "fit_baseline", "score", "LAMBDAS", "LAPSES",
           "BASELINE_LAMBDA"]

#: Ridge strengths and lapse rates searched by the inner cross-validation.
LAMBDAS = (1.0, 10.0, 100.0, 1000.0)
LAPSES = (0.0, 0.1, 0.2)
#: Ridge strength of the logistic baseline.
BASELINE_LAMBDA = 1.0
_CLIP = 1e-12


@dataclass(frozen=True)
class TextModel:
    """Fitted weights ``w`` (one per feature), position bias ``b``, lapse rate ``lapse``,
    and the ridge strength ``ridge`` they were fitted with."""

    w: np.ndarray
    b: float
    lapse: float
    ridge: float

    def probability(self, x: np.ndarray, first: np.ndarray) -> np.ndarray:
        """P(A chosen) for differences ``x`` (n, features) and positions ``first`` (n,)."""
        return self.lapse / 2 + (1 - self.lapse) * expit(x @ self.w + self.b * first)


@one_blas_thread
def _fit(x: np.ndarray, y: np.ndarray, first: np.ndarray, ridge: float, lapse: float,
         start: np.ndarray | None = None) -> TextModel:
    """Minimise the penalised negative log-likelihood for one (ridge, lapse)."""
    d = x.shape[1]
    with_bias = bool(np.any(first != 0))
    design = np.column_stack([x, first]) if with_bias else x
    penalty = np.r_[np.full(d, ridge), 0.0] if with_bias else np.full(d, ridge)
    sign = np.where(y, 1.0, -1.0)

    def objective(theta):
        u = design @ theta
        q = expit(u)
        p = lapse / 2 + (1 - lapse) * q
        p_obs = np.clip(np.where(y, p, 1 - p), _CLIP, None)
        loss = -np.log(p_obs).sum() + 0.5 * (penalty * theta**2).sum()
        dloss_du = -sign * (1 - lapse) * q * (1 - q) / p_obs
        return loss, design.T @ dloss_du + penalty * theta

    theta0 = np.zeros(design.shape[1]) if start is None else start
    theta = minimize(objective, theta0, jac=True, method="L-BFGS-B",
                     options={"maxiter": 500}).x
    return TextModel(theta[:d], float(theta[d]) if with_bias else 0.0, lapse, ridge)


def score(model: TextModel, x: np.ndarray, y: np.ndarray, first: np.ndarray) -> dict[str, float]:
    """Accuracy (P(A) > 1/2 taken as choosing A; 1/2 counts half) and mean log-loss."""
    p = model.probability(x, first)
    right = np.where(p == 0.5, 0.5, (p > 0.5) == y)
    p_obs = np.clip(np.where(y, p, 1 - p), _CLIP, None)
    return {"accuracy": float(np.mean(right)), "log_loss": float(-np.mean(np.log(p_obs)))}


def _folds(units: np.ndarray, k: int, rng: np.random.Generator) -> list[np.ndarray]:
    """k groups of the distinct units, at random."""
    distinct = rng.permutation(np.unique(units))
    return [part for part in np.array_split(distinct, k) if len(part)]


def fit_text_model(x: np.ndarray, y: np.ndarray, first: np.ndarray, units: np.ndarray, *,
                   seed: int = 0, inner_folds: int = 5) -> tuple[TextModel, dict]:
    """Choose (lambda, epsilon) by inner cross-validation on the training judgments, then
    fit w and b on all of them.

    Parameters
    ----------
    x : ndarray, (n, features)
        z_A - z_B per judgment.
    y : ndarray of bool, (n,)
        Whether A was chosen.
    first : ndarray, (n,)
        +1 / -1 / 0: A shown first, B shown first, not known.
    units : ndarray of int, (n,)
        The pair of each judgment: a pair's judgments stay in one inner fold.
    seed : int
        Seeds the inner folds.
    inner_folds : int
        k of the inner cross-validation (fewer when there are fewer pairs).

    Returns
    -------
    (TextModel, dict)
        The model, and the search: ``{"ridge", "lapse", "inner_log_loss"}``, the grid's
        mean held-out log-loss per (lambda, epsilon).
    """
    k = min(inner_folds, len(np.unique(units)))
    folds = _folds(units, k, np.random.default_rng([seed, 7919]))
    losses = {}
    for part in folds:
        test = np.isin(units, part)
        for lapse in LAPSES:
            start = None
            for ridge in sorted(LAMBDAS, reverse=True):     # warm starts: strong to weak
                m = _fit(x[~test], y[~test], first[~test], ridge, lapse, start)
                start = np.r_[m.w, m.b] if np.any(first[~test] != 0) else m.w
                loss = score(m, x[test], y[test], first[test])["log_loss"] * test.sum()
                losses[(ridge, lapse)] = losses.get((ridge, lapse), 0.0) + loss
    losses = {key: value / len(y) for key, value in losses.items()}
    ridge, lapse = min(losses, key=lambda key: (losses[key], -key[0], key[1]))
    model = _fit(x, y, first, ridge, lapse)
    return model, {"ridge": ridge, "lapse": lapse,
                   "inner_log_loss": {f"lambda={r:g},lapse={e:g}": round(v, 6)
                                      for (r, e), v in losses.items()}}


def fit_baseline(x: np.ndarray, y: np.ndarray, first: np.ndarray) -> TextModel:
    """The logistic Bradley-Terry baseline: lambda = :data:`BASELINE_LAMBDA`, no lapses."""
    return _fit(x, y, first, BASELINE_LAMBDA, 0.0)
