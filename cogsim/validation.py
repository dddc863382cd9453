"""Cell-by-cell checks of a table that report the first problem by file, row and column.

`Checker` converts columns (text, numbers, one-of-a-set values) and remembers the earliest bad
cell it has seen, in reading order (row first, then column), so that a file with several
problems is reported where a person reading it would meet the first one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cogsim.errors import DataError, show, where

__all__ = ["Checker", "blank", "text_series"]


def text_series(values: list[str | None]) -> pd.Series:
    """Text with pandas' default string dtype (missing as NaN/None, never pd.NA).

    pd.NA breaks plain NumPy comparisons downstream, so the nullable "string" dtype is avoided.
    """
    if all(v is None for v in values):
        return pd.Series(values, dtype=object)
    return pd.Series(values)


def blank(values: pd.Series, whitespace: bool = True) -> np.ndarray:
    """Mask of missing cells: None, NaN/NA, "" and (if ``whitespace``) strings of only spaces."""
    isna = values.isna().to_numpy(dtype=bool)
    is_str = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    empty = np.zeros(len(values), dtype=bool)
    if is_str.any():
        strings = values[is_str].astype(str)
        empty[is_str] = (strings.str.strip() if whitespace else strings).eq("").to_numpy(dtype=bool)
    return isna | empty


class Checker:
    """Checks columns of ``table`` (read from ``source``) and raises the earliest problem."""

    def __init__(self, table: pd.DataFrame, source: str) -> None:
        self.table = table.reset_index(drop=True)
        self.source = str(source)
        self._first: tuple[tuple[int, int], str] | None = None
        self._order = 0

    # -- recording and raising -------------------------------------------------------------
    def flag(self, bad: np.ndarray, column: str, expected: str) -> None:
        """Record the first True of ``bad`` as a problem in ``column``."""
        self._order += 1
        positions = np.flatnonzero(np.asarray(bad, dtype=bool))
        if positions.size == 0:
            return
        row = int(positions[0])
        key = (row, self._order)
        if self._first is None or key < self._first[0]:
            value = show(self.table[column].iloc[row]) if column in self.table else "nothing"
            message = f"{where(self.source, row + 1, column)}: expected {expected}, got {value}"
            self._first = (key, message)

    def flag_message(self, row: int, column: str, message: str) -> None:
        """Record a problem at 0-based ``row`` with a free-form ``message``."""
        self._order += 1
        key = (row, self._order)
        if self._first is None or key < self._first[0]:
            self._first = (key, f"{where(self.source, row + 1, column)}: {message}")

    def raise_first(self) -> None:
        """Raise `DataError` for the earliest problem recorded, if any."""
        if self._first is not None:
            raise DataError(self._first[1])

    def require_columns(self, required: list[str] | tuple[str, ...]) -> None:
        """Raise at once if a required column is absent (nothing else can be checked)."""
        missing = [c for c in required if c not in self.table.columns]
        if missing:
            raise DataError(
                f"{self.source}: missing required column {missing[0]!r} "
                f"(required: {', '.join(required)}; "
                f"found: {', '.join(map(str, self.table.columns))})"
            )

    # -- column converters -----------------------------------------------------------------
    def text(self, column: str, *, required: bool, expected: str = "a non-empty text") -> pd.Series:
        """Strings; blanks are an error when ``required`` and NA otherwise.

        Only an empty cell is blank here: text of only spaces is text (an empty reply " ").
        """
        values = self.table[column]
        missing = blank(values, whitespace=False)
        if required:
            self.flag(missing, column, expected)
        return text_series([None if m else str(v) for v, m in zip(values, missing)])

    def number(
        self,
        column: str,
        *,
        required: bool,
        expected: str = "a number",
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> pd.Series:
        """Finite floats within [low, high] (whole numbers if ``integer``); blanks -> NaN."""
        values = self.table[column]
        missing = blank(values)
        cleaned = values.map(lambda v: v.strip() if isinstance(v, str) else v)
        cleaned = cleaned.map(lambda v: np.nan if isinstance(v, (bool, np.bool_)) else v)
        numbers = pd.to_numeric(cleaned.where(~missing, np.nan), errors="coerce").astype(float)
        array = numbers.to_numpy()
        bad = ~np.isfinite(array) & ~missing
        with np.errstate(invalid="ignore"):
            if low is not None:
                bad |= array < low
            if high is not None:
                bad |= array > high
            if integer:
                bad |= np.isfinite(array) & (array != np.round(array))
        if required:
            bad |= missing
        self.flag(bad, column, expected)
        return numbers.where(~missing, np.nan)

    def one_of(
        self,
        column: str,
        allowed: Mapping[Any, Any],
        *,
        required: bool,
        expected: str,
    ) -> pd.Series:
        """Map each cell through ``allowed`` (raw value -> canonical value); blanks -> None."""
        values = self.table[column]
        missing = blank(values)

        def key(v: Any) -> Any:
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, str):
                return v.strip()
            if isinstance(v, float) and v.is_integer():
                return int(v)
            return v

        keys = values.map(lambda v: None if v is None else key(v))
        found = keys.map(lambda k: k in allowed if _hashable(k) else False).to_numpy(dtype=bool)
        bad = ~found & ~missing
        if required:
            bad |= missing
        self.flag(bad, column, expected)
        return pd.Series([allowed[k] if ok else None for k, ok in zip(keys, found)], dtype=object)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
