"""Human judgment data: the generic schema, and loaders for public human choice data sets.

* `load_judgments` / `save_judgments` read and write a file in the generic judgment schema
  (documented in `cogsim.datasets.judgments`), with checks that name file, row and column.
* ``fetch_<name>`` return a public data set as a tidy DataFrame, reading it from the data
  home (`get_data_home`: ``COGSIM_DATA_HOME`` or ``~/.cache/cogsim``) and downloading it
  from its public source when missing, like scikit-learn's ``fetch_*`` (never with
  ``COGSIM_OFFLINE=1``).  A failed download raises `DataError` and leaves the data home as
  it was (see `cogsim.datasets.home`).
* ``<name>_to_judgments`` convert the individual-choice sets to the generic schema.
* `load` takes either a public set's name or a file path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cogsim.datasets.choice_engineering import (
    choice_engineering_to_judgments,
    fetch_choice_engineering,
)
from cogsim.datasets.choices13k import fetch_choices13k, fetch_choices13k_distributions
from cogsim.datasets.copilot_arena import copilot_arena_to_judgments, fetch_copilot_arena
from cogsim.datasets.cpc15 import fetch_cpc15
from cogsim.datasets.cpc18 import (
    cpc18_track2_to_judgments,
    fetch_cpc18_track2,
    fetch_cpc18_track2_to_predict,
)
from cogsim.datasets.errors import DataError
from cogsim.datasets.hh_rlhf import fetch_hh_rlhf, hh_rlhf_to_judgments
from cogsim.datasets.home import DATA_HOME_ENV, get_data_home
from cogsim.datasets.judgments import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    SCHEMA_COLUMNS,
    check_judgments,
    load_judgments,
    save_judgments,
)
from cogsim.datasets.mt_bench import fetch_mt_bench, mt_bench_to_judgments
from cogsim.datasets.niv import fetch_niv_riskdata, niv_riskdata_to_judgments

__all__ = [
    "DataError",
    "DATA_HOME_ENV",
    "get_data_home",
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "SCHEMA_COLUMNS",
    "load_judgments",
    "check_judgments",
    "save_judgments",
    "fetch_choices13k",
    "fetch_choices13k_distributions",
    "fetch_cpc15",
    "fetch_cpc18_track2",
    "fetch_cpc18_track2_to_predict",
    "cpc18_track2_to_judgments",
    "fetch_niv_riskdata",
    "niv_riskdata_to_judgments",
    "fetch_choice_engineering",
    "choice_engineering_to_judgments",
    "fetch_hh_rlhf",
    "hh_rlhf_to_judgments",
    "fetch_mt_bench",
    "mt_bench_to_judgments",
    "fetch_copilot_arena",
    "copilot_arena_to_judgments",
    "PUBLIC_SETS",
    "load",
]

Fetcher = Callable[..., pd.DataFrame]
Converter = Callable[[pd.DataFrame], pd.DataFrame]

#: Public set name -> (fetch function, converter to judgments or None for aggregate data).
PUBLIC_SETS: dict[str, tuple[Fetcher, Converter | None]] = {
    "choices13k": (fetch_choices13k, None),
    "cpc15": (fetch_cpc15, None),
    "cpc18_track2": (fetch_cpc18_track2, cpc18_track2_to_judgments),
    "cpc18_track2_to_predict": (fetch_cpc18_track2_to_predict, None),
    "niv_riskdata": (fetch_niv_riskdata, niv_riskdata_to_judgments),
    "choice_engineering": (fetch_choice_engineering, choice_engineering_to_judgments),
    "hh_rlhf": (fetch_hh_rlhf, hh_rlhf_to_judgments),
    "mt_bench": (fetch_mt_bench, mt_bench_to_judgments),
    "copilot_arena": (fetch_copilot_arena, copilot_arena_to_judgments),
}


def load(
    name_or_path: str | os.PathLike[str],
    *,
    judgments: bool = False,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
) -> pd.DataFrame:
    """A public set by name (see `PUBLIC_SETS`) or a judgments file by path.

    A name gives the set's tidy table, or with ``judgments=True`` its judgments in the
    generic schema (an error for the aggregate sets).  A path (anything that is not a set
    name) is read with `load_judgments`.
    """
    if isinstance(name_or_path, str) and name_or_path in PUBLIC_SETS:
        fetch, convert = PUBLIC_SETS[name_or_path]
        table = fetch(data_home=data_home, download_if_missing=download_if_missing)
        if not judgments:
            return table
        if convert is None:
            raise DataError(
                f"{name_or_path} has aggregate choice rates only, not individual judgments"
            )
        return convert(table)
    path = Path(name_or_path)
    if (
        not path.exists()
        and isinstance(name_or_path, str)
        and path.suffix == ""
        and os.sep not in name_or_path
    ):
        raise DataError(
            f"{name_or_path!r} is neither a public data set ({', '.join(PUBLIC_SETS)}) "
            "nor an existing file"
        )
    return load_judgments(path)
