"""An ACT-R account of choice between described gambles, with or without feedback.

Each outcome of each option is a chunk ``(option, outcome)`` in declarative memory.  Reading
the description on a trial is a presentation of every described chunk, weighted by its stated
probability: chunk i of an option gets ``w_i = description_weight * p_i`` presentations
(fractional counts; ``p_i`` uniform over B's distinct outcomes when B is ambiguous and
``ambiguity="uniform"``).  With feedback, the outcome each option paid on the trial is one more
presentation of its chunk.  The value of an option is its blended retrieval over its chunks,
and the model chooses the option with the larger blended value.  The equations are ACT-R's,
computed by :mod:`cogsim.memory` (as for :mod:`cogsim.actr.declarative`) on arrays over
problems x agents x chunks, because description presentations carry fractional weights:

    B_i = ln( w_i sum_j (t - t_j)^-d  +  sum_f (t - t_f)^-d )      base-level learning
    A_i = B_i + eps_i,   eps_i ~ logistic(0, s), one draw per chunk per retrieval
    P_i = exp(A_i / T) / sum_{k in option, A_k >= tau} exp(A_k / T)  blending, T = sqrt(2) s
    V   = sum_i P_i x_i                                              blended value

where ``t_j`` are the times the description was read and ``t_f`` those of the feedback
presentations of chunk i.  Chunks below the retrieval threshold ``tau`` (None: no threshold)
are not candidates; an option with no candidate gets ``failure_value``.  Ties are broken by a
fair coin.  With ``temperature=None`` the blending temperature is ``sqrt(2) s``, or 1 when that
is below 0.01 (PyIBL's rule, so that noise 0 gives T = 1).  Without feedback and without a
threshold, ``B_i = ln p_i + const`` within an option, so the retrieval weights are
``p_i**(1/T) e^(eps_i/T)``: T > 1 overweights rare outcomes, T < 1 underweights them, and with
noise 0 and T = 1 the blended value is the expected value.

Time runs in trials: trial k's retrieval happens at time k, its description is read at
``k - description_lag`` and its feedback (if any) is presented at time k, after the choice.

Feedback outcomes are drawn from the true distributions by inverse CDF on outcomes sorted
ascending, with one uniform per option: the same uniform for ``Corr = 1``, ``u`` and ``1 - u``
for ``Corr = -1`` and independent uniforms for ``Corr = 0``.

Common random numbers: every draw (activation noise, feedback outcomes, tie-breaking) comes
from generators seeded by ``seed`` and the shape of the problem group, and is drawn whatever
the parameters, so the same seed and problem table give the same draws for any parameters.
Everything is vectorized across problems x agents x chunks; the only Python loops are over
trials and over groups of problems with the same number of outcomes.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import pandas as pd

from cogsim.memory import (
    activation_from,
    base_level,
    check_temperature,
    effective_temperature,
    logistic_noise,
    power_decay,
)
from cogsim.memory import blended_values as _blended_values
from cogsim.protocol import Parameter, ParamsMixin
from cogsim.tasks.gambles import (
    AMBIGUITY,
    CPC_BLOCKS,
    PROTOCOLS,
    PaddedProblems,
    feedback_flags,
    pad_problems,
)

__all__ = ["ACTRDescriptionModel", "blended_values"]

C13K_TRIALS = 5
CPC_TRIALS = 25
CPC_NO_FEEDBACK_TRIALS = 5


def blended_values(
    activations: np.ndarray, outcomes: np.ndarray, temperature: float, threshold: float | None
) -> np.ndarray:
    """Blended value ``sum_i P_i x_i`` over the last axis, ``P_i`` softmax of ``A_i / T``.

    Chunks with activation -inf (not in memory) or below ``threshold`` are not candidates;
    rows without any candidate give NaN.  `cogsim.memory.blended_values` with the
    retrieval threshold as the candidates.
    """
    a = np.asarray(activations, dtype=float)
    candidates = None if threshold is None else a >= threshold
    return _blended_values(a, outcomes, temperature, candidates, axis=-1)


class ACTRDescriptionModel(ParamsMixin):
    """ACT-R blended-retrieval model of choice between described gambles.

    Parameters
    ----------
    noise : float
        Activation noise s (ACT-R ``:ans``), >= 0; also sets the blending temperature.
    decay : float
        Base-level decay d (ACT-R ``:bll``), >= 0; matters once feedback adds presentations.
    seed : int
        Seed of the common random numbers.
    n_agents : int
        Simulated agents per problem (the rate is their mean).
    temperature : float or None
        Blending temperature; None means ``sqrt(2) * noise`` (1 if that is below 0.01).
    retrieval_threshold : float or None
        ACT-R ``:rt``; None (default) means no threshold.
    description_weight : float
        Presentations per reading of the description, shared among an option's outcomes in
        proportion to their probabilities (1: one reading counts as much as one observed
        outcome).
    description_lag : float
        Age (in trials) of the current trial's description at the moment of retrieval, > 0.
    failure_value : float
        Value of an option whose retrieval fails (only with a threshold).
    ambiguity : {"uniform", "true"}
        Description weights of an ambiguous B: uniform over its outcomes, or the true ones.
    max_batch_elements : int
        Rows are simulated in batches of about this many problem x agent x chunk x trial
        cells, to bound memory.

    Notes
    -----
    The default noise is the median fit on 100 choices13k rows (held-out MSE 0.029 over 3
    draws, ``experiments/choices13k/baselines.py``): T = sqrt(2) * 0.71 = 1.0, so the
    description alone gives nearly expected-value retrieval weights blurred by noise.  The
    decay is barely identified by five trials (fits of 0.02-0.14 and 0.5 give held-out MSEs
    within 0.0002), so it keeps ACT-R's standard 0.5.
    """

    data_kind: ClassVar[str] = "rates"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("noise", 0.71, low=0.0, bounds=(0.1, 2.0), doc="activation noise s (:ans)"),
        Parameter("decay", 0.5, low=0.0, bounds=(0.01, 2.0), doc="base-level decay d (:bll)"),
    )

    def __init__(
        self,
        noise: float = 0.71,
        decay: float = 0.5,
        *,
        seed: int = 0,
        n_agents: int = 100,
        temperature: float | None = None,
        retrieval_threshold: float | None = None,
        description_weight: float = 1.0,
        description_lag: float = 0.5,
        failure_value: float = 0.0,
        ambiguity: str = "uniform",
        max_batch_elements: int = 4_000_000,
    ):
        self.seed = int(seed)
        if isinstance(n_agents, bool) or not isinstance(n_agents, (int, np.integer)):
            raise ValueError(f"n_agents must be a positive integer, got {n_agents!r}")
        if n_agents < 1:
            raise ValueError(f"n_agents must be a positive integer, got {n_agents!r}")
        self.n_agents = int(n_agents)
        self.temperature = check_temperature(temperature)
        if retrieval_threshold is not None and not math.isfinite(retrieval_threshold):
            raise ValueError(
                f"retrieval_threshold must be finite or None, got {retrieval_threshold!r}"
            )
        self.retrieval_threshold = (
            None if retrieval_threshold is None else float(retrieval_threshold)
        )
        if not (math.isfinite(description_weight) and description_weight >= 0):
            raise ValueError(f"description_weight must be >= 0, got {description_weight!r}")
        self.description_weight = float(description_weight)
        if not (math.isfinite(description_lag) and description_lag > 0):
            raise ValueError(f"description_lag must be > 0, got {description_lag!r}")
        self.description_lag = float(description_lag)
        self.failure_value = float(failure_value)
        if ambiguity not in AMBIGUITY:
            raise ValueError(f"ambiguity must be one of {AMBIGUITY}, got {ambiguity!r}")
        self.ambiguity = ambiguity
        self.max_batch_elements = int(max_batch_elements)
        self._init_params(noise=noise, decay=decay)


    def __repr__(self) -> str:
        return f"ACTRDescriptionModel(noise={self.noise:.4g}, decay={self.decay:.4g})"

    @property
    def effective_temperature(self) -> float:
        """The blending temperature in use (see ``temperature``)."""
        return float(effective_temperature(self.temperature, self.noise))

    # ------------------------------------------------------------------ prediction
    def predict_rates(self, problems: pd.DataFrame, protocol: str = "c13k") -> np.ndarray:
        """Simulated rate of choosing B.

        ``"c13k"``: shape (n,), the mean over 5 trials and the agents, with full feedback after
        each trial where the row's ``Feedback`` (or ``feedback``) column is true (default
        true).  ``"cpc"``: shape (n, 5), block rates of 25 trials, 1-5 without feedback and
        6-25 with full feedback.
        """
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        d = pad_problems(problems)
        if protocol == "c13k":
            n_trials = C13K_TRIALS
            fb = feedback_flags(problems)[:, None] & np.ones(n_trials, dtype=bool)
        else:
            n_trials = CPC_TRIALS
            after = np.arange(1, n_trials + 1) > CPC_NO_FEEDBACK_TRIALS
            fb = np.broadcast_to(after, (d.n, n_trials))
        rates = self.simulate(d, fb)
        if protocol == "c13k":
            return rates.mean(axis=1)
        return rates.reshape(d.n, CPC_BLOCKS, n_trials // CPC_BLOCKS).mean(axis=2)

    def simulate(self, d: PaddedProblems, feedback: np.ndarray) -> np.ndarray:
        """Per-trial rates of choosing B, shape (n, n_trials), for padded problems.

        ``feedback[r, k]`` says whether the outcomes of trial k+1 of problem r are shown
        after the choice.
        """
        n, n_trials = feedback.shape
        rates = np.zeros((n, n_trials))
        pb_seen = d.perceived_pb(self.ambiguity)
        keys = np.stack([d.k_a, d.k_b], axis=1)
        for ka, kb in sorted({(int(a), int(b)) for a, b in keys}):
            rows = np.flatnonzero((d.k_a == ka) & (d.k_b == kb))
            per_row = self.n_agents * (ka + kb) * n_trials
            size = max(1, self.max_batch_elements // per_row)
            for b, start in enumerate(range(0, len(rows), size)):
                r = rows[start : start + size]
                rng = np.random.default_rng([self.seed, ka, kb, b])
                rates[r] = self._simulate_group(
                    x=np.concatenate([d.xa[r, :ka], d.xb[r, :kb]], axis=1),
                    p_true=(d.pa[r, :ka], d.pb[r, :kb]),
                    w=self.description_weight
                    * np.concatenate([d.pa[r, :ka], pb_seen[r, :kb]], axis=1),
                    ka=ka,
                    corr=d.corr[r],
                    feedback=np.asarray(feedback[r], dtype=bool),
                    rng=rng,
                )
        return rates

    def _simulate_group(
        self,
        x: np.ndarray,
        p_true: tuple[np.ndarray, np.ndarray],
        w: np.ndarray,
        ka: int,
        corr: np.ndarray,
        feedback: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Rates (rows, n_trials) for rows whose options have ka and K - ka outcomes."""
        n_rows, k = x.shape
        m = self.n_agents
        n_trials = feedback.shape[1]
        d, s, temp = self.decay, self.noise, self.effective_temperature
        cum_a = np.cumsum(p_true[0], axis=1)[:, None, :-1]  # (rows, 1, ka-1)
        cum_b = np.cumsum(p_true[1], axis=1)[:, None, :-1]
        seen = np.zeros((n_trials, n_rows, m, k), dtype=np.float32)  # feedback indicators
        rates = np.zeros((n_rows, n_trials))
        xa, xb = x[:, None, :ka], x[:, None, ka:]
        for t in range(1, n_trials + 1):
            # draws first, whatever the parameters (common random numbers)
            eps = logistic_noise(rng, s, (n_rows, m, k))      # drawn for any s (CRN)
            u = rng.random((2, n_rows, m))
            tie = rng.random((n_rows, m))
            desc = np.sum(power_decay(t - np.arange(1, t + 1) + self.description_lag, d))
            strength = (w * desc)[:, None, :]
            if t > 1:
                ages = power_decay(t - np.arange(1, t), d)
                strength = strength + np.tensordot(ages, seen[: t - 1], axes=1)
            act = activation_from(base_level(strength), eps)
            va = blended_values(act[..., :ka], xa, temp, self.retrieval_threshold)
            vb = blended_values(act[..., ka:], xb, temp, self.retrieval_threshold)
            va = np.where(np.isnan(va), self.failure_value, va)
            vb = np.where(np.isnan(vb), self.failure_value, vb)
            choose_b = (vb > va) | ((vb == va) & (tie < 0.5))
            rates[:, t - 1] = choose_b.mean(axis=1)
            if t < n_trials and feedback[:, t - 1].any():
                ua = u[0]
                ub = np.where(corr[:, None] == 1, ua, np.where(corr[:, None] == -1, 1.0 - ua, u[1]))
                ia = (ua[..., None] >= cum_a).sum(axis=-1)
                ib = (ub[..., None] >= cum_b).sum(axis=-1)
                on = feedback[:, t - 1, None].astype(np.float32)
                rows_i = np.arange(n_rows)[:, None]
                agents_i = np.arange(m)[None, :]
                seen[t - 1, rows_i, agents_i, ia] = on
                seen[t - 1, rows_i, agents_i, ka + ib] = on
        return rates
