"""CPC18 Track II (Plonsky et al. 2019): trial-level repeated choices between described gambles.

30 people x 5 problems x 25 trials; trials 1-5 without feedback, 6-25 with full feedback
(obtained and forgone payoffs).  Licence: unverified (the raw data on Zenodo is said to be
CC-BY-4.0); the project does not ship a copy.  Cite Plonsky et al. (2019), arXiv:1904.06866,
and Erev, Ert, Plonsky, Cohen & Cohen (2017), Psychological Review 124(4), 369-409.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from cogsim.datasets.home import Remote, fetch_file
from cogsim.datasets.judgments import check_judgments
from cogsim.tasks import gambles

__all__ = ["fetch_cpc18_track2", "fetch_cpc18_track2_to_predict", "cpc18_track2_to_judgments"]

_BASE = (
    "https://raw.githubusercontent.com/DerekSitu/Choice-Prediction-Competition-18/"
    "4b79a8fd1602a5d8d8409b6f010a1b2787e545b6/data/competition_set"
)
RAW = Remote(
    "cpc18/raw-comp-set-data-Track-2.csv",
    f"{_BASE}/raw-comp-set-data-Track-2.csv",
    "7a2aecd765b8d4c4a67c7b11fc32d19f1fb1773fc75aadb2784a1fa81a601f35",
)
TO_PREDICT = Remote(
    "cpc18/Data-to-predict-Track-2.csv",
    f"{_BASE}/Data-to-predict-Track-2.csv",
    "f2be344dc0b6c30054fe34b97cd913c1599bfd92363a6e5eaf0fa4ba1da1fdac",
)


def fetch_cpc18_track2(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """The 3,750 trials of raw-comp-set-data-Track-2.csv, one row per trial.

    Columns: subject (int), location, gender, age, set, condition, game (problem id,
    151-210), the twelve CPC parameters (Ha, pHa, La, LotShapeA, LotNumA, Hb, pHb, Lb,
    LotShapeB, LotNumB, Amb as bool, Corr), order (the game's place in the session), trial
    (1-25), button ("L"/"R", the key pressed), choice ("A"/"B"), payoff (obtained), forgone,
    rt (seconds), a_payoff and b_payoff (what A and B paid this trial), feedback (bool:
    payoffs shown, from trial 6 on) and block (1-5, five trials each).
    """
    path = fetch_file(RAW, data_home, download_if_missing)
    raw = pd.read_csv(path)
    problems = gambles.check_problems(raw, source=path.name)
    out = pd.DataFrame(
        {
            "subject": raw["SubjID"].astype(int),
            "location": raw["Location"].astype(str),
            "gender": raw["Gender"].astype(str),
            "age": raw["Age"].astype(int),
            "set": raw["Set"].astype(int),
            "condition": raw["Condition"].astype(str),
            "game": raw["GameID"].astype(int),
        }
    )
    for col in gambles.PROBLEM_COLUMNS:
        out[col] = problems[col]
    out["order"] = raw["Order"].astype(int)
    out["trial"] = raw["Trial"].astype(int)
    out["button"] = raw["Button"].astype(str)
    out["choice"] = np.where(raw["B"].astype(int) == 1, "B", "A")
    out["payoff"] = raw["Payoff"].astype(float)
    out["forgone"] = raw["Forgone"].astype(float)
    out["rt"] = raw["RT"].astype(float) / 1000.0
    out["a_payoff"] = raw["Apay"].astype(float)
    out["b_payoff"] = raw["Bpay"].astype(float)
    out["feedback"] = raw["Feedback"].astype(int) == 1
    out["block"] = raw["block"].astype(int)
    return out


def fetch_cpc18_track2_to_predict(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """Data-to-predict-Track-2.csv in long form: one row per subject x game x block (750 rows).

    Columns: subject, game, block (1-5), b_rate (the share of the block's 5 trials on which
    the subject chose B; the competition's target).
    """
    path = fetch_file(TO_PREDICT, data_home, download_if_missing)
    wide = pd.read_csv(path)
    long = wide.melt(id_vars=["SubjID", "GameID"], var_name="block", value_name="b_rate")
    long["block"] = long["block"].str.removeprefix("B.").astype(int)
    long = long.rename(columns={"SubjID": "subject", "GameID": "game"})
    long = long.astype({"subject": int, "game": int, "b_rate": float})
    return long.sort_values(["subject", "game", "block"], ignore_index=True)


def cpc18_track2_to_judgments(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials from `fetch_cpc18_track2` in the generic judgment schema.

    Options are ids "cpc18-<game>-A"/"-B" with their outcome distributions; pair_id is
    "cpc18-<game>"; shown_first is the option on the left key; feedback is "full" from trial
    6 on and "none" before (outcome and forgone are the payoffs drawn either way).
    """
    game = "cpc18-" + trials["game"].astype(str)
    dist_a = gambles.option_distributions(trials, "A", source="CPC18 trials")
    dist_b = gambles.option_distributions(trials, "B", source="CPC18 trials")
    chose_a = trials["choice"].to_numpy() == "A"
    left_is_a = chose_a == (trials["button"].to_numpy() == "L")
    out = pd.DataFrame(
        {
            "annotator_id": trials["subject"].astype(str),
            "option_a": game + "-A",
            "option_b": game + "-B",
            "choice": trials["choice"],
            "pair_id": game,
            "shown_first": np.where(left_is_a, "A", "B"),
            "trial": trials["trial"],
            "outcome": trials["payoff"],
            "forgone": trials["forgone"],
            "feedback": np.where(trials["feedback"], "full", "none"),
            "rt": trials["rt"],
            "outcomes_a": [tuple(d[0]) for d in dist_a],
            "probs_a": [tuple(d[1]) for d in dist_a],
            "outcomes_b": [tuple(d[0]) for d in dist_b],
            "probs_b": [tuple(d[1]) for d in dist_b],
        }
    )
    return check_judgments(out, source="CPC18 Track II judgments")
