"""CPC15's estimation set (Erev et al. 2017): 90 described problems with lab block rates.

Each problem was played for 25 trials by about 30 people in the lab: trials 1-5 without
feedback, 6-25 with full feedback; ``B.1`` .. ``B.5`` are the mean rates of choosing B in
the five blocks of five trials.  Licence: none stated (the organisers ask that the CPC papers
be cited); the project does not ship a copy.  Cite Erev, Ert, Plonsky, Cohen & Cohen (2017),
Psychological Review 124(4), 369-409.
"""

from __future__ import annotations

import os

import pandas as pd

from cogsim.datasets.home import Remote, fetch_file
from cogsim.tasks import gambles

__all__ = ["fetch_cpc15"]

_BASE = ("https://raw.githubusercontent.com/naecker-lab/cpc18/"
         "9d7629ca74df6eeba6dcef0d3c6d711649f37dc7/src/CPC18%20BEASTsd%20R")
#: Rows with GameID 1-90 of the organisers' CPC18_EstSet210.csv (the CPC15 estimation set).
ESTIMATION = Remote(
    "cpc15/CPC15_estimation_set.csv",
    f"{_BASE}/CPC18_EstSet210.csv",
    "0c1a66c13a846a4dbd6617b3e2371f53f338ea97ba2e485874fe2aa8cb2d7a73",
)
BLOCKS = tuple(f"B.{b}" for b in range(1, 6))


def fetch_cpc15(data_home: str | os.PathLike[str] | None = None,
                download_if_missing: bool = True) -> pd.DataFrame:
    """The 90 CPC15 estimation problems: GameID, the twelve CPC parameters (Ha, pHa, La,
    LotShapeA, LotNumA, Hb, pHb, Lb, LotShapeB, LotNumB, Amb, Corr) and the lab's block
    rates B.1 .. B.5.

    The file is the 90-row extract kept in the data home (``cpc15/``); a data home without
    it cannot rebuild it from the organisers' 210-row file (its hash differs), so fetching
    raises `DataError` there.
    """
    path = fetch_file(ESTIMATION, data_home, download_if_missing)
    raw = pd.read_csv(path)
    problems = gambles.check_problems(raw, source=path.name)
    out = pd.DataFrame({"GameID": raw["GameID"].astype(int)})
    for col in gambles.PROBLEM_COLUMNS:
        out[col] = problems[col]
    for col in BLOCKS:
        out[col] = raw[col].astype(float)
    return out

