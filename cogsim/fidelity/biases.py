"""Biases of judgment: position (prefer the option shown first), length (prefer the longer)
and lists (prefer the option that is a list), as AlpacaEval's leaderboard reports them
(``get_length_biases``, ``get_list_biases``, "Proba. prefer 1").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cogsim.fidelity.canonical import (
    InsufficientDataError,
    _canonical,
    _check_frame,
    _ids,
    _normalise,
)

__all__ = ["prefer_attribute", "prefer_first", "prefer_lists", "prefer_longer"]


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
