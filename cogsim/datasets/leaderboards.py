"""AlpacaEval's evaluators leaderboard: the published human reference figures.

``alpaca_eval_evaluators/evaluators_leaderboard.csv`` (in the data home beside the other
human data) lists, per evaluator, "Human agreement", "Bias", "Variance" and the position,
length and list preferences.  :func:`alpaca_eval_human_reference` reads one row as fractions
under the keys of :func:`cogsim.fidelity.fidelity_report`, so that
:func:`cogsim.fidelity.compare_to_reference` can set a synthetic population beside the
humans (Dubois et al., 2023, AlpacaFarm, arXiv:2305.14387; Li et al., 2023, AlpacaEval,
``alpaca_eval/analyze.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["ALPACA_EVAL_FILE", "ALPACA_EVAL_FOLDER", "alpaca_eval_human_reference",
           "alpaca_eval_leaderboard"]

ALPACA_EVAL_FOLDER = "alpaca_eval_evaluators"
ALPACA_EVAL_FILE = "evaluators_leaderboard.csv"


def _leaderboard_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    for cand in (p, p / ALPACA_EVAL_FILE, p / ALPACA_EVAL_FOLDER / ALPACA_EVAL_FILE):
        if cand.is_file():
            return cand
    raise FileNotFoundError(f"no {ALPACA_EVAL_FILE} at {p} (give the CSV, its folder "
                            f"{ALPACA_EVAL_FOLDER!r} or the data home that contains it)")


def alpaca_eval_leaderboard(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The AlpacaEval evaluators leaderboard CSV, indexed by evaluator name, as printed.

    ``path`` is the CSV, its folder ``alpaca_eval_evaluators`` or the data home containing
    that folder.  Percent columns stay in percent here.
    """
    df = pd.read_csv(_leaderboard_file(path), index_col=0)
    df.index.name = "evaluator"
    return df


_REFERENCE_COLUMNS = {
    # our key: (CSV column, divisor to get a fraction)
    "heldout_agreement": ("Human agreement", 100.0),
    "bias": ("Bias", 100.0),
    "variance": ("Variance", 100.0),
    "prefer_longer": ("Proba. prefer longer", 1.0),
    "prefer_lists": ("Proba. prefer lists", 1.0),
    "prefer_first": ("Proba. prefer 1", 1.0),
    "n_judgments": ("# parsed", 1.0),
}


def alpaca_eval_human_reference(path: str | os.PathLike[str],
                                evaluator: str = "humans") -> dict[str, float]:
    """Human reference figures from AlpacaEval's evaluators leaderboard, as fractions.

    Reads the ``humans`` row (AlpacaFarm cross-annotations: ~650 pairs x 4 crowdworkers,
    2592 annotations) and returns, with the same keys as
    :func:`cogsim.fidelity.fidelity_report`:

    ``heldout_agreement`` ("Human agreement" / 100 = 0.6566; for the humans row this is the
    leave-one-out agreement of :func:`cogsim.fidelity.heldout_agreement`), ``bias``
    ("Bias" / 100 = 0, by definition), ``variance`` ("Variance" / 100 = 0.3434),
    ``prefer_longer`` (0.636),
    ``prefer_lists`` (0.604), ``prefer_first`` ("Proba. prefer 1" = 0.518) and
    ``n_judgments`` ("# parsed" = 2592).

    For another ``evaluator`` row the "Human agreement" figure is that evaluator's
    agreement with the human majority (:func:`cogsim.fidelity.agreement_with_reference`),
    not a leave-one-out agreement, so it is returned under ``agreement_with_human`` instead.
    Blank cells come back as NaN.
    """
    board = alpaca_eval_leaderboard(path)
    if evaluator not in board.index:
        raise ValueError(f"no evaluator {evaluator!r} in {_leaderboard_file(path)}")
    row = board.loc[evaluator]
    out = {}
    for name, (col, div) in _REFERENCE_COLUMNS.items():
        if col not in board.columns:
            raise ValueError(f"{_leaderboard_file(path)} has no column {col!r}")
        out[name] = float(row[col]) / div
    if evaluator != "humans":
        out["agreement_with_human"] = out.pop("heldout_agreement")
    return out
