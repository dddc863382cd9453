"""The Choice Engineering Competition (Dan & Loewenstein 2019): repeated binary choice.

522 people x 99-100 trials choosing between two alternatives (fixed sides per person), with
0/1 rewards from a schedule designed to bias choice towards one of them ("biased").  Partial
feedback: only the chosen alternative's reward is shown.  Schedules: ``1_6_vs_2_6``
(dynamic, 97 people) and ``random_0``..``random_19`` (static).  Licence: none stated; the
project does not ship a copy.  Cite Dan & Loewenstein (2019), Nature Communications 10, 2808.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from cogsim.datasets.errors import DataError
from cogsim.datasets.home import RemoteFolder, fetch_folder
from cogsim.datasets.judgments import check_judgments

__all__ = ["fetch_choice_engineering", "choice_engineering_to_judgments"]

_COMMIT = "1e8a0c071c1ff7b863a12ff32b7b7ac885a622e1"
DATA = RemoteFolder(
    "choice_engineering_competition/data",
    f"https://github.com/ohaddan/competition/archive/{_COMMIT}.zip",
    f"competition-{_COMMIT}/data",
)
_COLUMNS = [
    "trial_number", "time", "schedule_type", "schedule_name", "is_biased_choice", "side_choice",
    "RT", "observed_reward", "unobserved_reward", "biased_reward", "unbiased_reward",
]  # fmt: skip


def fetch_choice_engineering(
    data_home: str | os.PathLike[str] | None = None, download_if_missing: bool = True
) -> pd.DataFrame:
    """All trials of the competition's data/ folder (52,029 rows), one row per trial.

    Columns: subject (the file name without .csv), schedule (the folder: "1_6_vs_2_6",
    "random_0".."random_19"), schedule_type ("dynamic"/"static"), trial (0-based), time
    (datetime, to the second), chose_biased (bool), side ("left"/"right", of the choice),
    biased_side ("left"/"right", where the biased alternative was), rt (seconds, as recorded:
    a few are negative or very long), observed_reward and unobserved_reward (0/1, of the
    chosen and the unchosen alternative), biased_reward and unbiased_reward (0/1, the
    schedule's reward of each alternative on that trial).
    """
    folder = fetch_folder(DATA, data_home, download_if_missing)
    files = sorted(folder.glob("*/*.csv"))
    if not files:
        raise DataError(f"{folder}: no CSV files (expected <schedule>/<subject>.csv)")
    frames = []
    for path in files:
        frame = pd.read_csv(path, skipinitialspace=True)
        missing = [c for c in _COLUMNS if c not in frame.columns]
        if missing:
            raise DataError(f"{path.parent.name}/{path.name}: missing column {missing[0]!r}")
        frame.insert(0, "subject", path.stem)
        frames.append(frame)
    raw = pd.concat(frames, ignore_index=True)
    chose_biased = raw["is_biased_choice"].astype(str).str.strip().str.lower() == "true"
    side = raw["side_choice"].astype(str).str.strip().str.lower()
    biased_side = np.where(chose_biased == (side == "left"), "left", "right")
    return pd.DataFrame(
        {
            "subject": raw["subject"],
            "schedule": raw["schedule_name"].astype(str).str.strip(),
            "schedule_type": raw["schedule_type"].astype(str).str.strip().str.lower(),
            "trial": raw["trial_number"].astype(int),
            "time": pd.to_datetime(raw["time"], format="%Y-%m-%d %I:%M:%S%p"),
            "chose_biased": chose_biased,
            "side": side,
            "biased_side": biased_side,
            "rt": raw["RT"].astype(float) / 1000.0,
            "observed_reward": raw["observed_reward"].astype(int),
            "unobserved_reward": raw["unobserved_reward"].astype(int),
            "biased_reward": raw["biased_reward"].astype(int),
            "unbiased_reward": raw["unbiased_reward"].astype(int),
        }
    )


def choice_engineering_to_judgments(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials from `fetch_choice_engineering` in the generic judgment schema.

    Option A is "biased", option B "unbiased" (the same ids for everyone; pair_id is the
    schedule); shown_first is the option on the left; outcome and forgone are the observed
    and unobserved rewards; feedback is "partial".  Negative response times become unknown.
    """
    rt = trials["rt"].where(trials["rt"] >= 0)
    out = pd.DataFrame(
        {
            "annotator_id": trials["subject"].astype(str),
            "option_a": "biased",
            "option_b": "unbiased",
            "choice": np.where(trials["chose_biased"], "A", "B"),
            "pair_id": trials["schedule"],
            "shown_first": np.where(trials["biased_side"] == "left", "A", "B"),
            "trial": trials["trial"],
            "time": trials["time"],
            "outcome": trials["observed_reward"].astype(float),
            "forgone": trials["unobserved_reward"].astype(float),
            "feedback": "partial",
            "rt": rt,
        }
    )
    return check_judgments(out, source="choice engineering judgments")
