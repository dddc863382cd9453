"""The one error type for bad human data, and how messages name the place of a problem."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["DataError", "where", "show"]


class DataError(ValueError):
    """Bad data in a file or table; the message names the file, row and column."""


def where(source: str, row: int | None = None, column: str | None = None) -> str:
    """Format a place as ``"judgments.csv, row 17, column 'choice'"``.

    Rows are counted from 1 at the first data row (a header row is not counted).
    """
    parts = [str(source)]
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


def show(value: Any) -> str:
    """Show a cell value in a message: strings quoted, numbers plain, blanks as such."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "an empty cell"
    if isinstance(value, str):
        return "an empty cell" if not value.strip() else repr(value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return repr(value)
