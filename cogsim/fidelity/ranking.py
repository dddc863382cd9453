"""Rankings from pooled pairwise judgments: pooled counts per pair, transitivity
violations, Bradley-Terry scores and Kendall's tau between rankings.

References
----------
- Bradley, R. A., & Terry, M. E. (1952). Rank analysis of incomplete block designs I.
  Biometrika, 39(3/4), 324-345.  (Fitted here by L-BFGS on the penalised likelihood, not
  by Hunter's (2004) MM iteration; both reach the same optimum.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, sparse, stats

from cogsim.blas import one_blas_thread
from cogsim.fidelity.canonical import InsufficientDataError, _canonical

__all__ = ["aggregate_preferences", "bradley_terry", "bradley_terry_counts", "kendall_tau",
           "transitivity_violations"]


def aggregate_preferences(judgments: pd.DataFrame) -> pd.DataFrame:
    """Pool all judgments of each unordered pair of items.

    Returns one row per pair with columns ``item_1 < item_2`` (ids as str), ``n``
    (judgments), ``wins_1`` (times ``item_1`` was chosen) and ``rate_1 = wins_1 / n``.
    """
    canon, ids = _canonical(judgments, "judgments", None)
    g = canon.groupby(["_lo", "_hi"], sort=True)["_y"]
    out = pd.DataFrame({"n": g.size(), "wins_1": g.sum()}).reset_index()
    out["_lo"] = ids[out["_lo"].to_numpy()]
    out["_hi"] = ids[out["_hi"].to_numpy()]
    out = out.rename(columns={"_lo": "item_1", "_hi": "item_2"})
    out["wins_1"] = out["wins_1"].astype(int)
    out["rate_1"] = out["wins_1"] / out["n"]
    return out[["item_1", "item_2", "n", "wins_1", "rate_1"]]


def transitivity_violations(judgments: pd.DataFrame) -> float:
    """Fraction of item triples whose aggregated pairwise preferences form a cycle.

    Judgments are pooled per unordered pair of items; item ``i`` beats ``j`` when it won
    more than half of their judgments (exact ties are undecided).  Among triples whose
    three pairs are all decided, the result is the share that are cyclic (``i > j > k >
    i``).  Counted with matrices: cyclic triples = trace(B^3)/3 for the "beats" matrix B,
    decided triples = trace(D^3)/6 for D = B + B^T (sparse matrices, so large item sets
    with sparse comparisons stay cheap).
    """
    agg = aggregate_preferences(judgments)
    agg = agg[agg["wins_1"] * 2 != agg["n"]]
    items = pd.Index(np.unique(np.concatenate([agg["item_1"], agg["item_2"]])))
    if len(items) < 3:
        raise InsufficientDataError("transitivity_violations needs a triple of items whose "
                                    "three pairs all have a majority preference")
    i = items.get_indexer(agg["item_1"])
    j = items.get_indexer(agg["item_2"])
    first_wins = (agg["wins_1"] * 2 > agg["n"]).to_numpy()
    m = len(items)
    beats = sparse.csr_matrix((np.ones(len(i)), (np.where(first_wins, i, j),
                                                 np.where(first_wins, j, i))), shape=(m, m))
    decided = (beats + beats.T).tocsr()
    # trace(X^3) = sum of (X @ X) * X^T elementwise
    n_triples = round((decided @ decided).multiply(decided.T).sum() / 6.0)
    if n_triples == 0:
        raise InsufficientDataError("transitivity_violations needs a triple of items whose "
                                    "three pairs all have a majority preference")
    n_cycles = round((beats @ beats).multiply(beats.T).sum() / 3.0)
    return float(n_cycles / n_triples)


def bradley_terry(judgments: pd.DataFrame, *, ridge: float = 0.01, tol: float = 1e-10,
                  max_iter: int = 1000) -> pd.Series:
    """Bradley-Terry scores of the judged items (maximum a posteriori, with a ridge).

    Model: ``P(i chosen over j) = 1 / (1 + exp(s_j - s_i))``.  The scores maximise
    ``sum_{i,j} W_ij log sigma(s_i - s_j) - (ridge / 2) sum_i s_i^2`` with ``W_ij`` the
    number of times ``i`` was chosen over ``j`` -- a Gaussian prior N(0, 1/ridge) per
    score.  The ridge makes the optimum unique and finite (an item that always wins keeps
    a finite score) and centres it: at the optimum ``sum_i s_i = 0`` exactly.  Solved by
    L-BFGS-B with the analytic gradient (the objective is strictly concave).

    Returns a Series of scores (natural-log strengths) indexed by item id (str), sorted by
    id.
    """
    if not ridge > 0:
        raise ValueError(f"ridge must be > 0 (it makes the scores identifiable), got {ridge}")
    agg = aggregate_preferences(judgments)
    items = pd.Index(np.unique(np.concatenate([agg["item_1"], agg["item_2"]])))
    i = items.get_indexer(agg["item_1"])
    j = items.get_indexer(agg["item_2"])
    scores = bradley_terry_counts(i, j, agg["wins_1"].to_numpy(), agg["n"].to_numpy(),
                                  len(items), ridge=ridge, tol=tol, max_iter=max_iter)
    return pd.Series(scores, index=items, name="score")


@one_blas_thread
def bradley_terry_counts(i: np.ndarray, j: np.ndarray, wins_i: np.ndarray, n: np.ndarray,
                         m: int, *, ridge: float = 0.01, tol: float = 1e-10,
                         max_iter: int = 1000) -> np.ndarray:
    """Bradley-Terry scores from pooled counts: the fit behind :func:`bradley_terry`, for
    callers that hold counts rather than a judgments table (a sharded ``generate``).

    Maximises ``sum_p [w_p log sigma(s_i - s_j) + (n_p - w_p) log sigma(s_j - s_i)]
    - (ridge / 2) |s|^2`` over the ``m`` items (codes 0..m-1), pairs p = (i_p, j_p) judged
    n_p times of which i_p won w_p; returns the centred scores.
    """
    w_i, w_j, n_pair = wins_i.astype(float), (n - wins_i).astype(float), n.astype(float)

    def objective(s):
        d = s[i] - s[j]
        # -[w_i log sigma(d) + w_j log sigma(-d)]
        nll = np.sum(w_i * np.logaddexp(0.0, -d) + w_j * np.logaddexp(0.0, d))
        resid = n_pair * (0.5 * (1.0 + np.tanh(0.5 * d))) - w_i   # n sigma(d) - w_i
        grad = np.bincount(i, resid, m) - np.bincount(j, resid, m)
        return nll + 0.5 * ridge * s @ s, grad + ridge * s

    res = optimize.minimize(objective, np.zeros(m), jac=True, method="L-BFGS-B",
                            options={"maxiter": max_iter, "ftol": tol, "gtol": tol})
    return res.x - res.x.mean()


def kendall_tau(x, y) -> float:
    """Kendall's tau-b between two score vectors or rankings.

    Series are aligned on their index (inner join; at least 2 common entries); array-likes
    are taken in order.  Ties are handled by tau-b (``scipy.stats.kendalltau``).  NaN if a
    vector is constant.
    """
    if isinstance(x, pd.Series) and isinstance(y, pd.Series):
        both = x.index.intersection(y.index)
        xv = pd.to_numeric(x.loc[both], errors="coerce").to_numpy(float)
        yv = pd.to_numeric(y.loc[both], errors="coerce").to_numpy(float)
    else:
        xv, yv = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if xv.shape != yv.shape or xv.ndim != 1:
            raise ValueError(f"x and y must be 1-d of equal length, got {xv.shape} and {yv.shape}")
    if np.isnan(xv).any() or np.isnan(yv).any():
        raise ValueError("kendall_tau: scores must be numeric without missing values")
    if len(xv) < 2:
        raise InsufficientDataError("kendall_tau needs at least 2 common entries")
    if np.all(xv == xv[0]) or np.all(yv == yv[0]):
        return float("nan")
    return float(stats.kendalltau(xv, yv).statistic)
