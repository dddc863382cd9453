"""Copilot Arena sample (Chi et al. 2025): which of two code completions a programmer accepted.

113 records of an in-editor comparison (one is empty and is dropped): the code before and
after the cursor, two models' completions, and the index of the accepted one.  No user id;
it is unclear whether completion A was always shown first.  Licence: unclear; the project
does not ship a copy.  Cite Chi et al. (2025), arXiv:2502.09328.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from cogsim.datasets.errors import DataError, where
from cogsim.datasets.home import Remote, fetch_file
from cogsim.datasets.judgments import check_judgments

__all__ = ["fetch_copilot_arena", "copilot_arena_to_judgments"]

EXAMPLES = Remote(
    "copilot_arena/copilot_arena_examples_v1.csv",
    "https://raw.githubusercontent.com/lmarena/copilot-arena/"
    "cf3740a4d24bb2e8f7f18e4ebc7ad90cf7d5bf6a/"
    "data/copilot_arena_examples_v1.csv",
    "7b4b204bd7ef3cb93b0e8d984c3bab0135d71f3108cd359350c52ae0713021a7",
)


def fetch_copilot_arena(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """The 112 complete records of copilot_arena_examples_v1.csv, one row per comparison.

    Columns: prefix and suffix (the code before and after the cursor; an empty suffix is
    ""), model_a, model_b, completion_a, completion_b, choice ("A"/"B": the accepted one,
    from acceptedIndex 0/1).  The index is the record's position in the file (0-based), so
    the dropped empty record (position 23) leaves a gap.
    """
    path = fetch_file(EXAMPLES, data_home, download_if_missing)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw = raw[raw["acceptedIndex"].str.strip() != ""]
    bad = ~raw["acceptedIndex"].isin(["0.0", "1.0", "0", "1"])
    if bad.any():
        row = raw.index[np.flatnonzero(bad.to_numpy())[0]]
        raise DataError(
            f"{where(path.name, row + 1, 'acceptedIndex')}: expected 0 or 1, "
            f"got {raw.at[row, 'acceptedIndex']!r}"
        )
    out = raw[["prefix", "suffix", "model_a", "model_b", "completion_a", "completion_b"]].copy()
    out["choice"] = np.where(raw["acceptedIndex"].astype(float) == 1, "B", "A")
    return out


def copilot_arena_to_judgments(records: pd.DataFrame) -> pd.DataFrame:
    """Records from `fetch_copilot_arena` in the generic judgment schema.

    Options are the completions; prompt is the prefix; the suffix and the models are kept
    as extra columns (suffix, model_a, model_b); annotator_id is "unknown"; pair_id is
    "copilot-arena-<index>"; shown_first is unknown.
    """
    out = pd.DataFrame(
        {
            "annotator_id": "unknown",
            "option_a": records["completion_a"],
            "option_b": records["completion_b"],
            "choice": records["choice"],
            "pair_id": ["copilot-arena-" + str(i) for i in records.index],
            "prompt": records["prefix"],
            "suffix": records["suffix"],
            "model_a": records["model_a"],
            "model_b": records["model_b"],
        }
    )
    return check_judgments(out, source="Copilot Arena judgments")
