"""Risk from experience (Radulescu, Holmes & Niv 2020): a four-option learning task.

563 MTurk participants x 176 trials of the task of Niv, Edlund, Dayan & O'Doherty (2012).
Four stimuli, learned from partial feedback (only the chosen outcome is shown), in cents:
S1 pays 0, S2 pays 0 or 4 at 50/50, S3 pays 2, S4 pays 4.  Trial types 1-5 are choices
between two stimuli; 6-9 are forced trials with one stimulus.  Type 2 (S2 vs S3: the risky
and the sure option of equal expected value) are the "risk trials".  Licence: none stated;
the project does not ship a copy.  Cite Radulescu, Holmes & Niv (2020), PsyArXiv
doi:10.31234/osf.io/qdhx4.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from cogsim.datasets.errors import DataError, where
from cogsim.datasets.home import Remote, fetch_file
from cogsim.datasets.judgments import check_judgments
from cogsim.tasks.trials import NIV_STIMULI

__all__ = ["fetch_niv_riskdata", "niv_riskdata_to_judgments", "NIV_STIMULI", "NIV_TRIAL_TYPES"]

RL_TASK = Remote(
    "niv_riskdata/risk_from_experience_reinforcement_learning.csv",
    "https://raw.githubusercontent.com/nivlab/RiskData/119f4296621fc348e5e4237f2a3187bab6732ad8/"
    "risk_from_experience_reinforcement_learning.csv",
    "28824d0ed1684df50664a3b981da34d0e1ac2fd5f5b8705c6d427cda106051a4",
)

#: The stimuli offered on each trial type (option A, option B); forced trials have one.
NIV_TRIAL_TYPES: dict[int, tuple[str, str | None]] = {
    1: ("S1", "S2"),
    2: ("S2", "S3"),
    3: ("S2", "S4"),
    4: ("S1", "S3"),
    5: ("S3", "S4"),
    6: ("S1", None),
    7: ("S2", None),
    8: ("S3", None),
    9: ("S4", None),
}


def fetch_niv_riskdata(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """The 99,088 trials of risk_from_experience_reinforcement_learning.csv, one row per trial.

    Columns: subject (int), trial (1-176), trialtype (1-9), side ("left"/"right", the key
    pressed), response ("S1".."S4", or "wrongside" on a forced trial answered with the empty
    side), outcome (cents; NaN for "wrongside"), rt (seconds), version (4 or 5), option_a
    and option_b (the stimuli offered, from `NIV_TRIAL_TYPES`; option_b is None on forced
    trials), forced (bool: trial types 6-9).
    """
    path = fetch_file(RL_TASK, data_home, download_if_missing)
    raw = pd.read_csv(path)
    types = raw["trialtype"].astype(int)
    unknown = ~types.isin(list(NIV_TRIAL_TYPES))
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(
            f"{where(path.name, row + 1, 'trialtype')}: expected 1-9, got {types.iloc[row]}"
        )
    return pd.DataFrame(
        {
            "subject": raw["subj"].astype(int),
            "trial": raw["trial"].astype(int),
            "trialtype": types,
            "side": raw["side"].astype(str),
            "response": raw["response"].astype(str),
            "outcome": raw["outcome"].astype(float),
            "rt": raw["rt"].astype(float) / 1000.0,
            "version": raw["version"].astype(int),
            "option_a": types.map(lambda t: NIV_TRIAL_TYPES[t][0]).astype(object),
            "option_b": types.map(lambda t: NIV_TRIAL_TYPES[t][1]).astype(object),
            "forced": types >= 6,
        }
    )


def niv_riskdata_to_judgments(trials: pd.DataFrame, risk_trials_only: bool = False) -> pd.DataFrame:
    """The choice trials (types 1-5; forced trials are not choices) in the generic schema.

    Options are the stimulus names with their distributions (`NIV_STIMULI`); option A is the
    lower-numbered stimulus; pair_id is "niv-type<trialtype>"; shown_first is the option on
    the left (derived from the side pressed); feedback is "partial", forgone is unknown.
    ``risk_trials_only`` keeps only trial type 2 (S2 vs S3).
    """
    keep = ~trials["forced"] & (trials["trialtype"] == 2 if risk_trials_only else True)
    t = trials[keep]
    chose_a = (t["response"] == t["option_a"]).to_numpy()
    neither = ~chose_a & (t["response"] != t["option_b"]).to_numpy()
    if neither.any():
        row = int(np.flatnonzero(neither)[0])
        raise DataError(
            f"Niv trials, trial {t['trial'].iloc[row]} of subject {t['subject'].iloc[row]}: "
            f"the response {t['response'].iloc[row]!r} is neither offered stimulus "
            f"({t['option_a'].iloc[row]}, {t['option_b'].iloc[row]})"
        )
    left_is_a = chose_a == (t["side"] == "left").to_numpy()
    out = pd.DataFrame(
        {
            "annotator_id": t["subject"].astype(str),
            "option_a": t["option_a"],
            "option_b": t["option_b"],
            "choice": np.where(chose_a, "A", "B"),
            "pair_id": "niv-type" + t["trialtype"].astype(str),
            "shown_first": np.where(left_is_a, "A", "B"),
            "trial": t["trial"],
            "outcome": t["outcome"],
            "forgone": np.nan,
            "feedback": "partial",
            "rt": t["rt"],
            "outcomes_a": t["option_a"].map(lambda s: NIV_STIMULI[s][0]),
            "probs_a": t["option_a"].map(lambda s: NIV_STIMULI[s][1]),
            "outcomes_b": t["option_b"].map(lambda s: NIV_STIMULI[s][0]),
            "probs_b": t["option_b"].map(lambda s: NIV_STIMULI[s][1]),
        }
    )
    return check_judgments(out, source="Niv risk-from-experience judgments")
