"""IBL agents for repeated choice with partial feedback: model tracing and simulation.

The task (e.g. the Niv et al. four-option task, `cogsim.datasets.fetch_niv_riskdata`): on
each trial a person sees one or two options, picks one (forced trials: the only one), and
sees the outcome of the option picked only.  An IBL agent stores one instance per
(option, outcome), with a reference each time that outcome is seen; it values each option
by the blended utility of that option's instances and picks the highest value.  An option
never seen gets the default utility, which (PyIBL 5.2's ``default_utility_populates``) is
stored as an instance at time 0 and keeps taking part in the blend ever after.

The trial table and its checks are `cogsim.tasks.trials`'s.

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
(`cogsim.tasks.trials.NIV_STIMULI` by default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd

from cogsim.ibl.batched import IBLBatch
from cogsim.likelihood import mixture_trial_log_likelihood
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
from cogsim.tasks.trials import (
    TRACE_COLUMNS,
    OptionDistributions,
    RepeatedTrials,
    default_options,
    draw_outcomes,
    lognormal_levels,
    outcome_table,
    prepare_trials,
    simulated_table,
    simulation_grids,
    subject_seed,
)

__all__ = ["IBLRepeatedModel"]


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
        return lognormal_levels(self._params["noise"], self._params["noise_spread"],
                                self.n_draws)

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
            rng = np.random.default_rng([self.seed, subject_seed(subj)])
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
        N, T = n_agents * prep.n_subjects, prep.n_times
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
        a, b, response, outcome, va, vb = simulation_grids(prep, n_agents)
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
