"""Repeated choice with partial feedback as a task: the trial table, its checks, the
options' outcome distributions, drawing outcomes, and simulated trial tables.

The task (e.g. the Niv et al. four-option task, `cogsim.datasets.fetch_niv_riskdata`): on
each trial a person sees one or two options, picks one (forced trials: the only one), and
sees the outcome of the option picked only.  The models that act on it are
`cogsim.ibl.repeated.IBLRepeatedModel` and `cogsim.baselines.delta_rule`.

**Trial table** (what `fetch_niv_riskdata` returns; other columns are ignored):

==========  =================================================================================
subject     person id (int or str); with an ``agent`` column (simulated tables) each
            (subject, agent) is one person
trial       trial number; rows of a subject are ordered by it, the k-th trial is at time k
option_a    the option offered (a name, e.g. ``"S2"``)
option_b    the second option, None/NaN on forced (single-option) trials
response    the option chosen; on a forced trial anything else (the data's ``"wrongside"``
            presses) means no outcome was seen: nothing is learned, but time still passes
outcome     the payoff seen (NaN when none); needed only for tracing
trialtype   optional; `block_rates` uses it to find the risk trials
==========  =================================================================================

On a two-option trial the response must be one of the two options (else `DataError`).
Time is the position of the trial within the subject (1, 2, ...): the clock ticks once per
trial, whether or not something is learned.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cogsim.errors import DataError, show, where

__all__ = ["RepeatedTrials", "prepare_trials", "OptionDistributions", "TRACE_COLUMNS",
           "SIMULATE_COLUMNS", "NIV_STIMULI", "default_options", "outcome_table",
           "draw_outcomes", "simulation_grids", "simulated_table", "subject_seed",
           "lognormal_levels"]

#: Columns needed for model tracing and for simulation.
TRACE_COLUMNS = ("subject", "trial", "option_a", "option_b", "response", "outcome")
SIMULATE_COLUMNS = ("subject", "trial", "option_a", "option_b")

#: Option name -> (outcomes, probabilities).
OptionDistributions = Mapping[str, tuple[Sequence[float], Sequence[float]]]

#: Each stimulus's outcomes (cents) and probabilities in the Niv et al. task.
NIV_STIMULI: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "S1": ((0.0,), (1.0,)),
    "S2": ((0.0, 4.0), (0.5, 0.5)),
    "S3": ((2.0,), (1.0,)),
    "S4": ((4.0,), (1.0,)),
}


def default_options() -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    """The options of the Niv et al. task (`NIV_STIMULI`), the default outcome
    distributions of the repeated-choice models."""
    return dict(NIV_STIMULI)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# ----------------------------------------------------------------------------- trials
@dataclass
class RepeatedTrials:
    """A trial table as padded (subject, time) arrays, the form both models compute on.

    Attributes
    ----------
    subjects : array (P,)
        Subject ids, in order of first appearance.
    options : tuple of str
        Option names (sorted); arrays below hold indices into it.
    a, b : int arrays (P, T)
        Offered options; b is -1 on forced trials, both -1 past a subject's last trial.
    response : int array (P, T)
        Option chosen, -1 when none of the offered ones (nothing learned).
    outcome : float array (P, T)
        Outcome seen (NaN when none or not given).
    choice : bool array (P, T)
        Two-option trials: the ones with a likelihood.
    learn : bool array (P, T)
        Trials whose outcome is learned (a valid response with a finite outcome).
    row : int array (P, T)
        Position of the trial in the original table (-1 for padding).
    extra : DataFrame
        The original rows in (subject, trial) order, for building simulated tables.
    """

    subjects: np.ndarray
    options: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    response: np.ndarray
    outcome: np.ndarray
    choice: np.ndarray
    learn: np.ndarray
    row: np.ndarray
    extra: pd.DataFrame

    @property
    def n_subjects(self) -> int:
        return len(self.subjects)

    @property
    def n_times(self) -> int:
        return self.a.shape[1]

    def choice_order(self) -> tuple[np.ndarray, np.ndarray]:
        """(subject index, time index) of the choice trials, in the table's row order."""
        p, j = np.nonzero(self.choice)
        order = np.argsort(self.row[p, j], kind="stable")
        return p[order], j[order]


def prepare_trials(trials: pd.DataFrame, *, need_responses: bool = True,
                   source: str = "trials") -> RepeatedTrials:
    """Check a trial table and turn it into `RepeatedTrials`.

    ``need_responses`` (tracing) requires ``response`` and ``outcome``; simulation needs
    only subject, trial and the offered options.  Problems raise `DataError` naming the
    column (and row, counted from 1 in the table's order).
    """
    if not isinstance(trials, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame, got {type(trials).__name__}")
    needed = TRACE_COLUMNS if need_responses else SIMULATE_COLUMNS
    for col in needed:
        if col not in trials.columns:
            raise DataError(f"{where(source, column=col)}: missing column {col!r} "
                            f"(needed: {', '.join(needed)})")
    if len(trials) == 0:
        raise DataError(f"{source}: the table has no rows")
    t = trials.reset_index(drop=True)
    opt_a = t["option_a"].to_numpy(dtype=object)
    opt_b = t["option_b"].to_numpy(dtype=object)
    bad = np.flatnonzero([_missing(v) for v in opt_a])
    if bad.size:
        raise DataError(f"{where(source, int(bad[0]) + 1, 'option_a')}: every trial needs an "
                        f"option, got {show(opt_a[bad[0]])}")
    forced = np.array([_missing(v) for v in opt_b])
    names = sorted({str(v) for v in opt_a} | {str(v) for v in opt_b[~forced]})
    index = {n: i for i, n in enumerate(names)}
    a_idx = np.array([index[str(v)] for v in opt_a])
    b_idx = np.array([-1 if f else index[str(v)] for v, f in zip(opt_b, forced)])
    try:
        trial_no = pd.to_numeric(t["trial"], errors="raise").to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        trial_no = np.array([np.nan])
    if not np.all(np.isfinite(trial_no)) or len(trial_no) != len(t):
        raise DataError(f"{where(source, column='trial')}: trial numbers must be numbers")
    if need_responses:
        resp = t["response"].to_numpy(dtype=object)
        r_idx = np.array([index.get(str(v), -1) if not _missing(v) else -1 for v in resp])
        valid = (r_idx >= 0) & ((r_idx == a_idx) | (r_idx == b_idx))
        bad = np.flatnonzero(~forced & ~valid)
        if bad.size:
            i = int(bad[0])
            raise DataError(f"{where(source, i + 1, 'response')}: on a two-option trial the "
                            f"response must be {opt_a[i]!r} or {opt_b[i]!r}, got {show(resp[i])}")
        r_idx = np.where(valid, r_idx, -1)
        try:
            out = pd.to_numeric(t["outcome"], errors="raise").to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            col = pd.to_numeric(t["outcome"], errors="coerce")
            i = int(np.flatnonzero(col.isna() & t["outcome"].notna())[0])
            raise DataError(f"{where(source, i + 1, 'outcome')}: outcomes must be numbers, "
                            f"got {show(t['outcome'].iloc[i])}") from None
        bad = np.flatnonzero(~forced & ~np.isfinite(out))
        if bad.size:
            raise DataError(f"{where(source, int(bad[0]) + 1, 'outcome')}: a two-option trial "
                            f"needs a finite outcome, got {show(out[bad[0]])}")
        learn_row = valid & np.isfinite(out)
    else:
        r_idx = np.full(len(t), -1)
        out = np.full(len(t), np.nan)
        learn_row = np.zeros(len(t), dtype=bool)
    if "agent" in t.columns:          # a simulated table: each (subject, agent) is a person
        key = pd.Series(list(zip(t["subject"], t["agent"])), dtype=object)
    else:
        key = t["subject"]
    subj_codes, subjects = pd.factorize(key, sort=False)
    order = np.lexsort((trial_no, subj_codes))
    sc = subj_codes[order]
    dup = np.flatnonzero((np.diff(sc) == 0) & (np.diff(trial_no[order]) == 0))
    if dup.size:
        i = int(order[dup[0] + 1])
        raise DataError(f"{where(source, i + 1, 'trial')}: trial {show(t['trial'].iloc[i])} of "
                        f"subject {show(key.iloc[i])} appears twice")
    counts = np.bincount(sc, minlength=len(subjects))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(order)) - starts[sc]
    P, T = len(subjects), int(counts.max())

    def grid(values, fill, dtype):
        g = np.full((P, T), fill, dtype=dtype)
        g[sc, pos] = values[order]
        return g

    a = grid(a_idx, -1, np.int64)
    b = grid(b_idx, -1, np.int64)
    response = grid(r_idx, -1, np.int64)
    return RepeatedTrials(
        subjects=np.asarray(subjects), options=tuple(names), a=a, b=b, response=response,
        outcome=grid(out, np.nan, np.float64),
        choice=(a >= 0) & (b >= 0),
        learn=grid(learn_row, False, bool),
        row=grid(np.arange(len(t)), -1, np.int64),
        extra=t.iloc[order].reset_index(drop=True),
    )


def subject_seed(subject) -> int:
    """A stable integer for a subject id (ints as themselves, strings by CRC32)."""
    if isinstance(subject, (int, np.integer)) and subject >= 0:
        return int(subject)
    return zlib.crc32(str(subject).encode())


# ---------------------------------------------------------------------- option sampling
def outcome_table(options: OptionDistributions, names: Sequence[str]):
    """(values, cumulative probabilities) arrays (O, max outcomes) of the options ``names``
    (in that order), for `draw_outcomes`."""
    missing = [n for n in names if n not in options]
    if missing:
        raise DataError(f"no outcome distribution for option(s) {missing}; known: "
                        f"{sorted(options)}")
    width = max(len(options[n][0]) for n in names)
    vals = np.zeros((len(names), width))
    cum = np.ones((len(names), width))
    for i, n in enumerate(names):
        v, p = (np.asarray(x, dtype=np.float64) for x in options[n])
        if v.shape != p.shape or v.size == 0 or np.any(p < 0) or abs(p.sum() - 1) > 1e-9:
            raise ValueError(f"option {n!r}: outcomes and probabilities must have the same "
                             f"length and the probabilities must sum to 1, got {options[n]!r}")
        vals[i, :len(v)] = v
        vals[i, len(v):] = v[-1]
        cum[i, :len(v)] = np.cumsum(p)
    return vals, cum


def draw_outcomes(rng: np.random.Generator, table, chosen: np.ndarray) -> np.ndarray:
    """One outcome per entry of ``chosen`` (option indices) from `outcome_table` arrays."""
    vals, cum = table
    u = rng.random(len(chosen))
    k = (u[:, None] >= cum[chosen]).sum(axis=1)
    return vals[chosen, np.minimum(k, vals.shape[1] - 1)]


def simulation_grids(prep: RepeatedTrials, n_agents: int) -> tuple[np.ndarray, ...]:
    """The offered options and empty result grids of ``n_agents`` agents per subject, in
    `simulated_table`'s agent-major layout (agent*P + subject, T): a, b (option indices,
    -1 where none), response (0), outcome, value_a, value_b (NaN)."""
    N, T = n_agents * prep.n_subjects, prep.n_times
    a = np.tile(prep.a, (n_agents, 1))
    b = np.tile(prep.b, (n_agents, 1))
    response = np.zeros((N, T), dtype=np.int64)
    outcome = np.full((N, T), np.nan)
    value_a = np.full((N, T), np.nan)
    value_b = np.full((N, T), np.nan)
    return a, b, response, outcome, value_a, value_b


def simulated_table(prep: RepeatedTrials, n_agents: int, response: np.ndarray,
                    outcome: np.ndarray, value_a: np.ndarray | None = None,
                    value_b: np.ndarray | None = None) -> pd.DataFrame:
    """A trial table from simulated (agent-major: agent*P + subject, T) choices."""
    P = prep.n_subjects
    valid = prep.a >= 0
    frames = []
    names = np.array(prep.options, dtype=object)
    base = prep.extra
    # Row k of `extra` is the k-th valid (subject, time) cell in row-major order; put the
    # rows back in the order of the original table.
    p_idx, j_idx = np.nonzero(valid)
    order = np.argsort(prep.row[p_idx, j_idx], kind="stable")
    p_idx, j_idx = p_idx[order], j_idx[order]
    keep = [c for c in base.columns if c not in ("response", "outcome", "side", "rt")]
    base = base.iloc[order][keep].reset_index(drop=True)
    for g in range(n_agents):
        r = g * P + p_idx
        df = base.copy()
        df.insert(1, "agent", g)
        df["response"] = names[response[r, j_idx]]
        df["outcome"] = outcome[r, j_idx]
        if value_a is not None:
            df["value_a"] = value_a[r, j_idx]
            df["value_b"] = value_b[r, j_idx]
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------ population of a parameter
def lognormal_levels(median: float, spread: float, n_draws: int) -> np.ndarray:
    """The ``n_draws`` equally weighted levels that represent a parameter spread lognormally
    across people (``median * exp(spread * z)``) in a mixture likelihood: its quantiles at
    (k + 1/2) / n_draws; the median alone when ``spread`` is 0 or ``n_draws`` is 1."""
    if spread == 0 or n_draws == 1:
        return np.array([median])
    from scipy.stats import norm  # here, so that reading trial tables does not load SciPy

    z = norm.ppf((np.arange(n_draws) + 0.5) / n_draws)
    return median * np.exp(spread * z)
