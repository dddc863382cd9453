"""Choice rates, and how well predicted rates match observed ones: MSD/MSE, log-loss,
accuracy.

Human *aggregate* data is a rate of choosing option B (``item_b``) per problem id: either a
``pandas.Series`` indexed by problem id, or a DataFrame with the key column and a rate
column (``b_rate`` by default, the name ``cogsim.datasets`` gives it for choices13k and
CPC18).

References
----------
- Erev, I., et al. (2017). From anomalies to forecasts: Toward a descriptive model of
  decisions under risk, under ambiguity, and from experience. Psychological Review,
  124(4), 369-409 (MSD of choice rates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cogsim.fidelity.canonical import (
    InsufficientDataError,
    _agree,
    _canonical,
    _check_frame,
    _ids,
    _key_columns,
    _soft_mode,
)

__all__ = ["accuracy", "choice_rates", "log_loss", "msd", "mse"]


def choice_rates(judgments: pd.DataFrame, key="pair_id", *, use_probabilities: bool = False,
                 option_b: pd.Series | None = None) -> pd.DataFrame:
    """Rate of choosing option B per problem.

    Parameters
    ----------
    judgments : DataFrame
        Needs ``item_a``, ``item_b``, ``chosen`` and the ``key`` column(s); ``p_a`` when
        ``use_probabilities``.
    key : str or list of str
        Problem id column(s).
    use_probabilities : bool
        If True, a row with a model probability contributes its probability of choosing
        option B (``1 - p_a`` when B is the row's ``item_b``, ``p_a`` when it is its
        ``item_a``) instead of its observed 0/1 choice: the model's expected rate, without
        sampling noise.  Rows with ``p_a`` NaN contribute their choice.
    option_b : Series, optional
        Which item is "option B" per problem (index = problem id, values = item id), e.g.
        another table's ``choice_rates(...)["item_b"]``, so that two tables that show a
        pair in different orders are compared on the same item.  Problems not in it are
        dropped.  By default option B is the rows' ``item_b``, which must then be the same
        in all rows of a problem.

    Returns
    -------
    DataFrame indexed by the key with columns ``rate`` (mean over rows), ``n`` (rows) and
    ``item_b`` (the item counted as option B).
    """
    kcols = _key_columns(key)
    if not kcols:
        raise ValueError("choice_rates needs a key column naming the problem id")
    canon, ids = _canonical(judgments, "judgments", key)
    if option_b is None:
        nb = canon.groupby("_k")["_b"].nunique()
        if (nb > 1).any():
            raise ValueError(f"judgments: problem {nb.index[np.argmax(nb.to_numpy() > 1)]!r} "
                             f"has different 'item_b' in different rows, so 'rate of B' is "
                             f"undefined; pass option_b")
        target = canon["_b"].to_numpy()
        keep = np.ones(len(canon), dtype=bool)
    else:
        names = _ids(option_b)
        opt = pd.Series(pd.Index(ids).get_indexer(names), index=option_b.index)
        keep = canon["_k"].isin(opt.index).to_numpy()
        target = canon["_k"].map(opt).fillna(-1).to_numpy(dtype=np.int64)
        bad = keep & (target != canon["_a"].to_numpy()) & (target != canon["_b"].to_numpy())
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            k = canon["_k"].iloc[i]
            raise ValueError(f"option_b names item {names[option_b.index.get_loc(k)]!r} for "
                             f"problem {k!r}, which compares {ids[canon['_a'].iloc[i]]!r} "
                             f"and {ids[canon['_b'].iloc[i]]!r}")
    chose_b = (canon["_chosen"].to_numpy() == target).astype(float)
    if use_probabilities:
        _check_frame(judgments, ["p_a"], "judgments", nullable=["p_a"])
        p_a = pd.to_numeric(judgments["p_a"], errors="coerce").to_numpy(dtype=float)
        if np.any((p_a < 0) | (p_a > 1)):
            raise ValueError("judgments column 'p_a' must lie in [0, 1]")
        p_b = np.where(target == canon["_a"].to_numpy(), p_a, 1.0 - p_a)
        chose_b = np.where(np.isnan(p_a), chose_b, p_b)
    sub = pd.DataFrame({"_k": canon["_k"].to_numpy()[keep], "rate": chose_b[keep],
                        "item_b": target[keep]})
    if len(sub) == 0:
        raise InsufficientDataError("choice_rates: no judgment of a problem named in option_b")
    g = sub.groupby("_k", sort=True)
    out = pd.DataFrame({"rate": g["rate"].mean(), "n": g["rate"].size(),
                        "item_b": ids[g["item_b"].first().to_numpy()]})
    out.index.name = kcols[0] if len(kcols) == 1 else None
    return out


def _as_rates(x, name: str, key="pair_id", rate_col: str = "b_rate") -> pd.Series:
    """Coerce rates: Series (index = problem id), 1-d array, or DataFrame with columns."""
    if isinstance(x, pd.DataFrame):
        if "rate" in x.columns and rate_col not in x.columns:   # output of choice_rates
            s = x["rate"]
        else:
            kcols = _key_columns(key)
            _check_frame(x, [*kcols, rate_col], name)
            s = x.set_index(kcols[0] if len(kcols) == 1 else kcols)[rate_col]
    elif isinstance(x, pd.Series):
        s = x
    else:
        arr = np.asarray(x, dtype=float)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
        s = pd.Series(arr)
    s = pd.to_numeric(s, errors="coerce").astype(float)
    if len(s) == 0:
        raise ValueError(f"{name} is empty: no rates")
    if s.isna().any():
        raise ValueError(f"{name} has {int(s.isna().sum())} missing or non-numeric rate(s)")
    if not s.index.is_unique:
        raise ValueError(f"{name} has duplicate problem ids, e.g. "
                         f"{s.index[s.index.duplicated()][0]!r}")
    return s


def _aligned(predicted, observed, key="pair_id", rate_col="b_rate"):
    p = _as_rates(predicted, "predicted", key, rate_col)
    o = _as_rates(observed, "observed", key, rate_col)
    if not (isinstance(predicted, (pd.Series, pd.DataFrame))
            and isinstance(observed, (pd.Series, pd.DataFrame))):
        if len(p) != len(o):
            raise ValueError(f"predicted and observed differ in length ({len(p)} vs {len(o)}); "
                             f"pass pandas objects indexed by problem id to align them")
        return p.to_numpy(), o.to_numpy()
    both = p.index.intersection(o.index)
    if len(both) == 0:
        raise ValueError("predicted and observed have no problem id in common")
    return p.loc[both].to_numpy(), o.loc[both].to_numpy()


def msd(predicted, observed, *, key="pair_id", rate_col: str = "b_rate") -> float:
    """Mean squared deviation between predicted and observed choice rates.

    ``MSD = mean_j (P_j - O_j)^2`` over the problems ``j`` present in both, where ``P_j``
    and ``O_j`` are the predicted and observed rates of choosing option B.  This is the
    score of the choice prediction competitions (Erev et al., 2017); it is the MSE of the
    rates (``mse`` is the same function).

    Parameters
    ----------
    predicted, observed : Series, DataFrame or array-like
        Series are indexed by problem id and aligned on it (inner join); DataFrames give the
        ``key`` and ``rate_col`` columns (or are ``choice_rates`` output); plain arrays are
        taken in order and must have equal length.
    """
    p, o = _aligned(predicted, observed, key, rate_col)
    return float(np.mean((p - o) ** 2))


mse = msd


def log_loss(predicted, observed, *, eps: float = 1e-6, key="pair_id",
             rate_col: str = "b_rate") -> float:
    """Binary cross-entropy of predicted probabilities against observed choices or rates.

    ``LL = -mean_j [O_j ln P'_j + (1 - O_j) ln(1 - P'_j)]`` with ``P'_j = clip(P_j, eps,
    1 - eps)`` (default ``eps = 1e-6``, so one confident miss costs at most ``ln 1e6 =
    13.8``).  ``O_j`` may be 0/1 choices or observed rates in [0, 1] (then it is the mean
    log-loss of the individual choices behind each rate, per problem).  Alignment as in
    :func:`msd`.  Natural log (nats).
    """
    if not 0 < eps < 0.5:
        raise ValueError(f"eps must lie in (0, 0.5), got {eps}")
    p, o = _aligned(predicted, observed, key, rate_col)
    if np.any((o < 0) | (o > 1)):
        raise ValueError("observed rates/choices must lie in [0, 1]")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("predicted probabilities must lie in [0, 1]")
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(o * np.log(p) + (1 - o) * np.log1p(-p)))


def accuracy(predicted, observed, *, key="pair_id", rate_col: str = "b_rate") -> float:
    """Share of problems where the predicted majority matches the observed majority.

    The majority of a rate ``r`` is B if ``r > 0.5``, A if ``r < 0.5``; a rate of exactly
    0.5 on either side scores 0.5 (the expected score of breaking the tie at random).
    Alignment as in :func:`msd`.
    """
    p, o = _aligned(predicted, observed, key, rate_col)
    return float(np.mean(_agree(_soft_mode(p, 1.0), _soft_mode(o, 1.0))))
