"""Human judgments in the generic schema as a cogsim judgments table.

:mod:`cogsim.datasets.judgments` defines the generic schema of human judgments (``option_a``,
``option_b``, ``choice`` = "A"/"B", optional ``shown_first`` and ``trial``); ``cogsim
generate`` writes the judgments table (``item_a``, ``item_b``, ``chosen``, ``first``,
``step``, ...; see :data:`cogsim.population.JUDGMENT_COLUMNS`).  :func:`from_generic_schema`
turns the first into the second, so that :mod:`cogsim.fidelity` measures human and
synthetic judgments alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["from_generic_schema"]

GENERIC_REQUIRED = ("option_a", "option_b", "choice")


def from_generic_schema(df: pd.DataFrame) -> pd.DataFrame:
    """Human judgments in ``cogsim.datasets``' generic schema, in the judgments layout.

    ``option_a``/``option_b`` become ``item_a``/``item_b``; ``choice`` ("A"/"B") becomes
    ``chosen`` (the chosen option's id); ``shown_first`` ("A"/"B", may be blank) becomes
    ``first`` (NaN where blank); ``trial`` becomes ``step``.  Other columns (``pair_id``,
    ``annotator_id``, ``rt``, ...) are kept.  A table already in the judgments layout (it
    has ``item_a``) is returned unchanged.

    Parameters
    ----------
    df : DataFrame
        Judgments in the generic schema, or a judgments table.

    Returns
    -------
    DataFrame
        The judgments layout; item ids are text, so that ``3`` and ``"3"`` name one item.

    Raises
    ------
    TypeError
        ``df`` is not a DataFrame.
    ValueError
        A required column is missing or has missing values, or a ``choice`` or
        ``shown_first`` value is not "A" or "B"; the message names the column.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"judgments must be a pandas DataFrame, got {type(df).__name__}")
    if "item_a" in df.columns:
        return df
    _check_columns(df)
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


def _check_columns(df: pd.DataFrame) -> None:
    """Raise ValueError naming the first missing, empty or incomplete required column."""
    missing = [c for c in GENERIC_REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(f"judgments is missing required column(s) "
                         f"{', '.join(map(repr, missing))} "
                         f"(has {', '.join(map(repr, map(str, df.columns))) or 'no columns'})")
    if len(df) == 0:
        raise ValueError(f"judgments is empty: column {GENERIC_REQUIRED[0]!r} has no rows")
    for c in GENERIC_REQUIRED:
        n_bad = int(df[c].isna().sum())
        if n_bad:
            raise ValueError(f"judgments column {c!r} has {n_bad} missing value(s)")


def _ids(series: pd.Series) -> np.ndarray:
    """Item ids as an array of str (so '3' and 3 name the same item across tables)."""
    return series.astype(str).to_numpy(dtype=object)
