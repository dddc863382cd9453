"""Reading a table from a file (CSV, Parquet or JSON Lines, chosen by suffix), with one clear
error for every way it can fail: missing, a folder, empty, binary or malformed."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from cogsim.errors import DataError, InputError

__all__ = ["read_table", "CSV_SUFFIXES", "PARQUET_SUFFIXES", "JSON_SUFFIXES"]

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".json")


def read_table(path: str | os.PathLike[str], expected: str, *,
               error: type[InputError] = DataError, csv_as_text: bool = False,
               allow_empty: bool = False, source: str | None = None) -> pd.DataFrame:
    """Read ``path`` as a table.

    Parameters
    ----------
    path : path-like
        ``.parquet``/``.pq`` is read as Parquet, ``.jsonl``/``.json`` as JSON (Lines), ``.tsv``
        as tab-separated, anything else as CSV.
    expected : str
        What the file should be, for messages ("an item table with item_id ...").
    error : InputError subclass
        The error raised, its message naming the file, what was expected and what was found.
    csv_as_text : bool
        Read CSV cells as text (no type guessing), so checks see what was written.
    allow_empty : bool
        Accept a header with no data rows.
    source : str, optional
        How messages name the file (default: the path as given).
    """
    path = Path(path)
    name = str(path) if source is None else source
    if path.is_dir():
        raise error(f"{name}: is a folder; expected {expected}")
    if not path.is_file():
        raise error(f"{name}: no such file; expected {expected}")
    if path.stat().st_size == 0:
        raise error(f"{name}: the file is empty; expected {expected}")
    lower = path.name.lower()
    try:
        if lower.endswith(PARQUET_SUFFIXES):
            table = pd.read_parquet(path)
        elif lower.endswith(JSON_SUFFIXES):
            table = pd.read_json(path, lines=lower.endswith(".jsonl"))
        elif csv_as_text:
            table = pd.read_csv(path, dtype=str, keep_default_na=False,
                                sep="\t" if lower.endswith(".tsv") else ",")
        else:
            table = pd.read_csv(path, sep="\t" if lower.endswith(".tsv") else ",")
    except pd.errors.EmptyDataError:
        raise error(f"{name}: the file is empty (no header row); expected {expected}") from None
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
        kind = ("Parquet" if lower.endswith(PARQUET_SUFFIXES) else
                "JSON" if lower.endswith(JSON_SUFFIXES) else "CSV")
        raise error(f"{name}: cannot be read as {kind} ({reason}); expected {expected}") from None
    if len(table.columns) == 0 or (len(table) == 0 and not allow_empty):
        raise error(f"{name}: no data rows; expected {expected}")
    return table
