"""What an oracle's annotators learn from feedback, and the per-pair view of judgments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cogsim.errors import InputError, ItemError
from cogsim.oracle.queries import annotator_ids

__all__ = ["aggregate", "lessons"]


def lessons(pop, judgments, outcomes, preferred, who):
    """(annotator, item code, value) of each experience a feedback call stores (see
    :meth:`cogsim.oracle.Oracle.feedback`); checks everything first."""
    if not isinstance(judgments, pd.DataFrame):
        raise InputError(f"feedback: expected a table of judged pairs (item_a, item_b), "
                         f"got {type(judgments).__name__}")
    for col in ("item_a", "item_b") + (("annotator_id",) if who == "judged" else ()):
        if col not in judgments.columns:
            raise InputError(f"feedback: no {col!r} column; expected the judgments "
                             f"table that judge() returned")
    if len(judgments) == 0:
        raise InputError("feedback: no rows; expected at least one judged pair")
    a = pop.registry.codes(judgments["item_a"].astype(str), "feedback")
    b = pop.registry.codes(judgments["item_b"].astype(str), "feedback")
    if preferred is not None:
        pref = np.asarray(preferred, dtype=object).astype(str)
        if pref.shape != (len(a),):
            raise InputError(f"feedback: preferred: expected one item id per row "
                             f"({len(a)}), got {pref.shape}")
        bad = (pref != judgments["item_a"].astype(str).to_numpy()) & \
              (pref != judgments["item_b"].astype(str).to_numpy())
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise InputError(f"feedback: preferred, row {r + 1}: {str(pref[r])!r} is neither "
                             f"item of the pair; expected item_a or item_b")
        a_wins = pref == judgments["item_a"].astype(str).to_numpy()
        value_a, value_b = np.where(a_wins, 1.0, -1.0), np.where(a_wins, -1.0, 1.0)
    elif isinstance(outcomes, str) and outcomes == "gold":
        value_a, value_b = pop.gold_value(a), pop.gold_value(b)
    elif isinstance(outcomes, (dict, pd.Series)):
        value_a = _values(outcomes, judgments["item_a"].astype(str))
        value_b = _values(outcomes, judgments["item_b"].astype(str))
    else:
        raise InputError(f"feedback: outcomes: expected 'gold' or a mapping of item id "
                         f"to value, got {outcomes!r:.60}")
    if isinstance(who, str) and who == "judged":
        learners = annotator_ids(judgments["annotator_id"].to_numpy(), pop.n)
        rows = np.arange(len(a))
    else:
        if isinstance(who, str) and who == "all":
            ids = np.arange(pop.n)
        elif isinstance(who, str):
            if who not in set(pop.group_names):
                raise InputError(f"feedback: who: unknown group {who!r}; expected "
                                 f"'judged', 'all', a group of "
                                 f"{[str(g) for g in dict.fromkeys(pop.group_names)]} or ids")
            ids = np.flatnonzero(pop.group_names == who)
        else:
            ids = annotator_ids(who, pop.n)
        learners = np.repeat(ids, len(a))
        rows = np.tile(np.arange(len(a)), len(ids))
    return (np.concatenate([learners, learners]), np.concatenate([a[rows], b[rows]]),
            np.concatenate([value_a[rows], value_b[rows]]))


def _values(outcomes, ids: pd.Series) -> np.ndarray:
    values = pd.Series(outcomes)
    values.index = values.index.astype(str)
    missing = ~ids.isin(values.index)
    if missing.any():
        raise ItemError(f"feedback: outcomes: no value for item {ids[missing].iloc[0]!r}; "
                        f"expected one for each item of the judged pairs")
    out = pd.to_numeric(values.reindex(ids.to_numpy()), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)
    if not np.isfinite(out).all():
        r = int(np.flatnonzero(~np.isfinite(out))[0])
        raise ItemError(f"feedback: outcomes: the value of {ids.iloc[r]!r} is "
                        f"{values[ids.iloc[r]]!r}; expected a finite number")
    return out


def aggregate(judgments: pd.DataFrame) -> pd.DataFrame:
    """Per pair (``pair_id``, ``item_a``, ``item_b``): ``votes_a``, ``votes_b``,
    ``majority`` (the item with more votes; "tie" on a tie), ``share_a`` and ``mean_p_a``
    (mean P(item_a) over the judgments that give one; NaN if none does)."""
    j = judgments.assign(for_a=(judgments["chosen"] == judgments["item_a"]).astype(int))
    out = j.groupby(["pair_id", "item_a", "item_b"], sort=False, observed=True).agg(
        votes_a=("for_a", "sum"), n=("for_a", "size"), mean_p_a=("p_a", "mean")).reset_index()
    out["votes_b"] = out["n"] - out["votes_a"]
    out["share_a"] = out["votes_a"] / out["n"]
    out["majority"] = np.where(out["votes_a"] > out["votes_b"], out["item_a"],
                               np.where(out["votes_b"] > out["votes_a"], out["item_b"], "tie"))
    return out[["pair_id", "item_a", "item_b", "votes_a", "votes_b", "majority", "share_a",
                "mean_p_a"]]

