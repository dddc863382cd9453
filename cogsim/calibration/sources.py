"""Calibration data from a public set's name or a file.

==================  ==========================================================================
``choices13k``      `RateData`: the development set of choices13k, 11,006 problems in 12,341
                    rows (the 2,000 problems of the fixed final test set are kept out, see
                    `cogsim.calibration.holdout`), the rate of choosing B (``bRate``) over
                    5 trials, with or without feedback (protocol ``c13k``); units are
                    problems
``cpc15``           `RateData`: CPC15's 90 estimation problems, lab block rates (``cpc``)
``cpc18_track2``    `RateData`: the CPC18 Track II problems, observed B rates in the five
                    blocks of the 25-trial protocol (mean over people; protocol ``cpc``)
``niv_riskdata``    `TrialData`: 563 people x 176 trials of the risk-from-experience task
``choice_engineering``  `TrialData`: ~520 people x 100 trials of a two-armed bandit with
                    0/1 rewards (partial feedback); block rates are of choosing the
                    "biased" alternative, simulated rewards are Bernoulli at each
                    alternative's mean reward rate in the data
a file (CSV/Parquet) one of:

                    * gamble problems in the competition format plus a rate column
                      (``bRate``, ``b_rate`` or ``rate``) or block columns ``B.1``..``B.5``;
                    * a trial table (``subject``, ``trial``, ``option_a``, ``option_b``,
                      ``response``, ``outcome``; see :mod:`cogsim.tasks.trials`);
                    * judgments in the generic schema (:mod:`cogsim.datasets.judgments`):
                      with ``trial`` and ``outcome`` they are repeated choices; otherwise
                      each pair's options must carry distributions (at most two outcomes
                      each) and the judgments become problems with choice rates.
==================  ==========================================================================

Every check names the file, the row and the column of the first problem (`DataError`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim.calibration.data import RateData, TrialData
from cogsim.datasets import (
    fetch_choice_engineering,
    fetch_choices13k,
    fetch_cpc15,
    fetch_cpc18_track2,
    fetch_niv_riskdata,
    load_judgments,
)
from cogsim.datasets.errors import DataError
from cogsim.tables import read_table
from cogsim.tasks import is_gamble_table
from cogsim.tasks.gambles import check_problems

__all__ = ["load_calibration_data", "cpc18_block_rates", "choices13k_data", "cpc15_data",
           "NAMED_SETS"]

NAMED_SETS = ("choices13k", "cpc15", "cpc18_track2", "niv_riskdata", "choice_engineering")
RATE_COLUMNS = ("bRate", "b_rate", "rate")
BLOCK_COLUMNS = tuple(f"B.{b}" for b in range(1, 6))
TRIAL_COLUMNS = ("subject", "trial", "option_a", "option_b", "response", "outcome")


def cpc18_block_rates(trials: pd.DataFrame, *, noise: bool = False):
    """CPC18 Track II trials -> one problem per game and its mean B rate per block (and,
    with ``noise``, each rate's sampling variance: the variance of the people's block rates
    over their number)."""
    cols = ["game", "Ha", "pHa", "La", "LotShapeA", "LotNumA", "Hb", "pHb", "Lb",
            "LotShapeB", "LotNumB", "Amb", "Corr"]
    t = trials.assign(chose_b=(trials["choice"] == "B").astype(float))
    per_person = t.groupby(["game", "subject", "block"])["chose_b"].mean()
    by_cell = per_person.groupby(["game", "block"])
    rates = by_cell.mean().unstack("block").sort_index()
    problems = t[cols].drop_duplicates("game").set_index("game").loc[rates.index].reset_index()
    problems = problems.rename(columns={"game": "GameID"})
    if not noise:
        return problems, rates.to_numpy(dtype=float)
    var = (by_cell.var(ddof=1) / by_cell.size()).unstack("block").loc[rates.index]
    return problems, rates.to_numpy(dtype=float), var.fillna(0.0).to_numpy(dtype=float)


def choices13k_data(data_home=None) -> RateData:
    """All of choices13k as `RateData`: units are problems (a problem's rows with and
    without feedback are one unit); each rate's sampling variance is its SD across people
    squared over their number."""
    c13k = fetch_choices13k(data_home)
    noise = (c13k["b_rate_std"] ** 2 / c13k["n"]).to_numpy(dtype=float)
    return RateData(c13k.drop(columns=["b_rate", "b_rate_std"]), c13k["b_rate"], "choices13k",
                    groups=c13k["problem"].to_numpy(), noise=noise)


def cpc15_data(data_home=None) -> RateData:
    """CPC15's 90 estimation problems with the lab's block rates.  The people per problem
    are read off the rates' denominators (5 x people); each rate's sampling variance is the
    binomial ``r (1 - r) / (5 n)``, a lower bound (people differ, which adds variance)."""
    table = fetch_cpc15(data_home)
    rates = table[list(BLOCK_COLUMNS)].to_numpy(dtype=float)
    people = np.array([_people(row) for row in rates], dtype=float)[:, None]
    return RateData(table.drop(columns=list(BLOCK_COLUMNS)), rates, "cpc15",
                    noise=rates * (1 - rates) / (5 * people))


def _people(rates: np.ndarray, most: int = 400) -> int:
    """The fewest people n for which every rate is a count over 5 n trials (4 decimals)."""
    for n in range(1, most + 1):
        counts = rates * 5 * n
        if np.all(np.abs(counts - np.round(counts)) <= 5 * n * 5e-5 + 1e-9):
            return n
    return most


def choice_engineering_trials(raw: pd.DataFrame, name: str = "choice_engineering") -> TrialData:
    """The choice-engineering bandit as a trial table: options "biased" and "unbiased"."""
    response = np.where(raw["chose_biased"].astype(bool), "biased", "unbiased")
    trials = pd.DataFrame({
        "subject": raw["subject"].astype(str), "trial": raw["trial"].astype(int) + 1,
        "option_a": "biased", "option_b": "unbiased", "response": response,
        "outcome": raw["observed_reward"].astype(float)})
    rates = {o: float(raw[f"{o}_reward"].mean()) for o in ("biased", "unbiased")}
    options = {o: ((0.0, 1.0), (1.0 - r, r)) for o, r in rates.items()}
    return TrialData(trials.sort_values(["subject", "trial"], ignore_index=True), name,
                     trialtype=None, risky="biased", options=options)


def load_calibration_data(name_or_path: str | os.PathLike[str],
                          data_home: str | os.PathLike[str] | None = None) -> RateData | TrialData:
    """`RateData` or `TrialData` from a public set's name or a file (see the module doc)."""
    name = str(name_or_path)
    if name == "choices13k":           # the development set: the final test set is kept out
        from cogsim.calibration.holdout import split_final_test

        return split_final_test(choices13k_data(data_home))[0]
    if name == "cpc15":
        return cpc15_data(data_home)
    if name == "cpc18_track2":
        problems, rates, noise = cpc18_block_rates(fetch_cpc18_track2(data_home), noise=True)
        return RateData(problems, rates, name, noise=noise)
    if name == "niv_riskdata":
        return TrialData(fetch_niv_riskdata(data_home), name)
    if name == "choice_engineering":
        return choice_engineering_trials(fetch_choice_engineering(data_home), name)
    path = Path(name_or_path)
    if not path.exists() and os.sep not in name and "." not in name:
        raise DataError(f"{name}: neither a known data set ({', '.join(NAMED_SETS)}) nor a file")
    table = read_table(path, "calibration data: competition-format problems with choice "
                       "rates, a trial table, or judgments in the generic schema")
    if is_gamble_table(table):
        return _rate_file(table, str(path))
    if {"subject", "response"} <= set(table.columns):
        missing = [c for c in TRIAL_COLUMNS if c not in table.columns]
        if missing:
            raise DataError(f"{path}: no {missing[0]!r} column; a trial table needs "
                            f"{', '.join(TRIAL_COLUMNS)}")
        two = table["option_b"].notna()
        risky = str(table.loc[two, "option_b"].iloc[0]) if two.any() else ""
        return TrialData(table, str(path), trialtype=None, risky=risky)
    return _judgments(load_judgments(path), str(path))


def _rate_file(table: pd.DataFrame, source: str) -> RateData:
    problems = check_problems(table, source)
    blocks = [c for c in BLOCK_COLUMNS if c in table.columns]
    rate_col = next((c for c in RATE_COLUMNS if c in table.columns), None)
    if blocks and len(blocks) < 5:
        missing = [c for c in BLOCK_COLUMNS if c not in blocks][0]
        raise DataError(f"{source}: no {missing!r} column; block rates need B.1 to B.5")
    if not blocks and rate_col is None:
        raise DataError(f"{source}: no rate column; expected the observed rate of choosing B "
                        f"in one of {list(RATE_COLUMNS)} or block rates B.1..B.5")
    cols = list(blocks) if blocks else [rate_col]
    for col in cols:
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < 0) | (values > 1)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(f"{source}, row {row + 1}, column {col!r}: expected a choice "
                            f"rate in [0, 1], got {table[col].iloc[row]}")
    rates = table[cols].to_numpy(dtype=float)
    keep = [c for c in table.columns if c not in cols]
    return RateData(table[keep].assign(**{c: problems[c] for c in problems.columns
                                          if c in keep}),
                    rates if blocks else rates[:, 0], source)


def _judgments(j: pd.DataFrame, source: str) -> RateData | TrialData:
    """Generic-schema judgments as repeated choices (with trial and outcome) or as choice
    rates of gamble problems (options with distributions)."""
    if "trial" in j.columns and "outcome" in j.columns:
        trials = pd.DataFrame({
            "subject": j["annotator_id"], "trial": j["trial"],
            "option_a": j["option_a"], "option_b": j["option_b"],
            "response": np.where(j["choice"] == "A", j["option_a"], j["option_b"]),
            "outcome": j["outcome"]})
        trials = trials.sort_values(["subject", "trial"], kind="stable", ignore_index=True)
        return TrialData(trials, source, trialtype=None, risky=str(trials["option_b"].iloc[0]),
                         options=_option_distributions(j, source))
    for col in ("outcomes_a", "probs_a", "outcomes_b", "probs_b"):
        if col not in j.columns or j[col].isna().any():
            row = 1 if col not in j.columns else int(np.flatnonzero(j[col].isna())[0]) + 1
            raise DataError(f"{source}, row {row}, column {col!r}: calibration needs either "
                            f"trial and outcome columns (repeated choice) or each option's "
                            f"distribution (outcomes_a, probs_a, outcomes_b, probs_b)")
    rows = []
    for i, r in enumerate(j.itertuples(index=False)):
        rows.append({**_two_outcomes(r.outcomes_a, r.probs_a, "a", source, i),
                     **_two_outcomes(r.outcomes_b, r.probs_b, "b", source, i)})
    problems = pd.DataFrame(rows)
    key = problems.columns.tolist()
    problems["chose_b"] = (j["choice"] == "B").to_numpy(dtype=float)
    grouped = problems.groupby(key, sort=False)["chose_b"].mean().reset_index()
    grouped = grouped.assign(LotShapeB="-", LotNumB=1, Amb=0, Corr=0)
    return RateData(grouped.drop(columns="chose_b"), grouped["chose_b"], source)


def _two_outcomes(outcomes, probs, option: str, source: str, row: int) -> dict:
    """An option's distribution as the competition's H, pH, L (at most two outcomes)."""
    x, p = np.asarray(outcomes, dtype=float), np.asarray(probs, dtype=float)
    if len(x) > 2:
        raise DataError(f"{source}, row {row + 1}, column 'outcomes_{option}': {len(x)} "
                        f"outcomes; calibration on choice rates takes at most two per "
                        f"option (give problems in the competition format for lotteries)")
    hi = int(np.argmax(x))
    s = option
    low = float(x.min()) if len(x) == 2 else float(x[hi])
    return {f"H{s}": float(x[hi]), f"pH{s}": float(p[hi]) if len(x) == 2 else 1.0,
            f"L{s}": low}


def _option_distributions(j: pd.DataFrame, source: str) -> dict | None:
    """Option name -> (outcomes, probabilities), from the distribution columns if given."""
    if "outcomes_a" not in j.columns:
        return None
    options: dict = {}
    for side in "ab":
        for name, x, p in zip(j[f"option_{side}"], j[f"outcomes_{side}"], j[f"probs_{side}"]):
            if x is not None and not (isinstance(x, float) and np.isnan(x)):
                options.setdefault(name, (tuple(x), tuple(p)))
    return options or None
