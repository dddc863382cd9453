"""Fidelity of synthetic pairwise preferences to human data.

Every measure is a small function: pandas in, a plain ``float`` or a ``DataFrame`` out.

Inputs
------
*Judgments table* -- one row per judgment, the layout cogsim writes (see DESIGN.md).  Each
measure needs only some of its columns and names a missing one in its error:

=============== ===============================================================
``pair_id``     the problem a judgment belongs to (the default ``key``)
``item_a``,     the two options' item ids
``item_b``
``first``       item id shown first
``chosen``      item id chosen (must be ``item_a`` or ``item_b``)
``p_a``         model probability of choosing ``item_a`` (NaN where none)
``rt``          response time in seconds (NaN where none)
``annotator_id``, ``group``, ``step`` -- used where a measure says so
=============== ===============================================================

Human data in the same layout may have fewer columns.  Human *aggregate* data is a rate of
choosing option B (``item_b``) per problem id: either a ``pandas.Series`` indexed by problem
id, or a DataFrame with the key column and a rate column (``b_rate`` by default, the name
``cogsim.datasets`` gives it for choices13k and CPC18).

Human judgments in the generic schema of ``cogsim.datasets`` (``option_a``, ``option_b``,
``choice`` = "A"/"B", optional ``shown_first``, ``trial``) are accepted everywhere a
judgments table is and converted by :func:`from_generic_schema`.

*Items table* -- one row per item with an ``item_id`` column and attribute columns, e.g. a
numeric ``length`` and a boolean ``is_list``.

"The same pair"
---------------
Measures that compare several judgments of one pair group rows by ``key`` (default
``"pair_id"``; a list of columns also works; ``None`` groups by the unordered pair of item
ids).  Within a group all rows must concern the same two items (in either order) or a
``ValueError`` names the offending key.  Agreement is orientation-free: two judgments agree
when they chose the same item id.

Errors
------
Bad input raises ``ValueError`` naming the column (missing column, no rows, missing values,
``chosen`` not one of the two options).  Input that is well formed but too thin for a
measure (say, no pair judged twice, for a held-out agreement) raises
:class:`InsufficientDataError`, a ``ValueError`` subclass that :func:`fidelity_report`
catches to skip that measure.

References
----------
- Dubois, Y., et al. (2023). AlpacaFarm: A simulation framework for methods that learn
  from human feedback. NeurIPS 2023. arXiv:2305.14387.
- Li, X., et al. (2023). AlpacaEval: An automatic evaluator of instruction-following
  models. github.com/tatsu-lab/alpaca_eval -- ``alpaca_eval/analyze.py`` (package 0.6.6):
  ``Analyzer.agreement_of_annotations``, ``estimate_bias``, ``estimate_variance``,
  ``get_length_biases``, ``get_list_biases``, ``get_metrics_evaluator``.
- Erev, I., et al. (2017). From anomalies to forecasts: Toward a descriptive model of
  decisions under risk, under ambiguity, and from experience. Psychological Review,
  124(4), 369-409 (MSD of choice rates).
- Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
  Psychological Bulletin, 76(5), 378-382.
- Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
  Psychological Measurement, 20(1), 37-46.
- Bradley, R. A., & Terry, M. E. (1952). Rank analysis of incomplete block designs I.
  Biometrika, 39(3/4), 324-345.  (Fitted here by L-BFGS on the penalised likelihood, not
  by Hunter's (2004) MM iteration; both reach the same optimum.)
- Ratcliff, R., & McKoon, G. (2008). The diffusion decision model. Neural Computation,
  20(4), 873-922 (RT quantiles .1/.3/.5/.7/.9).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, sparse, stats

__all__ = [
    "InsufficientDataError",
    "DEFAULT_RT_QUANTILES",
    "from_generic_schema",
    "TIE_RULES",
    "choice_rates",
    "msd",
    "mse",
    "log_loss",
    "accuracy",
    "heldout_agreement",
    "agreement_with_reference",
    "pairwise_agreement",
    "fleiss_kappa",
    "cohens_kappa",
    "alpaca_eval_bias",
    "alpaca_eval_variance",
    "prefer_first",
    "prefer_attribute",
    "prefer_longer",
    "prefer_lists",
    "aggregate_preferences",
    "transitivity_violations",
    "bradley_terry",
    "kendall_tau",
    "rt_quantiles",
    "ks_distance",
    "alpaca_eval_leaderboard",
    "alpaca_eval_human_reference",
    "compare_to_reference",
    "fidelity_report",
]

DEFAULT_RT_QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
ALPACA_EVAL_FOLDER = "alpaca_eval_evaluators"
ALPACA_EVAL_FILE = "evaluators_leaderboard.csv"


class InsufficientDataError(ValueError):
    """Input is well formed but too thin for the measure (e.g. no pair judged twice)."""


# --------------------------------------------------------------------------------------
# input checking and the canonical view of a judgments table

def _check_frame(df, columns: Sequence[str], name: str,
                 nullable: Sequence[str] = ()) -> pd.DataFrame:
    """Raise ValueError naming the first missing/empty/NaN column among ``columns``.

    Columns in ``nullable`` must exist but may hold missing values.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} is missing required column(s) {', '.join(map(repr, missing))}"
                         f" (has {', '.join(map(repr, map(str, df.columns))) or 'no columns'})")
    if len(df) == 0:
        raise ValueError(f"{name} is empty: column {columns[0]!r} has no rows"
                         if columns else f"{name} is empty")
    for c in columns:
        if c in nullable:
            continue
        n_bad = int(df[c].isna().sum())
        if n_bad:
            raise ValueError(f"{name} column {c!r} has {n_bad} missing value(s)")
    return df


def from_generic_schema(df: pd.DataFrame) -> pd.DataFrame:
    """Human judgments in ``cogsim.datasets``' generic schema, in the judgments layout.

    ``option_a``/``option_b`` become ``item_a``/``item_b``; ``choice`` ("A"/"B") becomes
    ``chosen`` (the chosen option's id); ``shown_first`` ("A"/"B", may be blank) becomes
    ``first`` (NaN where blank); ``trial`` becomes ``step``.  Other columns (``pair_id``,
    ``annotator_id``, ``rt``, ...) are kept.  A table already in the judgments layout (it
    has ``item_a``) is returned unchanged.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"judgments must be a pandas DataFrame, got {type(df).__name__}")
    if "item_a" in df.columns:
        return df
    _check_frame(df, ["option_a", "option_b", "choice"], "judgments")
    choice = df["choice"].astype(str).to_numpy()
    bad = (choice != "A") & (choice != "B")
    if bad.any():
        raise ValueError(f"judgments column 'choice' must be 'A' or 'B', got "
                         f"{choice[np.flatnonzero(bad)[0]]!r}")
    a, b = _ids(df["option_a"]), _ids(df["option_b"])
    out = df.drop(columns=["option_a", "option_b", "choice"])
    out = out.assign(item_a=a, item_b=b, chosen=np.where(choice == "A", a, b))
    if "shown_first" in df.columns:
        sf = df["shown_first"]
        known = sf.notna().to_numpy()
        sfv = sf.astype(object).to_numpy()
        bad = known & (sfv != "A") & (sfv != "B")
        if bad.any():
            raise ValueError(f"judgments column 'shown_first' must be 'A', 'B' or blank, got "
                             f"{sfv[np.flatnonzero(bad)[0]]!r}")
        first = np.where(sfv == "A", a, b).astype(object)
        first[~known] = np.nan
        out["first"] = first
        out = out.drop(columns="shown_first")
    if "trial" in df.columns and "step" not in df.columns:
        out = out.rename(columns={"trial": "step"})
    return out


def _normalise(df, name: str) -> pd.DataFrame:
    """Accept the judgments layout or the generic human schema; anything else is an error."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    if "item_a" not in df.columns and {"option_a", "option_b", "choice"} <= set(df.columns):
        return from_generic_schema(df)
    return df


def _key_columns(key) -> list[str]:
    if key is None:
        return []
    if isinstance(key, str):
        return [key]
    return list(key)


def _ids(series: pd.Series) -> np.ndarray:
    """Item ids as an array of str (so '3' and 3 name the same item across tables)."""
    return series.astype(str).to_numpy(dtype=object)


def _item_codes(columns: Sequence[pd.Series]) -> tuple[list[np.ndarray], np.ndarray]:
    """Integer codes for item ids (compared as str) shared by several columns.

    Returns the code arrays and the sorted id strings, so that code order is string order.
    Factorising each column first keeps the per-row work in pandas' fast paths.
    """
    facs = [pd.factorize(col, use_na_sentinel=True) for col in columns]
    local = [np.asarray(pd.Index(u).astype(str), dtype=object) for _, u in facs]
    ids = np.unique(np.concatenate(local)) if local else np.array([], dtype=object)
    index = pd.Index(ids)
    codes = [index.get_indexer(u)[c] for (c, _), u in zip(facs, local)]
    return codes, ids


def _canonical(judgments: pd.DataFrame, name: str, key=None,
               extra: Sequence[str] = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """A compact integer view of a judgments table, and the item ids its codes stand for.

    Columns: ``_a``, ``_b``, ``_chosen`` (item codes), ``_lo``/``_hi`` (the pair's codes in
    id order), ``_y`` = 1.0 if ``_lo`` was chosen, ``_k`` (the group key) and ``extra``.
    ``ids[code]`` is the item id (str).  Validates the columns, that ``chosen`` is one of
    the two options, and that a key group never mixes different pairs of items.
    """
    judgments = _normalise(judgments, name)
    kcols = _key_columns(key)
    need = ["item_a", "item_b", "chosen", *kcols, *extra]
    _check_frame(judgments, list(dict.fromkeys(need)), name)
    (a, b, c), ids = _item_codes([judgments["item_a"], judgments["item_b"], judgments["chosen"]])
    bad = (c != a) & (c != b)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} column 'chosen' must equal 'item_a' or 'item_b'; "
                         f"{int(bad.sum())} row(s) do not (first: row {judgments.index[i]!r}, "
                         f"chosen={ids[c[i]]!r}, item_a={ids[a[i]]!r}, item_b={ids[b[i]]!r})")
    same = a == b
    if same.any():
        i = int(np.flatnonzero(same)[0])
        raise ValueError(f"{name} columns 'item_a' and 'item_b' are equal in {int(same.sum())} "
                         f"row(s) (first: row {judgments.index[i]!r}, item {ids[a[i]]!r})")
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    out = pd.DataFrame({"_lo": lo, "_hi": hi, "_y": (c == lo).astype(float),
                        "_chosen": c, "_a": a, "_b": b}, index=judgments.index)
    if kcols:
        if len(kcols) == 1:
            out["_k"] = judgments[kcols[0]].to_numpy()
        else:
            out["_k"] = list(zip(*(judgments[k].to_numpy() for k in kcols)))
        n_items = out.groupby("_k", sort=False).agg(lo=("_lo", "nunique"), hi=("_hi", "nunique"))
        mixed = n_items[(n_items["lo"] > 1) | (n_items["hi"] > 1)]
        if len(mixed):
            raise ValueError(f"{name}: key {kcols} group {mixed.index[0]!r} mixes different "
                             f"pairs of items; pass a key that identifies one pair of items")
    else:
        out["_k"] = lo.astype(np.int64) * max(len(ids), 1) + hi
    for col in extra:
        out[col] = judgments[col].to_numpy()
    return out, ids


def _pair_counts(canon: pd.DataFrame, ids: np.ndarray, item_index: bool = False) -> pd.DataFrame:
    """Per key: n judgments, k = how many chose the pair's ``_lo`` item, and the item ids.

    ``_lo``, ``_hi`` and ``_b`` (the first row's ``item_b``) come back as id strings.  With
    ``item_index`` the index is the (lo id, hi id) tuple -- for ``key=None``, so that two
    tables' counts can be joined.
    """
    g = canon.groupby("_k", sort=True)
    out = pd.DataFrame({"n": g["_y"].size(), "k": g["_y"].sum(),
                        "_lo": ids[g["_lo"].first().to_numpy()],
                        "_hi": ids[g["_hi"].first().to_numpy()],
                        "_b": ids[g["_b"].first().to_numpy()]})
    if item_index:
        out.index = pd.Index(list(zip(out["_lo"], out["_hi"])))
    return out


TIE_RULES = ("half", "alpaca_eval")


def _tie_value(counts: pd.DataFrame, ties: str) -> np.ndarray | float:
    """Value of a tied mode on the "chose ``_lo``" scale, per pair.

    ``"half"``: 0.5, the expectation of breaking the tie by a fair coin.  ``"alpaca_eval"``:
    the pair's ``item_b`` (AlpacaEval's ``_random_mode`` draws with a fixed seed from the
    sorted modes [1, 2] and so always returns preference 2, i.e. ``output_2``).
    """
    if ties == "half":
        return 0.5
    if ties == "alpaca_eval":
        return (counts["_b"] == counts["_lo"]).to_numpy(float)
    raise ValueError(f"ties must be one of {TIE_RULES}, got {ties!r}")


def _soft_mode(k: np.ndarray, n: np.ndarray, tie=0.5) -> np.ndarray:
    """Mode of n binary votes with k ones: 1, 0, or ``tie`` (default 0.5) for a tie."""
    return np.where(2 * k > n, 1.0, np.where(2 * k < n, 0.0, tie))


def _agree(m1: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """Expected agreement of two (soft) binary labels; a tie on either side gives 0.5."""
    return m1 * m2 + (1.0 - m1) * (1.0 - m2)


def _merge_pairs(c1: pd.DataFrame, c2: pd.DataFrame, name1: str, name2: str) -> pd.DataFrame:
    """Inner-join two per-key count tables, checking the keys name the same two items."""
    m = c1.add_suffix("_1").join(c2.add_suffix("_2"), how="inner")
    if len(m) == 0:
        raise InsufficientDataError(f"{name1} and {name2} have no pair key in common")
    differ = (m["_lo_1"] != m["_lo_2"]) | (m["_hi_1"] != m["_hi_2"])
    if differ.any():
        k = m.index[np.flatnonzero(differ.to_numpy())[0]]
        raise ValueError(f"{name1} and {name2} disagree on which items key {k!r} compares")
    return m


# --------------------------------------------------------------------------------------
# choice rates: MSD/MSE, log-loss, accuracy

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


# --------------------------------------------------------------------------------------
# agreement, bias, variance

def _heldout_scores(n: np.ndarray, k: np.ndarray, tie=0.5) -> np.ndarray:
    """Per pair: mean over held-out judgments of agreement with the mode of the others."""
    # held-out chose lo (k of them): others have k-1 lo votes out of n-1
    a_lo = _soft_mode(k - 1, n - 1, tie)
    # held-out chose hi (n-k of them): others have k lo votes out of n-1; agreement = 1-mode
    a_hi = 1.0 - _soft_mode(k, n - 1, tie)
    return (k * a_lo + (n - k) * a_hi) / n


def heldout_agreement(judgments: pd.DataFrame, key="pair_id", *, by=None,
                      ties: str = "half") -> float:
    """AlpacaEval "Human agreement" within one set of annotations (leave-one-out).

    For each pair with ``n >= 2`` judgments, hold each judgment out in turn and score 1 if
    it chose the mode of the other ``n - 1`` judgments, 0 if not, and 0.5 if the others
    tie; average over the held-out judgments of the pair, then over pairs (pairs weigh
    equally).

    This is AlpacaEval's ``Analyzer.agreement_of_annotations(annotations, annotations_2=None,
    n_majority_vote_1=1)`` with the complement ``n_majority_vote_2 = n - 1`` -- the number
    reported as "Human agreement" (65.66 %) for the ``humans`` row (4 crowdworkers per
    pair, each compared with the majority of the other 3).  Differences: AlpacaEval keeps
    the first 4 annotations of pairs that have at least 4 and breaks ties by a seeded
    random draw; here every pair with at least 2 judgments counts and a tie scores its
    expectation, 0.5.  With 4 judgments per pair the others never tie and the two agree.

    Parameters
    ----------
    key : str, list of str or None
        What makes judgments "of the same pair" (see the module docstring).
    by : str or list of str, optional
        Extra grouping columns, e.g. ``"annotator_id"`` to compare each judgment only with
        the same annotator's repeats.
    ties : {"half", "alpaca_eval"}
        How a tied mode of the others scores: 0.5 (default), or as AlpacaEval resolves it
        (always ``item_b``; see :func:`agreement_with_reference`).
    """
    canon, ids = _canonical(judgments, "judgments", key, extra=_key_columns(by))
    if by is not None:
        canon["_k"] = list(zip(canon["_k"], *(canon[c] for c in _key_columns(by))))
    counts = _pair_counts(canon, ids)
    counts = counts[counts["n"] >= 2]
    if len(counts) == 0:
        raise InsufficientDataError("heldout_agreement needs at least one pair judged at least "
                                    "twice" + (f" by the same {by}" if by is not None else ""))
    n, k = counts["n"].to_numpy(float), counts["k"].to_numpy(float)
    return float(np.mean(_heldout_scores(n, k, _tie_value(counts, ties))))


def agreement_with_reference(judgments: pd.DataFrame, reference: pd.DataFrame,
                             key="pair_id", *, ties: str = "half") -> float:
    """AlpacaEval "Human agreement" of an annotator: agreement with the reference mode.

    Each judgment in ``judgments`` is scored against the mode of *all* ``reference``
    (human) judgments of the same pair: 1 if it chose the reference mode, 0 if not, 0.5 if
    the reference ties.  Scores are averaged per pair, then over the pairs present in both
    tables.

    This is AlpacaEval's ``agreement_of_annotations(annotations_1=evaluator,
    annotations_2="gold_crossannotations", n_majority_vote_1=1, n_majority_vote_2=None)``:
    the "Human agreement" column for the evaluator rows (e.g. 69.2 % for
    ``alpaca_eval_gpt4``), where one evaluator annotation is compared with the majority of
    the 4 human annotations.

    Ties (``ties``): a 2-2 human tie scores 0.5 here by default, the expectation of a fair
    coin.  AlpacaEval's ``_random_mode`` samples among the sorted modes [1, 2] with a fixed
    seed, which always returns 2: every tie goes to ``output_2``.  ``ties="alpaca_eval"``
    reproduces that (a tie goes to the reference's ``item_b``), and with it these numbers
    match ``alpaca_eval.analyze`` exactly on 4-annotation data (checked against
    alpaca-eval 0.6.6).
    """
    c1 = _pair_counts(*_canonical(judgments, "judgments", key), item_index=key is None)
    c2 = _pair_counts(*_canonical(reference, "reference", key), item_index=key is None)
    m = _merge_pairs(c1, c2, "judgments", "reference")
    tie2 = _tie_value(m.rename(columns={"_b_2": "_b", "_lo_2": "_lo"}), ties)
    ref_mode = _soft_mode(m["k_2"].to_numpy(float), m["n_2"].to_numpy(float), tie2)
    share_lo = m["k_1"].to_numpy(float) / m["n_1"].to_numpy(float)
    return float(np.mean(_agree(share_lo, ref_mode)))


def pairwise_agreement(judgments: pd.DataFrame, key="pair_id") -> float:
    """Probability that two distinct judgments of the same pair agree.

    For a pair with ``n >= 2`` judgments of which ``k`` chose one item,
    ``P_i = [k(k-1) + (n-k)(n-k-1)] / [n(n-1)]``; the result is the mean of ``P_i`` over
    pairs.  It equals AlpacaEval's ``agreement_of_annotations`` with
    ``n_majority_vote_1 = n_majority_vote_2 = 1`` (one annotator against one other) and is
    the observed agreement ``P-bar`` of Fleiss' kappa.
    """
    counts = _pair_counts(*_canonical(judgments, "judgments", key))
    counts = counts[counts["n"] >= 2]
    if len(counts) == 0:
        raise InsufficientDataError("pairwise_agreement needs at least one pair judged at "
                                    "least twice")
    n, k = counts["n"].to_numpy(float), counts["k"].to_numpy(float)
    return float(np.mean((k * (k - 1) + (n - k) * (n - k - 1)) / (n * (n - 1))))


def fleiss_kappa(judgments: pd.DataFrame, key="pair_id") -> float:
    """Fleiss' kappa for two categories, "chose ``item_a``" and "chose ``item_b``".

    ``kappa = (P_bar - P_e) / (1 - P_e)`` with ``P_bar`` = :func:`pairwise_agreement`
    (pairs with ``n >= 2``; pairs may have different ``n``, the usual generalisation) and
    ``P_e = p^2 + (1-p)^2``, ``p`` the share of those pairs' judgments that chose
    ``item_a`` (Fleiss, 1971).  NaN when ``P_e = 1`` (everyone always picks one side).
    """
    canon, ids = _canonical(judgments, "judgments", key)
    counts = _pair_counts(canon, ids)
    keep = counts.index[counts["n"] >= 2]
    if len(keep) == 0:
        raise InsufficientDataError("fleiss_kappa needs at least one pair judged at least twice")
    p_bar = pairwise_agreement(judgments, key)
    sub = canon[(canon["_k"].map(counts["n"]) >= 2).to_numpy()]
    p = float(np.mean(sub["_chosen"] == sub["_a"]))
    p_e = p * p + (1 - p) * (1 - p)
    if p_e >= 1.0:
        return float("nan")
    return float((p_bar - p_e) / (1 - p_e))


def cohens_kappa(judgments: pd.DataFrame, annotator_1, annotator_2, key="pair_id") -> float:
    """Cohen's kappa between two annotators over the pairs both judged.

    Labels are "chose ``item_a``" / "chose ``item_b``".  Where an annotator judged a pair
    more than once, its first judgment counts (by ``step`` when that column exists, else
    row order).  ``kappa = (p_o - p_e) / (1 - p_e)``, ``p_o`` the share of common pairs
    where both chose the same item, ``p_e = q_1 q_2 + (1-q_1)(1-q_2)`` with ``q_r`` the
    share of annotator ``r``'s common judgments choosing ``item_a`` (Cohen, 1960).  NaN
    when ``p_e = 1``.
    """
    judgments = _normalise(judgments, "judgments")
    _check_frame(judgments, ["annotator_id"], "judgments")
    canon, _ = _canonical(judgments, "judgments", key, extra=["annotator_id"])
    if "step" in judgments.columns:
        canon = canon.assign(_step=judgments["step"].to_numpy()).sort_values("_step",
                                                                              kind="stable")
    firsts = []
    for who in (annotator_1, annotator_2):
        rows = canon[canon["annotator_id"] == who]
        if len(rows) == 0:
            raise InsufficientDataError(f"judgments has no rows with annotator_id == {who!r}")
        rows = rows.drop_duplicates("_k", keep="first").set_index("_k")
        firsts.append(rows)
    both = firsts[0].index.intersection(firsts[1].index)
    if len(both) == 0:
        raise InsufficientDataError(f"annotators {annotator_1!r} and {annotator_2!r} judged no "
                                    f"pair in common")
    r1, r2 = firsts[0].loc[both], firsts[1].loc[both]
    p_o = float(np.mean(r1["_chosen"].to_numpy() == r2["_chosen"].to_numpy()))
    q1 = float(np.mean(r1["_chosen"] == r1["_a"]))
    q2 = float(np.mean(r2["_chosen"] == r2["_a"]))
    p_e = q1 * q2 + (1 - q1) * (1 - q2)
    if p_e >= 1.0:
        return float("nan")
    return float((p_o - p_e) / (1 - p_e))


def alpaca_eval_bias(judgments: pd.DataFrame, reference: pd.DataFrame, key="pair_id", *,
                     ties: str = "half") -> float:
    """AlpacaEval "Bias": disagreement between the annotator's mode and the human mode.

    For each pair in both tables, take the mode of all ``judgments`` of the pair and the
    mode of all ``reference`` (human) judgments of it; ``bias = 1 - mean_pairs
    agree(mode_1, mode_2)``, where a tie on either side counts as agreement 0.5.

    AlpacaEval's ``Analyzer.estimate_bias``: the error of
    ``agreement_of_annotations(annotations, "gold_crossannotations", n_majority_vote_1=None,
    n_majority_vote_2=None)``, i.e. the majority of the evaluator's 4 annotations (4 seeds)
    against the majority of the 4 human annotations; with infinitely many annotations it
    is the error of the annotator's Bayes (mode) prediction, hence "bias".  The leaderboard
    prints it in percent; the ``humans`` row is set to 0 by definition.  Returned here as
    a fraction.  ``ties="alpaca_eval"`` resolves a tied mode to the table's ``item_b`` as
    AlpacaEval does (see :func:`agreement_with_reference`).
    """
    c1 = _pair_counts(*_canonical(judgments, "judgments", key), item_index=key is None)
    c2 = _pair_counts(*_canonical(reference, "reference", key), item_index=key is None)
    m = _merge_pairs(c1, c2, "judgments", "reference")
    tie1 = _tie_value(m.rename(columns={"_b_1": "_b", "_lo_1": "_lo"}), ties)
    tie2 = _tie_value(m.rename(columns={"_b_2": "_b", "_lo_2": "_lo"}), ties)
    m1 = _soft_mode(m["k_1"].to_numpy(float), m["n_1"].to_numpy(float), tie1)
    m2 = _soft_mode(m["k_2"].to_numpy(float), m["n_2"].to_numpy(float), tie2)
    return float(1.0 - np.mean(_agree(m1, m2)))


def alpaca_eval_variance(judgments: pd.DataFrame, key="pair_id", *, by=None,
                         ties: str = "half") -> float:
    """AlpacaEval "Variance": 1 minus the leave-one-out agreement of an annotator with itself.

    ``variance = 1 - heldout_agreement(judgments, key, by=by)``: each judgment of a pair
    against the mode of the other judgments of that pair.  AlpacaEval's
    ``Analyzer.estimate_variance`` is the error of ``agreement_of_annotations(annotations,
    None, n_majority_vote_1=1, n_majority_vote_2=None)`` (1 vs the other 3) on an
    annotator's 4 repeated annotations of each pair; for the ``humans`` row the "repeats"
    are the 4 crowdworkers, so its Variance (34.34 %) is 100 % minus its Human agreement.

    Treat the whole table as one annotator (``by=None``, like the humans row) or measure
    each annotator's inconsistency with its own repeats (``by="annotator_id"``): the
    expected disagreement of an annotator with itself across repeated judgments.
    Returned as a fraction.
    """
    return 1.0 - heldout_agreement(judgments, key, by=by, ties=ties)


# --------------------------------------------------------------------------------------
# position, length and list biases

def prefer_first(judgments: pd.DataFrame) -> float:
    """P(prefer the option shown first) = share of judgments with ``chosen == first``.

    AlpacaEval's "Proba. prefer 1" (``2 - mean(preference)`` over all annotations, output 1
    being shown first); 0.518 for humans.  Rows whose ``first`` is missing (display order
    not recorded) are left out.
    """
    judgments = _normalise(judgments, "judgments")
    _check_frame(judgments, ["first", "chosen"], "judgments", nullable=["first"])
    known = judgments["first"].notna().to_numpy()
    if not known.any():
        raise InsufficientDataError("judgments column 'first' is empty: display order unknown")
    sub = judgments[known]
    return float(np.mean(_ids(sub["chosen"]) == _ids(sub["first"])))


def _item_attribute(items: pd.DataFrame, attribute: str) -> pd.Series:
    _check_frame(items, ["item_id", attribute], "items")
    ids = pd.Index(_ids(items["item_id"]))
    if not ids.is_unique:
        raise ValueError(f"items column 'item_id' has duplicate ids, e.g. "
                         f"{ids[ids.duplicated()][0]!r}")
    return pd.Series(items[attribute].to_numpy(), index=ids)


def prefer_attribute(judgments: pd.DataFrame, items: pd.DataFrame, attribute: str, *,
                     min_difference: float = 0.0, key="pair_id",
                     one_per_pair: bool = False) -> float:
    """P(prefer the option with the larger ``attribute``), over judgments where they differ.

    A boolean attribute counts judgments where exactly one option has it (True > False);
    a numeric one counts judgments where ``|x_a - x_b| > min_difference``.  The result is
    the share of those judgments that chose the option with the larger value.

    ``one_per_pair=True`` keeps only the first judgment of each ``key`` group, as
    AlpacaEval does (``drop_duplicates`` on the pair before ``get_length_biases`` and
    ``get_list_biases``); the default uses every judgment, which estimates the same
    probability with less noise when pairs have equal numbers of judgments.
    """
    canon, ids = _canonical(judgments, "judgments", key)
    if one_per_pair:
        canon = canon.drop_duplicates("_k", keep="first")
    attr = _item_attribute(items, attribute)
    used = np.unique(np.concatenate([canon["_a"].to_numpy(), canon["_b"].to_numpy()]))
    unknown = pd.Index(ids[used]).difference(attr.index)
    if len(unknown):
        raise ValueError(f"items has no row for {len(unknown)} judged item id(s), e.g. "
                         f"{unknown[0]!r} (column 'item_id')")
    values = attr.reindex(ids).to_numpy()     # per item code; unused codes may be NaN
    xa = values[canon["_a"].to_numpy()]
    xb = values[canon["_b"].to_numpy()]
    if pd.api.types.is_bool_dtype(attr.dtype):
        xa, xb = xa.astype(float), xb.astype(float)
        threshold = 0.0
    else:
        try:
            xa, xb = xa.astype(float), xb.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"items column {attribute!r} must be numeric or boolean") from None
        threshold = float(min_difference)
    differ = np.abs(xa - xb) > threshold
    if not differ.any():
        raise InsufficientDataError(f"no judgment compares items that differ in {attribute!r}"
                                    + (f" by more than {threshold}" if threshold else ""))
    larger = np.where(xa > xb, canon["_a"].to_numpy(), canon["_b"].to_numpy())
    return float(np.mean(canon["_chosen"].to_numpy()[differ] == larger[differ]))


def prefer_longer(judgments: pd.DataFrame, items: pd.DataFrame, *, length_col: str = "length",
                  min_difference: float = 0.0, key="pair_id", one_per_pair: bool = False) -> float:
    """P(prefer the longer option), among judgments whose lengths differ by > ``min_difference``.

    AlpacaEval's "Proba. prefer longer" (0.636 for humans) uses character lengths, a
    threshold of 30 characters and one annotation per pair (``one_per_pair=True``).  See
    :func:`prefer_attribute`.
    """
    return prefer_attribute(judgments, items, length_col, min_difference=min_difference,
                            key=key, one_per_pair=one_per_pair)


def prefer_lists(judgments: pd.DataFrame, items: pd.DataFrame, *, list_col: str = "is_list",
                 key="pair_id", one_per_pair: bool = False) -> float:
    """P(prefer the option that is a list), among judgments where exactly one option is.

    AlpacaEval's "Proba. prefer lists" (0.604 for humans; lists detected by a bullet/number
    regex, one annotation per pair).  ``list_col`` is a boolean item attribute.  See
    :func:`prefer_attribute`.
    """
    _check_frame(items, ["item_id", list_col], "items")
    if not pd.api.types.is_bool_dtype(items[list_col].dtype):
        raise ValueError(f"items column {list_col!r} must be boolean (True = the item is a list)")
    return prefer_attribute(judgments, items, list_col, key=key, one_per_pair=one_per_pair)


# --------------------------------------------------------------------------------------
# transitivity and Bradley-Terry

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
    w_i = agg["wins_1"].to_numpy(float)
    w_j = (agg["n"] - agg["wins_1"]).to_numpy(float)
    n_pair = w_i + w_j
    m = len(items)

    def objective(s):
        d = s[i] - s[j]
        # -[w_i log sigma(d) + w_j log sigma(-d)]
        nll = np.sum(w_i * np.logaddexp(0.0, -d) + w_j * np.logaddexp(0.0, d))
        resid = n_pair * (0.5 * (1.0 + np.tanh(0.5 * d))) - w_i   # n sigma(d) - w_i
        grad = np.bincount(i, resid, m) - np.bincount(j, resid, m)
        return nll + 0.5 * ridge * s @ s, grad + ridge * s

    res = optimize.minimize(objective, np.zeros(m), jac=True, method="L-BFGS-B",
                            options={"maxiter": max_iter, "ftol": tol, "gtol": tol})
    scores = res.x - res.x.mean()
    return pd.Series(scores, index=items, name="score")


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


# --------------------------------------------------------------------------------------
# response times

def rt_quantiles(judgments: pd.DataFrame, by="group",
                 q: Sequence[float] = DEFAULT_RT_QUANTILES) -> pd.DataFrame:
    """Response-time quantiles (seconds) per group.

    Rows with ``rt`` NaN are dropped (models without RTs).  Quantiles use NumPy's default
    (linear interpolation, type 7).  Returns a DataFrame indexed by the ``by`` value(s)
    with one column per quantile (float labels) and ``n``; ``by=None`` gives one row,
    ``"all"``.
    """
    _check_frame(judgments, ["rt", *_key_columns(by)], "judgments", nullable=["rt"])
    qs = np.asarray(q, dtype=float)
    if qs.ndim != 1 or len(qs) == 0 or np.any((qs < 0) | (qs > 1)):
        raise ValueError(f"q must be a non-empty list of probabilities in [0, 1], got {q!r}")
    rt = pd.to_numeric(judgments["rt"], errors="coerce")
    df = judgments.assign(_rt=rt)[rt.notna().to_numpy()]
    if len(df) == 0:
        raise InsufficientDataError("judgments column 'rt' has no response times (all NaN)")
    if (df["_rt"] < 0).any():
        raise ValueError("judgments column 'rt' has negative response times")
    if by is None:
        groups = [("all", df["_rt"].to_numpy())]
    else:
        groups = [(g, sub["_rt"].to_numpy()) for g, sub in df.groupby(by, sort=True)]
    rows = {g: [*np.quantile(v, qs), len(v)] for g, v in groups}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=[*map(float, qs), "n"])
    out["n"] = out["n"].astype(int)
    if by is not None:
        out.index.name = by if isinstance(by, str) else None
    return out


def ks_distance(x, y) -> float:
    """Two-sample Kolmogorov-Smirnov distance ``sup_t |F_x(t) - F_y(t)|``.

    ``x``/``y`` are RT samples (array-like or Series; NaN dropped) or judgments tables (their
    ``rt`` column is used).  ``scipy.stats.ks_2samp(...).statistic``.
    """
    samples = []
    for name, s in (("x", x), ("y", y)):
        if isinstance(s, pd.DataFrame):
            _check_frame(s, ["rt"], name, nullable=["rt"])
            s = s["rt"]
        v = pd.to_numeric(pd.Series(np.asarray(s, dtype=float).ravel()), errors="coerce")
        v = v.dropna().to_numpy()
        if len(v) == 0:
            raise ValueError(f"ks_distance: sample {name!r} ('rt') has no values")
        samples.append(v)
    return float(stats.ks_2samp(samples[0], samples[1]).statistic)


# --------------------------------------------------------------------------------------
# AlpacaEval human reference

def _leaderboard_file(path) -> Path:
    p = Path(path)
    for cand in (p, p / ALPACA_EVAL_FILE, p / ALPACA_EVAL_FOLDER / ALPACA_EVAL_FILE):
        if cand.is_file():
            return cand
    raise FileNotFoundError(f"no {ALPACA_EVAL_FILE} at {p} (give the CSV, its folder "
                            f"{ALPACA_EVAL_FOLDER!r} or the data home that contains it)")


def alpaca_eval_leaderboard(path) -> pd.DataFrame:
    """The AlpacaEval evaluators leaderboard CSV, indexed by evaluator name, as printed.

    ``path`` is the CSV, its folder ``alpaca_eval_evaluators`` or the data home containing
    that folder.  Percent columns stay in percent here.
    """
    df = pd.read_csv(_leaderboard_file(path), index_col=0)
    df.index.name = "evaluator"
    return df


_REFERENCE_COLUMNS = {
    # our key: (CSV column, divisor to get a fraction)
    "heldout_agreement": ("Human agreement", 100.0),
    "bias": ("Bias", 100.0),
    "variance": ("Variance", 100.0),
    "prefer_longer": ("Proba. prefer longer", 1.0),
    "prefer_lists": ("Proba. prefer lists", 1.0),
    "prefer_first": ("Proba. prefer 1", 1.0),
    "n_judgments": ("# parsed", 1.0),
}


def alpaca_eval_human_reference(path, evaluator: str = "humans") -> dict[str, float]:
    """Human reference figures from AlpacaEval's evaluators leaderboard, as fractions.

    Reads the ``humans`` row (AlpacaFarm cross-annotations: ~650 pairs x 4 crowdworkers,
    2592 annotations) and returns, with the same keys as :func:`fidelity_report`:

    ``heldout_agreement`` ("Human agreement" / 100 = 0.6566; for the humans row this is the
    leave-one-out agreement of :func:`heldout_agreement`), ``bias`` ("Bias" / 100 = 0, by
    definition), ``variance`` ("Variance" / 100 = 0.3434), ``prefer_longer`` (0.636),
    ``prefer_lists`` (0.604), ``prefer_first`` ("Proba. prefer 1" = 0.518) and
    ``n_judgments`` ("# parsed" = 2592).

    For another ``evaluator`` row the "Human agreement" figure is that evaluator's
    agreement with the human majority (:func:`agreement_with_reference`), not a
    leave-one-out agreement, so it is returned under ``agreement_with_human`` instead.
    Blank cells come back as NaN.
    """
    board = alpaca_eval_leaderboard(path)
    if evaluator not in board.index:
        raise ValueError(f"no evaluator {evaluator!r} in {_leaderboard_file(path)}")
    row = board.loc[evaluator]
    out = {}
    for name, (col, div) in _REFERENCE_COLUMNS.items():
        if col not in board.columns:
            raise ValueError(f"{_leaderboard_file(path)} has no column {col!r}")
        out[name] = float(row[col]) / div
    if evaluator != "humans":
        out["agreement_with_human"] = out.pop("heldout_agreement")
    return out


def compare_to_reference(measures: Mapping[str, float],
                         reference: Mapping[str, float]) -> pd.DataFrame:
    """Side-by-side table of measures against reference figures.

    One row per reference key (counts such as ``n_judgments`` excluded) with columns
    ``synthetic`` (NaN where ``measures`` lacks it or holds None), ``reference`` and
    ``difference = synthetic - reference``.  ``measures`` is typically
    :func:`fidelity_report` output, ``reference`` :func:`alpaca_eval_human_reference`.
    """
    rows = {}
    for name, ref in reference.items():
        if name.startswith("n_"):
            continue
        val = measures.get(name)
        val = float("nan") if val is None else float(val)
        ref = float("nan") if ref is None else float(ref)
        rows[name] = {"synthetic": val, "reference": ref, "difference": val - ref}
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["synthetic", "reference", "difference"])
    out.index.name = "measure"
    return out


# --------------------------------------------------------------------------------------
# the report

def _json_float(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _single_table_measures(df: pd.DataFrame, items, key, length_col, list_col,
                           rt_q) -> dict:
    out: dict = {}

    def put(name, fn, *args, **kwargs):
        try:
            out[name] = _json_float(fn(*args, **kwargs))
        except InsufficientDataError:
            pass

    cols = set(df.columns)
    out["n_judgments"] = float(len(df))
    if {"item_a", "item_b", "chosen"} <= cols:
        canon_key = key if (key is None or set(_key_columns(key)) <= cols) else None
        counts = _pair_counts(*_canonical(df, "judgments", canon_key))
        out["n_pairs"] = float(len(counts))
        if "annotator_id" in cols:
            out["n_annotators"] = float(df["annotator_id"].nunique())
        put("heldout_agreement", heldout_agreement, df, canon_key)
        put("variance", alpaca_eval_variance, df, canon_key)
        put("pairwise_agreement", pairwise_agreement, df, canon_key)
        put("fleiss_kappa", fleiss_kappa, df, canon_key)
        if "annotator_id" in cols:
            put("variance_within_annotator", alpaca_eval_variance, df, canon_key,
                by="annotator_id")
        if "first" in cols:
            put("prefer_first", prefer_first, df)   # rows with unknown order left out
        if items is not None and length_col in items.columns:
            put("prefer_longer", prefer_longer, df, items, length_col=length_col, key=canon_key)
        if items is not None and list_col in items.columns:
            put("prefer_lists", prefer_lists, df, items, list_col=list_col, key=canon_key)
        put("transitivity_violations", transitivity_violations, df)
    if "rt" in cols and df["rt"].notna().any():
        qs = rt_quantiles(df, by=None, q=rt_q)
        for qv in rt_q:
            out[f"rt_q{round(100 * qv):02d}"] = _json_float(qs.iloc[0][float(qv)])
    return out


def fidelity_report(synthetic: pd.DataFrame, human=None, items: pd.DataFrame | None = None,
                    *, key="pair_id", rate_col: str = "b_rate", length_col: str = "length",
                    list_col: str = "is_list",
                    rt_q: Sequence[float] = DEFAULT_RT_QUANTILES) -> dict:
    """Every measure that the available columns allow, as a flat JSON-ready dict.

    Parameters
    ----------
    synthetic : DataFrame
        Judgments table (needs at least ``item_a``, ``item_b``, ``chosen``).
    human : DataFrame or Series, optional
        Human judgments in the same layout (a ``chosen`` column) or in the generic schema
        of ``cogsim.datasets`` (``option_a``, ``option_b``, ``choice``), or aggregate rates
        of choosing B per problem: a Series indexed by problem id or a DataFrame with the
        ``key`` and ``rate_col`` columns.
    items : DataFrame, optional
        ``item_id`` plus ``length_col`` (numeric) and/or ``list_col`` (boolean).
    key : str, list of str or None
        Problem/pair id (see the module docstring).  If a table lacks the key column, the
        within-table measures fall back to the unordered item pair.

    Returns
    -------
    dict of str -> float (or None where a measure is defined but undefined for this data,
    e.g. a kappa with no variation).  Measures the data cannot support are left out.

    Keys for the synthetic table: ``n_judgments``, ``n_pairs``, ``n_annotators``,
    ``heldout_agreement``, ``variance``, ``pairwise_agreement``, ``fleiss_kappa``,
    ``variance_within_annotator``, ``prefer_first``, ``prefer_longer``, ``prefer_lists``,
    ``transitivity_violations``, ``rt_q10`` ... ``rt_q90``.  The same measures of human
    judgments carry a ``human_`` prefix.  Synthetic vs human: ``msd``, ``log_loss``,
    ``accuracy`` (synthetic rates of B per problem, using ``p_a`` where present -- see
    :func:`choice_rates` -- against the human rates of choosing the same item; option B is
    the ``item_b`` of the problem's first synthetic row), and, for human judgments,
    ``agreement_with_human``, ``bias``, ``bt_kendall_tau`` (Kendall tau between the
    Bradley-Terry scores of the items in both tables) and ``rt_ks`` (KS distance of RTs).
    """
    synthetic = _normalise(synthetic, "synthetic")
    _check_frame(synthetic, ["item_a", "item_b", "chosen"], "synthetic")
    if isinstance(human, pd.DataFrame):
        human = _normalise(human, "human")
    report = _single_table_measures(synthetic, items, key, length_col, list_col, rt_q)
    if human is None:
        return report

    # human aggregate rates, or human judgments
    if isinstance(human, pd.Series) or (isinstance(human, pd.DataFrame)
                                        and "chosen" not in human.columns):
        if isinstance(human, pd.DataFrame) and rate_col not in human.columns:
            raise ValueError(f"human has neither a 'chosen' column (judgments) nor a "
                             f"{rate_col!r} column (aggregate rates of choosing B)")
        observed = _as_rates(human, "human", key, rate_col)
        human_judgments = None
    else:
        if not isinstance(human, pd.DataFrame):
            raise TypeError(f"human must be a DataFrame or Series, got {type(human).__name__}")
        human_judgments = human
        observed = None
        h = _single_table_measures(human, items, key, length_col, list_col, rt_q)
        report.update({f"human_{k}": v for k, v in h.items()})

    kcols = _key_columns(key)
    if kcols and set(kcols) <= set(synthetic.columns):
        use_p = "p_a" in synthetic.columns
        # option B of a problem = item_b of its first synthetic row (robust to rows that
        # list the pair in the other order)
        first_b = synthetic.groupby(kcols[0] if len(kcols) == 1 else kcols,
                                    sort=True)["item_b"].first()
        if len(kcols) > 1:
            first_b.index = pd.Index(list(first_b.index))
        rates = choice_rates(synthetic, key, use_probabilities=use_p, option_b=first_b)
        predicted = rates["rate"]
        if human_judgments is not None and set(kcols) <= set(human_judgments.columns):
            try:   # rate of choosing the synthetic table's option B, whatever the human order
                observed = choice_rates(human_judgments, key, option_b=rates["item_b"])["rate"]
            except InsufficientDataError:
                observed = None
        if observed is not None and len(predicted.index.intersection(observed.index)):
            report["msd"] = _json_float(msd(predicted, observed))
            report["log_loss"] = _json_float(log_loss(predicted, observed))
            report["accuracy"] = _json_float(accuracy(predicted, observed))

    if human_judgments is not None:
        pair_key = key if kcols and set(kcols) <= set(synthetic.columns) \
            and set(kcols) <= set(human_judgments.columns) else None
        for name, fn in (("agreement_with_human", agreement_with_reference),
                         ("bias", alpaca_eval_bias)):
            try:
                report[name] = _json_float(fn(synthetic, human_judgments, pair_key))
            except InsufficientDataError:
                pass
        try:
            s_bt, h_bt = bradley_terry(synthetic), bradley_terry(human_judgments)
            report["bt_kendall_tau"] = _json_float(kendall_tau(s_bt, h_bt))
        except InsufficientDataError:
            pass
        if ("rt" in synthetic.columns and "rt" in human_judgments.columns
                and synthetic["rt"].notna().any() and human_judgments["rt"].notna().any()):
            report["rt_ks"] = _json_float(ks_distance(synthetic["rt"], human_judgments["rt"]))
    return report
