"""IBL agents for repeated choice with partial feedback: model tracing and simulation.

The task (e.g. the Niv et al. four-option task, `cogsim.datasets.fetch_niv_riskdata`): on
each trial a person sees one or two options, picks one (forced trials: the only one), and
sees the outcome of the option picked only.  An IBL agent stores one instance per
(option, outcome), with a reference each time that outcome is seen; it values each option
by the blended utility of that option's instances and picks the highest value.  An option
never seen gets the default utility, which (PyIBL 5.2's ``default_utility_populates``) is
stored as an instance at time 0 and keeps taking part in the blend ever after.

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

**Population.**  Agents differ in activation noise: noise = ``noise * exp(noise_spread * z)``
with z standard normal (a lognormal around the median ``noise``); decay and default
utility are shared.  ``noise_spread = 0`` is one value for all.

**Two optional additions** (off by default, i.e. PyIBL semantics):

* ``prior``: utilities prepopulated, with the default utility, as instances of every
  option at time 0 (PyIBL ``populate(..., when=0)``), e.g. the payoff range (0, 4).  An
  unexperienced option is then valued by a noisy blend of these prior instances instead
  of exactly the default utility, and the prior fades as experiences accumulate (their
  base-level activation outgrows the time-0 references).  Without it PyIBL's argmax makes
  every choice involving a novel option deterministic (novel wins iff the default beats
  the other option's outcomes), which human first trials are not.
* ``lapse``: with this probability a two-option choice is made at random ("trembling
  hand"); the choice probability becomes lapse/2 + (1 - lapse) P.

**Model tracing** (`IBLRepeatedModel.trial_log_likelihood`): each person's own choices and
outcomes are fed to the agents; the choice probability has no closed form under noise, so
it is simulated with common random numbers (the same seed gives the same standard noise
draws whatever the parameters, so the objective is a deterministic function of them):

* the population is represented by ``n_draws`` equally weighted noise levels at the
  quantiles (k + 1/2)/K of its distribution;
* for each level, M = ``n_samples`` independent noise draws of every instance give M
  samples of each offered option's blended value.  In IBL without partial matching the
  two options' values depend on disjoint instances, hence on independent noise, so
  P(choose a) = P(V_a > V_b) + P(V_a = V_b)/2 (ties are broken at random) is estimated
  from all M x M pairs of samples (a U-statistic: much less variance than the fraction
  of M agents choosing a), smoothed to (count + 1/2)/(M^2 + 1);
* the population likelihood of a person is the mixture over levels of the product of
  the per-trial probabilities (each person is one draw from the population).  It is
  returned split into per-trial terms that sum to it: log P(c_t | c_<t) =
  log sum_k w_k(t) P_k(c_t), with w_k(t) proportional to prod_{s<t} P_k(c_s) (the
  posterior over levels after the person's earlier choices).

The activation math (base-level learning, noise, softmax at the temperature, blending) is
`cogsim.memory`'s, in PyIBL's double-precision order.  With noise 0 the blended values
are PyIBL 5.2's exactly (tested to 1e-9); with noise the agents match
`cogsim.ibl.IBLBatch` in distribution (tested).

**Simulation** (`IBLRepeatedModel.simulate`) runs `IBLBatch` agents (one or more per
subject, each with noise drawn from the population) on the subjects' trial sequences,
making their own choices; outcomes are drawn from the options' distributions
(`cogsim.datasets.niv.NIV_STIMULI` by default).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import logsumexp
from scipy.stats import norm

from cogsim.errors import DataError, show, where
from cogsim.ibl.batched import IBLBatch
from cogsim.memory import (
    activation_from,
    base_level,
    blend,
    check_temperature,
    effective_temperature,
    noise_term,
    power_decay,
    retrieval_weights,
    standard_logistic,
)
from cogsim.protocol import Parameter, ParamsMixin

__all__ = ["IBLRepeatedModel", "RepeatedTrials", "prepare_trials", "block_rates",
           "mixture_trial_log_likelihood", "OptionDistributions", "TRACE_COLUMNS",
           "SIMULATE_COLUMNS", "default_options", "outcome_table", "draw_outcomes",
           "simulated_table"]

#: Columns needed for model tracing and for simulation.
TRACE_COLUMNS = ("subject", "trial", "option_a", "option_b", "response", "outcome")
SIMULATE_COLUMNS = ("subject", "trial", "option_a", "option_b")

#: Option name -> (outcomes, probabilities).
OptionDistributions = Mapping[str, tuple[Sequence[float], Sequence[float]]]


def default_options() -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    """The options of the Niv et al. task (`cogsim.datasets.niv.NIV_STIMULI`), the default
    outcome distributions of the repeated-choice models."""
    from cogsim.datasets.niv import NIV_STIMULI
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
                            f"got {show(t['outcome'].iloc[i])}")
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


def _subject_seed(subject) -> int:
    """A stable integer for a subject id (ints as themselves, strings by CRC32)."""
    if isinstance(subject, (int, np.integer)) and subject >= 0:
        return int(subject)
    return zlib.crc32(str(subject).encode())


def mixture_trial_log_likelihood(logp: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-trial terms of a mixture likelihood over K equally weighted components.

    ``logp`` (K, P, T) holds log P_k of each observed choice, ``mask`` (P, T) which
    entries are trials.  Returns (P, T): log P(c_t | c_<t) = log sum_k w_k P_k(c_t), with
    w_k the posterior weight of component k after the earlier trials; the terms of a
    person sum to log mean_k prod_t P_k(c_t).  Masked-out entries are 0.
    """
    logp = np.where(mask, logp, 0.0)
    if logp.shape[0] == 1:
        return logp[0]
    cum = np.cumsum(logp, axis=-1)
    prev = cum - logp
    return np.where(mask, logsumexp(cum, axis=0) - logsumexp(prev, axis=0), 0.0)


# ------------------------------------------------------------------------------ rates
def block_rates(trials: pd.DataFrame, trialtype: int | None = 2, n_blocks: int = 4,
                risky: str | None = "S2", pair: tuple[str, str] | None = None) -> pd.DataFrame:
    """Per-block rate of choosing the risky option, for human or simulated trials.

    Parameters
    ----------
    trials : DataFrame
        A trial table (human or from ``simulate``) with ``trial`` and ``response`` and
        either ``trialtype`` (used when ``trialtype`` is given) or the offered options.
    trialtype : int or None
        Keep trials of this type (2: the Niv risk trials, S2 vs S3).  With None, or when
        the table has no ``trialtype`` column, keep the trials offering ``pair``
        (default: ``risky`` and any other option).
    n_blocks : int
        Blocks of equal length over the trial numbers 1..max (176 trials: 4 x 44).
    risky : str
        The option whose choice rate is returned.

    Returns
    -------
    DataFrame with columns ``block`` (1..n_blocks), ``rate`` (pooled over all rows, i.e.
    people and simulated agents) and ``n`` (trials in the block).
    """
    for col in ("trial", "response"):
        if col not in trials.columns:
            raise DataError(f"{where('trials', column=col)}: missing column {col!r}")
    if trialtype is not None and "trialtype" in trials.columns:
        t = trials[trials["trialtype"] == trialtype]
    else:
        for col in ("option_a", "option_b"):
            if col not in trials.columns:
                raise DataError(f"{where('trials', column=col)}: missing column {col!r}")
        offered = {risky} if pair is None else set(pair)
        oa, ob = trials["option_a"].astype(str), trials["option_b"].astype(str)
        if pair is None:
            keep = (oa == risky) | (ob == risky)
            keep &= trials["option_b"].notna()
        else:
            keep = oa.isin(offered) & ob.isin(offered) & (oa != ob)
        t = trials[keep]
    n_trials = int(trials["trial"].max())
    block = ((t["trial"].to_numpy() - 1) * n_blocks // n_trials).astype(int) + 1
    chose = (t["response"] == risky).to_numpy(dtype=float)
    g = pd.DataFrame({"block": block, "chose": chose}).groupby("block")["chose"]
    out = pd.DataFrame({"rate": g.mean(), "n": g.size()}).reindex(range(1, n_blocks + 1))
    out.index.name = "block"
    return out.reset_index()


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


# ---------------------------------------------------------------------------- the model
class IBLRepeatedModel(ParamsMixin):
    """A population of IBL agents for repeated choice with partial feedback.

    Parameters
    ----------
    noise : float
        Median activation noise s of the population.
    noise_spread : float
        Standard deviation of log noise across agents (0: all agents alike).
    decay : float
        Base-level decay d.
    default_utility : float
        Value of an option before any experience (stored at time 0, PyIBL's populate).
    lapse : float
        Probability of a random choice on a two-option trial (a fixed setting unless a
        subclass lists it in ``param_names``).
    prior : sequence of float
        Utilities prepopulated at time 0 for every option besides the default utility.
    seed : int
        Seed of every random draw (noise draws for tracing, agents for simulation).
    temperature : float or None
        Blending temperature; None ties it to each agent's noise (s * sqrt 2, PyIBL).
    n_samples : int
        M, noise draws per option and trial in tracing (M^2 value pairs compared).
    n_draws : int
        K, noise levels representing the population in tracing (1 if noise_spread is 0).
    n_agents : int
        Simulated agents per subject in `simulate`.
    options : mapping, optional
        Option name -> (outcomes, probabilities) for simulation (default: Niv stimuli).
    """

    data_kind: ClassVar[str] = "trials"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("noise", 0.5, low=0.0, bounds=(0.05, 3.0),
                  doc="median activation noise of the population"),
        Parameter("noise_spread", 0.0, low=0.0, bounds=(0.0, 2.5),
                  doc="standard deviation of log noise across agents"),
        Parameter("decay", 0.5, low=0.0, bounds=(0.05, 2.5), doc="base-level decay d"),
        Parameter("default_utility", 5.0, bounds=(0.0, 12.0),
                  doc="value of an option before any experience"),
        Parameter("lapse", 0.0, low=0.0, high=1.0, bounds=(0.0, 0.6), free=False,
                  doc="probability of a random two-option choice"),
    )
    #: Noise draws per option (M) when fitting, and when scoring held-out people (the
    #: estimate of a log-likelihood is biased low for small M).
    CALIBRATION_SAMPLES: ClassVar[dict[str, int]] = {"fit": 32, "score": 128}

    def __init__(self, noise: float = 0.5, noise_spread: float = 0.0, decay: float = 0.5,
                 default_utility: float = 5.0, *, lapse: float = 0.0,
                 prior: Sequence[float] = (), seed: int = 0,
                 temperature: float | None = None, n_samples: int = 64, n_draws: int = 8,
                 n_agents: int = 1, options: OptionDistributions | None = None,
                 chunk_size: int = 64):
        self.seed = int(seed)
        self.temperature = check_temperature(temperature)
        self.prior = tuple(float(u) for u in prior)
        if not all(math.isfinite(u) for u in self.prior):
            raise ValueError(f"prior must be finite utilities, got {prior!r}")
        for name, v, lo in (("n_samples", n_samples, 1), ("n_draws", n_draws, 1),
                            ("n_agents", n_agents, 1), ("chunk_size", chunk_size, 1)):
            if not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        self.n_samples, self.n_draws, self.n_agents = int(n_samples), int(n_draws), int(n_agents)
        self.chunk_size = int(chunk_size)
        self.options = dict(options) if options is not None else default_options()
        self._init_params(noise=noise, noise_spread=noise_spread, decay=decay,
                          default_utility=default_utility, lapse=lapse)
        self._cache: tuple | None = None

    # ------------------------------------------------------------------ parameters
    @classmethod
    def calibration_settings(cls, data: pd.DataFrame, purpose: str = "fit") -> dict:
        """Settings calibration derives from a trial table.

        Agents start with instances of both ends of the payoff range observed (so that an
        untried option has a noisy value, as people's 50/50 first choices need), and
        estimate choice probabilities from ``CALIBRATION_SAMPLES[purpose]`` noise draws
        per option (32 while fitting, 128 when scoring held-out people).
        """
        outcomes = pd.to_numeric(data["outcome"], errors="coerce")
        return {"prior": (float(outcomes.min()), float(outcomes.max())),
                "n_samples": cls.CALIBRATION_SAMPLES[purpose]}

    def noise_levels(self) -> np.ndarray:
        """The K noise levels (population quantiles) that tracing averages over."""
        s, spread = self._params["noise"], self._params["noise_spread"]
        if spread == 0 or self.n_draws == 1:
            return np.array([s])
        z = norm.ppf((np.arange(self.n_draws) + 0.5) / self.n_draws)
        return s * np.exp(spread * z)

    # --------------------------------------------------------------------- tracing
    def _prepared(self, trials: pd.DataFrame) -> tuple[RepeatedTrials, dict]:
        """Prepared arrays and the fixed standard noise for a table (cached: the
        optimizer calls the likelihood many times on the same table)."""
        key = (id(trials), len(trials), self.seed, self.n_samples, self.prior,
               int(pd.util.hash_pandas_object(trials[[c for c in TRACE_COLUMNS
                                                      if c in trials.columns]].astype(str),
                                              index=False).sum()))
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1], self._cache[2]
        prep = prepare_trials(trials, need_responses=True)
        fixed = self._fixed_arrays(prep)
        self._cache = (key, prep, fixed)
        return prep, fixed

    def _fixed_arrays(self, prep: RepeatedTrials) -> dict:
        """Parameter-free arrays: instance slots, reference indicators, noise draws."""
        P, T = prep.n_subjects, prep.n_times
        O = len(prep.options)
        pl, jl = np.nonzero(prep.learn)
        pairs = sorted({(int(prep.response[p, j]), float(prep.outcome[p, j]))
                        for p, j in zip(pl, jl)})
        slot_of = {pr: i for i, pr in enumerate(pairs)}
        refs = np.zeros((P, max(len(pairs), 1), T))
        if len(pl):
            s = [slot_of[(int(prep.response[p, j]), float(prep.outcome[p, j]))]
                 for p, j in zip(pl, jl)]
            refs[pl, s, jl] = 1.0
        # Instance columns of each option: column 0 is the default instance.
        per_opt = [[i for i, (o, _) in enumerate(pairs) if o == k] for k in range(O)]
        q = 1 + len(self.prior)
        width = q + max((len(x) for x in per_opt), default=0)
        col_slot = np.full((O, width), -1)
        col_u = np.zeros((O, width))
        for k, slots in enumerate(per_opt):
            col_slot[k, q:q + len(slots)] = slots
            col_u[k, q:q + len(slots)] = [pairs[i][1] for i in slots]
        # Choice trials, compressed per subject: (P, C) with padding.
        nc = prep.choice.sum(axis=1)
        C = int(nc.max()) if P else 0
        cj = np.zeros((P, C), dtype=np.int64)
        cmask = np.arange(C)[None, :] < nc[:, None]
        pc, jc = np.nonzero(prep.choice)
        cpos = np.concatenate([np.arange(n) for n in nc]) if len(pc) else np.array([], int)
        cj[pc, cpos] = jc
        side_opt = np.stack([np.where(cmask, prep.a[np.arange(P)[:, None], cj], 0),
                             np.where(cmask, prep.b[np.arange(P)[:, None], cj], 0)], axis=1)
        chose_a = np.where(cmask, prep.response[np.arange(P)[:, None], cj]
                           == prep.a[np.arange(P)[:, None], cj], True)
        # Standard logistic noise: per subject, (M, side, column, choice trial), float32.
        M = self.n_samples
        noise = np.empty((P, M, 2, width, C), dtype=np.float32)
        for p, subj in enumerate(prep.subjects):
            rng = np.random.default_rng([self.seed, _subject_seed(subj)])
            noise[p] = standard_logistic(rng, (M, 2, width, C))
        return dict(pairs=pairs, refs=refs, col_slot=col_slot, col_u=col_u, cj=cj,
                    cmask=cmask, side_opt=side_opt, chose_a=chose_a, noise=noise)

    def _sums(self, fx: dict, prep: RepeatedTrials, subj: np.ndarray, decay: float,
              u0: float):
        """Sum of (t - t_k)^-d over each offered option's instances at each choice trial.

        Returns (sums (p, 2, width, C), utilities (p, 2, width, C)).
        """
        T = prep.n_times
        j = np.arange(T)
        W = power_decay(j[:, None] - j[None, :], decay)                 # weight (time_j - time_i)
        s_exp = fx["refs"][subj] @ W.T                                  # (p, slots, T)
        default = power_decay(j + 1.0, decay)                          # reference at time 0
        col_slot, col_u = fx["col_slot"], fx["col_u"].copy()
        prior = (u0,) + tuple(self.prior)          # instances stored at time 0
        q = len(prior)
        col_u[:, :q] = prior
        O, width = col_slot.shape
        p = len(subj)
        per_opt = np.zeros((p, O, width, T))
        for o in range(O):
            for c in range(q, width):
                if col_slot[o, c] >= 0:
                    per_opt[:, o, c] = s_exp[:, col_slot[o, c]]
            for i, u in enumerate(prior):
                # A reference at time 0 goes to the instance (option, u): an experienced
                # one, an earlier prior one with the same utility, or its own column.
                same = np.flatnonzero((col_u[o] == u) & (col_slot[o] >= 0))
                if not same.size:
                    same = np.flatnonzero(col_u[o, :i] == u)
                per_opt[:, o, same[0] if same.size else i] += default
        cj = fx["cj"][subj]
        so = fx["side_opt"][subj]                                      # (p, 2, C)
        pi = np.arange(p)[:, None, None, None]
        ci = np.arange(width)[None, None, :, None]
        sums = per_opt[pi, so[:, :, None, :], ci, cj[:, None, None, :]]
        utils = np.broadcast_to(col_u[so[:, :, None, :], ci], sums.shape)
        return sums, utils

    def _values(self, fx: dict, prep: RepeatedTrials, subj: np.ndarray, levels: np.ndarray):
        """Blended-value samples (K, p, M, 2, C) of the two offered options."""
        d, u0 = self._params["decay"], self._params["default_utility"]
        sums, utils = self._sums(fx, prep, subj, d, u0)
        present = sums > 0
        base = base_level(sums)[:, None]
        taus = effective_temperature(self.temperature, levels)
        out = []
        noise = fx["noise"][subj]                                      # (p, M, 2, w, C)
        for s, tau in zip(levels, taus):
            act = activation_from(base, noise_term(noise, s)) if s > 0 else \
                np.broadcast_to(base, noise.shape)
            # PyIBL's exp(A/tau) bit for bit (unless it would overflow), then the blend.
            w = retrieval_weights(act, present[:, None], tau, axis=3)
            out.append(blend(w, utils[:, None], axis=3))
        return np.stack(out)

    def blended_values(self, trials: pd.DataFrame) -> np.ndarray:
        """Blended-value samples of both options on each choice trial.

        Returns an array (n_choice_trials, K, M, 2) in the order of the choice rows of
        ``trials``: K population noise levels, M noise draws, options a and b.  With
        noise 0 all samples are the deterministic (PyIBL) values.
        """
        prep, fx = self._prepared(trials)
        levels = self.noise_levels()
        v = self._values(fx, prep, np.arange(prep.n_subjects), levels)  # (K, P, M, 2, C)
        p, j = prep.choice_order()
        cpos = _choice_positions(prep, fx)[p, j]
        return v[:, p, :, :, cpos]                                     # (n, K, M, 2)

    def choice_probabilities(self, trials: pd.DataFrame) -> np.ndarray:
        """Smoothed P(observed choice) per noise level: (K, n_choice_trials), table order."""
        prep, fx = self._prepared(trials)
        logp = self._level_log_probs(prep, fx)
        p, j = prep.choice_order()
        cpos = _choice_positions(prep, fx)[p, j]
        return np.exp(logp[:, p, cpos])

    def _level_log_probs(self, prep: RepeatedTrials, fx: dict) -> np.ndarray:
        """log P_k(observed choice) per level: (K, P, C), 0 on padding."""
        levels = self.noise_levels()
        P = prep.n_subjects
        C = fx["cj"].shape[1]
        M = self.n_samples
        lapse = self._params["lapse"]
        out = np.zeros((len(levels), P, C))
        for start in range(0, P, self.chunk_size):
            subj = np.arange(start, min(P, start + self.chunk_size))
            v = self._values(fx, prep, subj, levels)                  # (K, p, M, 2, C)
            win_a = _pair_wins(v[:, :, :, 0], v[:, :, :, 1])           # (K, p, C)
            chose_a = fx["chose_a"][subj]
            k = np.where(chose_a, win_a, M * M - win_a)
            prob = (k + 0.5) / (M * M + 1.0)
            if lapse:
                prob = lapse / 2 + (1 - lapse) * prob
            out[:, subj] = np.log(prob)
        return np.where(fx["cmask"], out, 0.0)

    def trial_log_likelihood(self, trials: pd.DataFrame) -> np.ndarray:
        """log P of each person's choice on each two-option trial (forced trials excluded).

        The per-person sum is the log of the population mixture likelihood (see the
        module docstring).  Returned in the order of the choice rows of ``trials``.
        """
        prep, fx = self._prepared(trials)
        logp = self._level_log_probs(prep, fx)
        ll = mixture_trial_log_likelihood(logp, fx["cmask"])
        p, j = prep.choice_order()
        cpos = _choice_positions(prep, fx)[p, j]
        return ll[p, cpos]

    # ------------------------------------------------------------------ simulation
    def simulate(self, trials: pd.DataFrame, n_agents: int | None = None) -> pd.DataFrame:
        """Agents choose on the subjects' trial sequences and learn from drawn outcomes.

        Each subject gets ``n_agents`` (default: the model's) agents, each with its noise
        drawn from the population.  Returns the trial table with the agents' ``response``
        and ``outcome``, an ``agent`` column and the blended values ``value_a``/``value_b``
        (NaN for b on forced trials), rows ordered by agent, then as in ``trials``.
        """
        n_agents = self.n_agents if n_agents is None else int(n_agents)
        prep = prepare_trials(trials, need_responses=False)
        table = outcome_table(self.options, prep.options)
        P, T = prep.n_subjects, prep.n_times
        N = n_agents * P
        rng = np.random.default_rng([self.seed, 1])
        s, spread = self._params["noise"], self._params["noise_spread"]
        noise = s * np.exp(spread * rng.standard_normal(N)) if spread > 0 else np.full(N, s)
        batch = IBLBatch(N, ["option"], noise=noise, decay=self._params["decay"],
                         temperature=self.temperature,
                         default_utility=self._params["default_utility"], seed=rng)
        if self.prior:
            everything = np.arange(len(prep.options), dtype=np.float64)[:, None]
            for u in (self._params["default_utility"],) + self.prior:
                batch.populate(everything, u, when=0)
        a = np.tile(prep.a, (n_agents, 1))
        b = np.tile(prep.b, (n_agents, 1))
        response = np.full((N, T), 0, dtype=np.int64)
        outcome = np.full((N, T), np.nan)
        va = np.full((N, T), np.nan)
        vb = np.full((N, T), np.nan)
        lapse = self._params["lapse"]
        for j in range(T):
            for two in (False, True):
                agents = np.flatnonzero((a[:, j] >= 0) & ((b[:, j] >= 0) == two))
                if not agents.size:
                    continue
                opts = a[agents, j][:, None] if not two else np.stack(
                    [a[agents, j], b[agents, j]], axis=1)
                chosen = batch.choose(opts[:, :, None].astype(np.float64), agents=agents)
                if two and lapse:
                    slip = rng.random(len(agents)) < lapse
                    chosen = np.where(slip, rng.integers(0, 2, len(agents)), chosen)
                picked = opts[np.arange(len(agents)), chosen]
                out = draw_outcomes(rng, table, picked)
                batch.respond(out, choices=chosen)
                response[agents, j] = picked
                outcome[agents, j] = out
                va[agents, j] = batch.last_blended[:, 0]
                if two:
                    vb[agents, j] = batch.last_blended[:, 1]
        return simulated_table(prep, n_agents, response, outcome, va, vb)


def _pair_wins(va: np.ndarray, vb: np.ndarray) -> np.ndarray:
    """Count over all M x M sample pairs of [a > b] + [a == b]/2; inputs (..., M, C).

    Sorting instead of comparing every pair: each (level, person, trial) row of b is
    sorted and shifted into its own disjoint interval of the real line, so that one
    ``searchsorted`` counts, for every a, the b below it and the b equal to it.
    """
    M = va.shape[-2]
    a = np.moveaxis(va, -2, -1)
    b = np.moveaxis(vb, -2, -1)
    shape = a.shape[:-1]
    a = a.reshape(-1, M)
    b = b.reshape(-1, M)
    lo = min(a.min(), b.min())
    span = max(a.max(), b.max()) - lo + 1.0
    off = (np.arange(len(a)) * span)[:, None] - lo
    keys = np.sort(b + off, axis=1).ravel()
    q = a + off
    first = (np.arange(len(a)) * M)[:, None]
    below = np.searchsorted(keys, q, side="left") - first
    upto = np.searchsorted(keys, q, side="right") - first
    return (below + 0.5 * (upto - below)).sum(axis=1).reshape(shape)


def _choice_positions(prep: RepeatedTrials, fx: dict) -> np.ndarray:
    """(P, T) -> position of a choice trial in the compressed (P, C) arrays."""
    pos = np.full((prep.n_subjects, prep.n_times), -1)
    p, c = np.nonzero(fx["cmask"])
    pos[p, fx["cj"][p, c]] = c
    return pos
