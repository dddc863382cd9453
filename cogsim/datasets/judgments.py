"""The generic schema for human judgments, and its reader, checker and writer.

A judgments file (CSV with a header row, or Parquet) has one row per judgment: one annotator
choosing between two options.  Column order does not matter; extra columns are kept as they
are, unchecked.

Required columns (every cell filled):

=================  =========================================================================
``annotator_id``   text: who judged (a participant, a crowdworker; ``"unknown"`` if the
                   source does not say)
``option_a``       text: the first option, an item id or the text that was shown
``option_b``       text: the second option
``choice``         ``"A"`` or ``"B"``: which of the two options was chosen
=================  =========================================================================

Optional columns (a blank cell means "not known"):

=================  =========================================================================
``pair_id``        text: groups judgments of the same pair or problem by many annotators
``prompt``         text: context shared by both options (a dialogue, code around a cursor)
``shown_first``    ``"A"`` or ``"B"``: which option was displayed first (left or top)
``trial``          whole number >= 0: the annotator's trial number (a time step as in PyIBL)
``time``           date-time, ISO 8601 (``2018-07-29T15:46:24``): when the judgment was made
``outcome``        number: the payoff the annotator got for the choice
``forgone``        number: the payoff the unchosen option would have given
``feedback``       ``"none"``, ``"partial"`` or ``"full"``: what was shown after the choice
                   (nothing; the obtained outcome; both outcomes)
``rt``             number >= 0: response time in **seconds**
``outcomes_a``     numbers separated by ``;`` (``"-1;26"``): the possible outcomes of option A
``probs_a``        numbers separated by ``;`` (``"0.05;0.95"``): their probabilities
``outcomes_b``     as ``outcomes_a``, for option B
``probs_b``        as ``probs_a``, for option B
=================  =========================================================================

A distribution is given by both its columns or neither; in a row where it is given, each
probability lies in [0, 1], there is one per outcome, and they sum to 1 (within 1e-6).  In
Parquet the four distribution columns may also be lists of numbers.

`load_judgments` checks every column and value and raises `DataError` naming the file, the
row (counted from 1 at the first data row, so row 1 is line 2 of a plain CSV) and the column
of the first problem, e.g. ``judgments.csv, row 17, column 'choice': expected 'A' or 'B'
(one of the two options), got 'C'``.  It returns a DataFrame with these dtypes: text in
pandas' default string dtype (missing = NaN or None, never pd.NA, which breaks plain NumPy
comparisons), ``trial`` as int64 (nullable Int64 only if some are missing), ``time`` as
datetime64, numbers as float64 (missing = NaN), distributions as tuples of floats (missing
= None).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cogsim.datasets.errors import DataError, show
from cogsim.outputs import output_file
from cogsim.tables import read_table
from cogsim.validation import Checker, blank, text_series

__all__ = [
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "SCHEMA_COLUMNS",
    "load_judgments",
    "check_judgments",
    "save_judgments",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("annotator_id", "option_a", "option_b", "choice")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "pair_id", "prompt", "shown_first", "trial", "time", "outcome", "forgone", "feedback", "rt",
    "outcomes_a", "probs_a", "outcomes_b", "probs_b",
)  # fmt: skip
SCHEMA_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_AB = {"A": "A", "B": "B"}
_FEEDBACK = {"none": "none", "partial": "partial", "full": "full"}
#: The suffixes of judgments files (read by `cogsim.tables.read_table` by the same rule).
_CSV_SUFFIXES = (".csv", ".csv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")


def load_judgments(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and check a judgments file (CSV or Parquet) in the generic schema."""
    path = Path(path)
    lower = path.name.lower()
    if not lower.endswith(_CSV_SUFFIXES + _PARQUET_SUFFIXES) and not path.is_dir():
        raise DataError(f"{path.name}: unknown file type; expected a judgments file "
                        f"(.csv, .csv.gz, .parquet or .pq)")
    table = read_table(path, f"a judgments file with a header row "
                             f"({', '.join(REQUIRED_COLUMNS)})", csv_as_text=True,
                       allow_empty=True, source=path.name)
    return check_judgments(table, source=path.name)


def check_judgments(table: pd.DataFrame, source: str = "judgments") -> pd.DataFrame:
    """Check a table in the generic schema and return it with the documented dtypes.

    ``source`` names the table in messages (the file name when read from a file).
    """
    check = Checker(table, source)
    if len(table.columns) == 0:
        raise DataError(
            f"{source}: the file is empty "
            f"(expected a header row with {', '.join(REQUIRED_COLUMNS)})"
        )
    check.require_columns(REQUIRED_COLUMNS)
    if len(table) == 0:
        raise DataError(f"{source}: no judgments (there is a header but no rows)")
    out: dict[str, Any] = {}
    out["annotator_id"] = check.text("annotator_id", required=True, expected="an annotator id")
    out["option_a"] = check.text(
        "option_a", required=True, expected="option A (an item id or text)"
    )
    out["option_b"] = check.text(
        "option_b", required=True, expected="option B (an item id or text)"
    )
    out["choice"] = check.one_of(
        "choice", _AB, required=True, expected="'A' or 'B' (one of the two options)"
    )
    present = set(table.columns)
    for col in ("pair_id", "prompt"):
        if col in present:
            out[col] = check.text(col, required=False)
    if "shown_first" in present:
        out["shown_first"] = check.one_of("shown_first", _AB, required=False, expected="'A' or 'B'")
    if "trial" in present:
        trial = check.number(
            "trial", required=False, low=0, integer=True, expected="a whole number >= 0"
        )
        whole = trial.where(np.isfinite(trial), np.nan).round()
        out["trial"] = whole.astype("Int64") if whole.isna().any() else whole.astype("int64")
    if "time" in present:
        out["time"] = _times(check)
    for col in ("outcome", "forgone"):
        if col in present:
            out[col] = check.number(col, required=False)
    if "feedback" in present:
        out["feedback"] = check.one_of(
            "feedback", _FEEDBACK, required=False, expected="'none', 'partial' or 'full'"
        )
    if "rt" in present:
        out["rt"] = check.number(
            "rt", required=False, low=0, expected="a response time in seconds (a number >= 0)"
        )
    for side in ("a", "b"):
        out.update(_distributions(check, side, present))
    check.raise_first()

    result = table.reset_index(drop=True).copy()
    for col, values in out.items():
        result[col] = values.reset_index(drop=True) if isinstance(values, pd.Series) else values
    for col in ("choice", "shown_first", "feedback"):
        if col in out:
            result[col] = text_series(result[col].tolist())
    ordered = [c for c in SCHEMA_COLUMNS if c in result.columns]
    return result[ordered + [c for c in result.columns if c not in ordered]]


def _times(check: Checker) -> pd.Series:
    values = check.table["time"]
    missing = blank(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    parsed = pd.to_datetime(values.where(~missing, None), format="ISO8601", errors="coerce")
    check.flag(
        parsed.isna().to_numpy() & ~missing,
        "time",
        "an ISO 8601 date-time such as '2018-07-29T15:46:24'",
    )
    return parsed


def _distributions(check: Checker, side: str, present: set[str]) -> dict[str, pd.Series]:
    """Parse and check the outcomes/probabilities pair of one option."""
    xs_col, ps_col = f"outcomes_{side}", f"probs_{side}"
    if xs_col not in present and ps_col not in present:
        return {}
    check.require_columns([xs_col, ps_col])
    raw_x, raw_p = check.table[xs_col].tolist(), check.table[ps_col].tolist()
    xs, ps = _parse_all(raw_x), _parse_all(raw_p)
    verdicts: dict[tuple[Any, Any], tuple[str, str] | None] = {}
    for row, (x, p) in enumerate(zip(xs, ps)):
        key = (x, p)
        if key not in verdicts:
            verdicts[key] = _distribution_problem(x, p, raw_x[row], raw_p[row])
        if verdicts[key] is not None:  # computed for this row: the loop stops at the first
            column, message = verdicts[key]  # type: ignore[misc]
            check.flag_message(row, xs_col if column == "x" else ps_col, message)
            break
    return {
        xs_col: pd.Series([None if x is None or x is _BAD else x for x in xs], dtype=object),
        ps_col: pd.Series([None if p is None or p is _BAD else p for p in ps], dtype=object),
    }


def _parse_all(cells: list[Any]) -> list[Any]:
    """`_numbers` of each cell, parsing each distinct (hashable) cell once."""
    cache: dict[Any, Any] = {}
    out = []
    for cell in cells:
        try:
            if cell not in cache:
                cache[cell] = _numbers(cell)
            out.append(cache[cell])
        except TypeError:  # unhashable: a list or array from Parquet
            out.append(_numbers(cell))
    return out


_BAD = object()  # marker for a cell that is not a list of numbers


def _numbers(value: Any) -> tuple[float, ...] | None | object:
    """A cell as a tuple of floats: "1;2.5" or a list/array; None if blank, _BAD if not numbers."""
    if isinstance(value, (list, tuple, np.ndarray)):
        items = list(value)
    elif value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    elif isinstance(value, str):
        if not value.strip():
            return None
        items = [part.strip() for part in value.split(";")]
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        items = [value]
    else:
        return _BAD
    try:
        numbers = tuple(float(item) for item in items)
    except (TypeError, ValueError):
        return _BAD
    if not numbers or not all(np.isfinite(numbers)):
        return _BAD
    return numbers


def _distribution_problem(x: Any, p: Any, raw_x: Any, raw_p: Any) -> tuple[str, str] | None:
    """(column 'x' or 'p', message) for the first thing wrong with one distribution, else None."""
    if x is _BAD:
        return "x", f"expected numbers separated by ';', got {show(raw_x)}"
    if p is _BAD:
        return "p", f"expected probabilities separated by ';', got {show(raw_p)}"
    if x is None and p is None:
        return None
    if x is None:
        return (
            "x",
            f"expected the outcomes that go with the probabilities {show(raw_p)}, "
            "got an empty cell",
        )
    if p is None:
        return "p", f"expected the probabilities of the outcomes {show(raw_x)}, got an empty cell"
    if len(x) != len(p):
        return "p", f"expected one probability per outcome ({len(x)}), got {len(p)}: {show(raw_p)}"
    outside = [q for q in p if not 0.0 <= q <= 1.0]
    if outside:
        return "p", f"expected probabilities in [0, 1], got {outside[0]!r}"
    total = float(sum(p))
    if abs(total - 1.0) > 1e-6:
        return "p", f"expected probabilities summing to 1, got {show(raw_p)} (sum {total:.6g})"
    return None


def save_judgments(judgments: pd.DataFrame, path: str | os.PathLike[str], *,
                   overwrite: bool = False, option: str = "path") -> Path:
    """Check ``judgments`` and write them to ``path`` (.csv or .parquet) through
    `cogsim.outputs.output_file` (an existing file is replaced only with ``overwrite``).

    Distributions are written as ``;``-separated numbers in CSV and as lists in Parquet;
    times as ISO 8601.  `load_judgments` reads the file back to an equal table.
    """
    path = Path(path)
    clean = check_judgments(judgments, source=path.name)
    lower = path.name.lower()
    if not lower.endswith(_CSV_SUFFIXES + _PARQUET_SUFFIXES):
        raise DataError(f"{path.name}: unknown file type (expected .csv, .csv.gz, .parquet or .pq)")
    is_csv = lower.endswith(_CSV_SUFFIXES)
    out = clean.copy()
    for col in ("outcomes_a", "probs_a", "outcomes_b", "probs_b"):
        if col in out:
            out[col] = out[col].map(
                lambda v: None if v is None else (_join(v) if is_csv else list(v))
            )
    if is_csv and "time" in out:
        out["time"] = out["time"].map(lambda t: None if pd.isna(t) else t.isoformat())
    with output_file(path, overwrite=overwrite, option=option) as tmp_name:
        if is_csv:
            out.to_csv(tmp_name, index=False, compression="gzip" if lower.endswith(".gz") else None)
        else:
            out.to_parquet(tmp_name, index=False)
    return path


def _join(numbers: tuple[float, ...]) -> str:
    return ";".join(repr(float(v)) for v in numbers)
