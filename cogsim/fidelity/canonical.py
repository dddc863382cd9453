"""Input checks and the canonical integer view of a judgments table, shared by the measures.

A judgments table (or human judgments in ``cogsim.datasets``' generic schema, converted by
:func:`cogsim.datasets.judgments_table.from_generic_schema`) becomes a compact frame of item
codes: the two options, the chosen one, the pair in id order and the group key.  The count
per pair key, the mode of a pair's votes with its tie rules, and the agreement of two soft
labels are here too, because agreement, bias and rate measures all use them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cogsim.datasets.judgments_table import from_generic_schema

__all__ = ["TIE_RULES", "InsufficientDataError"]


class InsufficientDataError(ValueError):
    """Input is well formed but too thin for the measure (e.g. no pair judged twice)."""


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
