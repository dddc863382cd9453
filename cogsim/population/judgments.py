"""The judgments table: its columns, and building it from the judgments of each step.

One row per judgment (see DESIGN.md, "Judgments table"): run id, step, pair id, annotator
id, group, the two items and the one shown first, the one chosen, the model's values of both
options, P(item_a) where the model gives one, the response time where it gives one, the
strategy that produced the choice, the model kind and the seed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.internals import create_dataframe_from_blocks

__all__ = ["JUDGMENT_COLUMNS", "STRATEGIES", "JudgmentLog", "labels"]

JUDGMENT_COLUMNS = ["run_id", "step", "pair_id", "annotator_id", "group", "item_a", "item_b",
                    "first", "chosen", "value_a", "value_b", "p_a", "rt", "strategy", "model",
                    "seed"]
#: Strategy codes every population has; ACT-R heuristics are appended after them.
STRATEGIES = ["evaluate", "first", "lapse", "guess"]


def labels(names: np.ndarray, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """``names[codes]`` as a pandas string array, built in Arrow (fast for millions of rows).

    Parameters
    ----------
    names : ndarray
        The labels (item ids, group names, ...).
    codes : ndarray of int
        Index into ``names`` per row.

    Returns
    -------
    pandas.arrays.ArrowStringArray
        Of pandas' ``string[pyarrow]`` dtype (Arrow ``large_string``).
    """
    codes = np.asarray(codes)
    if len(codes) <= SMALL:
        strings = pa.array(np.asarray(names, dtype=object)[codes], pa.large_string())
    else:
        strings = pa.array(np.asarray(names, dtype=object), pa.large_string()).take(
            pa.array(codes.astype(np.int64, copy=False)))
    return pd.arrays.ArrowStringArray(strings)


STRING = pd.StringDtype("pyarrow")
_FLOATS = ("value_a", "value_b", "p_a", "rt")
_COLUMNS = pd.Index(JUDGMENT_COLUMNS)        # each table gets a view (its own name)
#: Where each block of the judgments table goes (positions in JUDGMENT_COLUMNS).
_PLACES = {kind: np.array([JUDGMENT_COLUMNS.index(c) for c in names]) for kind, names in (
    ("int", ("step", "pair_id", "annotator_id", "seed")), ("float", _FLOATS),
    ("object", ("run_id",)),
    ("label", ("group", "item_a", "item_b", "first", "chosen", "strategy", "model")))}
_LABEL_PLACES = [np.array([at]) for at in _PLACES["label"]]
#: Up to this many rows, labels are looked up directly (cheaper than an Arrow take).
SMALL = 256


class JudgmentLog:
    """The judgments of a run, kept as one dict of column arrays per step.

    Columns added per step: ``step``, ``pair_id``, ``annotator_id``, ``item_a``, ``item_b``,
    ``first``, ``chosen`` (item codes), ``value_a``, ``value_b``, ``p_a``, ``rt`` and
    ``strategy`` (a code into the population's strategy labels).
    """

    def __init__(self) -> None:
        self._steps: list[dict[str, np.ndarray]] = []

    def add(self, **columns: np.ndarray) -> None:
        """Record the judgments of one step."""
        self._steps.append(columns)

    def table(self, run_id: str, *, seed: int, item_ids: np.ndarray, group_names: np.ndarray,
              kinds: np.ndarray, strategy_labels: list[str]) -> pd.DataFrame:
        """The judgments table (columns :data:`JUDGMENT_COLUMNS`), one row per judgment.

        Parameters
        ----------
        run_id : str
        seed : int
        item_ids : ndarray of str
            Item id per item code (only those of the judged items are read).
        group_names, kinds : ndarray of str
            Group name and model kind per annotator.
        strategy_labels : list of str
            Strategy name per strategy code.
        """
        if not self._steps:
            return pd.DataFrame(columns=JUDGMENT_COLUMNS)
        steps = self._steps
        cols = (dict(steps[0]) if len(steps) == 1
                else {k: np.concatenate([r[k] for r in steps]) for k in steps[0]})
        who = cols["annotator_id"]
        item_cols = ("item_a", "item_b", "first", "chosen")
        item_ids = np.asarray(item_ids, dtype=object)
        if len(who) > SMALL:
            # Only the items judged are labelled (an item set may hold millions).
            used, local = np.unique(np.concatenate([cols[c] for c in item_cols]),
                                    return_inverse=True)
            item_ids = item_ids[used]
            for k, c in enumerate(np.split(local.reshape(-1), len(item_cols))):
                cols[item_cols[k]] = c
        named = _label_columns([(group_names, who), (item_ids, cols["item_a"]),
                                (item_ids, cols["item_b"]), (item_ids, cols["first"]),
                                (item_ids, cols["chosen"]),
                                (_strings(strategy_labels), cols["strategy"]), (kinds, who)])
        n = len(who)
        numbers = [  # (block, its columns): one 2-D block per dtype, taken as it is
            (np.array([cols["step"], cols["pair_id"], who, np.full(n, seed)]).astype(
                np.int64, copy=False), _PLACES["int"]),
            (np.array([cols[c] for c in _FLOATS]).astype(np.float64, copy=False),
             _PLACES["float"]),
            (np.full((1, n), run_id, dtype=object), _PLACES["object"])]
        return create_dataframe_from_blocks(
            numbers + list(zip(named, _LABEL_PLACES)),
            index=_row_index(n).view(), columns=_COLUMNS.view())   # own objects, shared data


@lru_cache(maxsize=1024)
def _row_index(n: int) -> pd.RangeIndex:
    """RangeIndex(n), made once per length; each table gets a view of it (its values are
    immutable, but a name set on a table's index must stay with that table)."""
    return pd.RangeIndex(n)


@lru_cache(maxsize=64)
def _labels_of(names: tuple[str, ...]) -> np.ndarray:
    labels = np.array(names, dtype=object)
    labels.flags.writeable = False
    return labels


def _strings(names: list[str]) -> np.ndarray:
    """``names`` as an array of str objects (made once per list of names)."""
    return _labels_of(tuple(names))


def _label_columns(columns: list[tuple[np.ndarray, np.ndarray]]
                   ) -> list[pd.arrays.ArrowStringArray]:
    """:func:`labels` of several (names, codes) columns of one length; a few rows are
    labelled in one Arrow array, sliced per column (one conversion instead of one each)."""
    n = len(columns[0][1])
    if n > SMALL:
        return [labels(names, codes) for names, codes in columns]
    every: list[str] = []
    for names, codes in columns:
        every += np.asarray(names)[codes].tolist()
    whole = pd.arrays.ArrowStringArray(pa.array(every, pa.large_string()))
    return [whole[k * n:(k + 1) * n] for k in range(len(columns))]
