"""Error types for bad input, how messages name the place of a problem, and size limits.

This is the base module: every layer (math, models, tasks, population, I/O, CLI) may import
it, and it imports nothing of cogsim.  Every error a user can cause is an :class:`InputError`;
the command line turns one into a one-line message and exit status 2.
"""

from __future__ import annotations

import math
import os
from typing import Any

__all__ = ["InputError", "DataError", "SpecError", "ItemError", "SizeError", "where", "show",
           "memory_limit", "check_fits", "check_judgments_fit", "format_bytes",
           "JUDGMENT_BYTES"]


class InputError(ValueError):
    """Input that cannot be used; the message names the file or option, the field, what was
    expected and what was found."""


class DataError(InputError):
    """Bad data in a file or table; the message names the file, row and column."""


class SpecError(InputError):
    """A spec that cannot be used; the message names the file and the field."""


class ItemError(InputError):
    """Items or pairs that cannot be used; the message names the file and the column."""


class SizeError(InputError):
    """A size that cannot fit in memory, refused before anything is allocated."""


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
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "an empty cell"
    if isinstance(value, str):
        return "an empty cell" if not value.strip() else repr(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    return repr(value)


def memory_limit() -> int:
    """Bytes a single run may plan to hold: the machine's physical memory
    (``COGSIM_MEMORY_LIMIT`` in bytes overrides it)."""
    override = os.environ.get("COGSIM_MEMORY_LIMIT")
    if override:
        return int(float(override))
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):       # pragma: no cover - non-POSIX
        return 8 * 2**30


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``; sizes beyond exbibytes stay in EiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024:
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} EiB"


def check_fits(where_: str, what: str, count: float, bytes_each: float,
               limit: int | None = None) -> None:
    """Refuse a size before allocating it.

    Raises :class:`SizeError` when ``count * bytes_each`` exceeds ``limit`` (default
    :func:`memory_limit`), with the estimate and the limit in the message, e.g.
    ``"option --pairs: 3e+12 judgments need about 3.1 PiB; the limit is 23.5 GiB
    (at most 21,474,836 judgments)"``.
    """
    limit = memory_limit() if limit is None else limit
    need = float(count) * float(bytes_each)
    if not math.isfinite(need) or need > limit:
        at_most = int(limit // bytes_each)
        raise SizeError(f"{where_}: {count:,.0f} {what} need about {format_bytes(need)} of "
                        f"memory; the limit is {format_bytes(limit)} (at most {at_most:,} "
                        f"{what})")


#: Bytes one judgment takes while a run holds it: the judgments table (about 1.1 KB a row
#: with pandas' object columns) plus the preference view and the summary's copies.
JUDGMENT_BYTES = 2_000


def check_judgments_fit(n_pairs: int, annotators_per_pair: int) -> None:
    """Refuse a run whose judgments (pairs x annotators per pair) cannot fit in memory."""
    check_fits("pairs x annotators per pair (--pairs, --annotators-per-pair or the spec's "
               "[assignment])", "judgments", float(n_pairs) * annotators_per_pair,
               JUDGMENT_BYTES)
