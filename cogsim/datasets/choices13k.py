"""choices13k (Peterson et al. 2021): choice rates for 13,006 described gamble problems.

Aggregate data (the mean rate of choosing B over about 16 people per problem), so there is
no converter to individual judgments.  Licence: none stated (citation requested); the
project does not ship a copy.  Cite Peterson, Bourgin, Agrawal, Reichman & Griffiths (2021),
Science 372(6547), 1209-1214.
"""

from __future__ import annotations

import json
import os

import pandas as pd

from cogsim.datasets.home import Remote, fetch_file
from cogsim.tasks import gambles

__all__ = ["fetch_choices13k", "fetch_choices13k_distributions"]

_BASE = (
    "https://raw.githubusercontent.com/jcpeterson/choices13k/"
    "582d85521f3b0f246401ddb5cbb2682c84257652"
)
SELECTIONS = Remote(
    "choices13k/c13k_selections.csv",
    f"{_BASE}/c13k_selections.csv",
    "e21941718b83fd97a5997545489a66ce27bec3b3f62700a0774fb5f997fea5c7",
)
PROBLEMS = Remote(
    "choices13k/c13k_problems.json",
    f"{_BASE}/c13k_problems.json",
    "c6bdb0ae7e0d0ca127b649b4996a7a49b3d0c4c43e5f9a851677fe4527276632",
)


def fetch_choices13k(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """The 14,568 rows of c13k_selections.csv, one per problem x feedback condition.

    Index: the row number, which is also the key of the problem in c13k_problems.json.
    Columns: problem (int id, 1..13006), feedback (bool), n (number of people), block (1 = no
    feedback, 2-5 = the feedback block drawn), the twelve CPC parameters Ha, pHa, La,
    LotShapeA ("-"), LotNumA (1), Hb, pHb, Lb, LotShapeB (name: "-", "Symm", "R-skew",
    "L-skew", from the codes 0-3), LotNumB, Amb (bool), Corr (-1/0/1), b_rate (mean over
    people of the rate of choosing B; each did 5 trials) and b_rate_std.
    """
    path = fetch_file(SELECTIONS, data_home, download_if_missing)
    raw = pd.read_csv(path)
    problems = gambles.check_problems(raw, source=path.name)
    out = pd.DataFrame(
        {
            "problem": raw["Problem"].astype(int),
            "feedback": raw["Feedback"].astype(bool),
            "n": raw["n"].astype(int),
            "block": raw["Block"].astype(int),
        }
    )
    for col in gambles.PROBLEM_COLUMNS:
        out[col] = problems[col] if col in problems else ("-" if col == "LotShapeA" else 1)
    out["LotNumA"] = out["LotNumA"].astype(int)
    out["b_rate"] = raw["bRate"].astype(float)
    out["b_rate_std"] = raw["bRate_std"].astype(float)
    return out


def fetch_choices13k_distributions(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """The outcome distributions listed in c13k_problems.json, one row per listed outcome.

    Columns: row (the row of `fetch_choices13k`), option ("A"/"B"), outcome, probability,
    in the order listed.  The listing is kept as it is: for options with pH = 1 or H = L it
    also lists outcomes of probability 0 and the same outcome twice (see
    `cogsim.tasks.gambles.distribution` for the merged form).
    """
    path = fetch_file(PROBLEMS, data_home, download_if_missing)
    with open(path, encoding="utf-8") as f:
        listing = json.load(f)
    rows = [
        (int(key), option, float(x), float(p))
        for key, options in listing.items()
        for option in ("A", "B")
        for p, x in options[option]
    ]
    out = pd.DataFrame(rows, columns=["row", "option", "outcome", "probability"])
    return out.sort_values("row", kind="stable", ignore_index=True)
