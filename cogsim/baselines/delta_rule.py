"""The delta-rule (Rescorla-Wagner / Q-learning) learner with softmax choice.

The standard baseline for repeated choice with partial feedback: each option has a value
Q (all start at ``q0``); after an outcome r of the option chosen (or forced), that option's
value moves towards it, Q <- Q + alpha (r - Q); the others stay.  On a two-option trial
P(choose a) = exp(beta Q_a) / (exp(beta Q_a) + exp(beta Q_b)), a closed form, so the
likelihood is exact.  Trial tables are those of `cogsim.tasks.trials` (same columns, same
handling of forced trials and of responses that are none of the offered options).

`DeltaRulePopulation` adds individual differences in the inverse temperature (lognormal
around the median ``beta``), scored by the same mixture likelihood as the IBL population,
so that the two can be compared with or without a population.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import log_expit

from cogsim.likelihood import mixture_trial_log_likelihood
from cogsim.protocol import Parameter, ParamsMixin
from cogsim.tasks.trials import (
    OptionDistributions,
    RepeatedTrials,
    default_options,
    draw_outcomes,
    lognormal_levels,
    outcome_table,
    prepare_trials,
    simulated_table,
    simulation_grids,
)

__all__ = ["DeltaRuleModel", "DeltaRulePopulation"]


class DeltaRuleModel(ParamsMixin):
    """Delta-rule learner with softmax choice, one parameter set for everybody.

    Parameters
    ----------
    alpha : float
        Learning rate in [0, 1].
    beta : float
        Softmax inverse temperature (per cent of outcome units), >= 0.
    q0 : float
        Initial value of every option.
    seed : int
        Seed of the simulation's random draws.
    n_agents : int
        Simulated agents per subject in `simulate`.
    options : mapping, optional
        Option name -> (outcomes, probabilities) for simulation (default: Niv stimuli).
    """

    data_kind: ClassVar[str] = "trials"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("alpha", 0.3, low=0.0, high=1.0, bounds=(0.0, 1.0), doc="learning rate"),
        Parameter("beta", 1.0, low=0.0, bounds=(0.0, 10.0),
                  doc="softmax inverse temperature"),
        Parameter("q0", 2.0, bounds=(-2.0, 8.0), doc="initial value of every option"),
    )

    def __init__(self, alpha: float = 0.3, beta: float = 1.0, q0: float = 2.0, *,
                 seed: int = 0, n_agents: int = 1, n_draws: int = 8,
                 options: OptionDistributions | None = None):
        self.seed = int(seed)
        for name, v in (("n_agents", n_agents), ("n_draws", n_draws)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        self.n_agents = int(n_agents)
        self.n_draws = int(n_draws)
        self.options = dict(options) if options is not None else default_options()
        self._init_params(alpha=alpha, beta=beta, q0=q0)

    def betas(self) -> np.ndarray:
        """Inverse temperatures the likelihood mixes over (one without a population)."""
        return np.array([self._params["beta"]])

    # --------------------------------------------------------------------- tracing
    def _values(self, prep: RepeatedTrials) -> np.ndarray:
        """Q of every option before each trial: (P, T, O), from the person's outcomes."""
        alpha, q0 = self._params["alpha"], self._params["q0"]
        P, T = prep.n_subjects, prep.n_times
        q = np.full((P, len(prep.options)), q0)
        hist = np.empty((P, T, len(prep.options)))
        rows = np.arange(P)
        for j in range(T):
            hist[:, j] = q
            learn = prep.learn[:, j]
            if learn.any():
                r = rows[learn]
                o = prep.response[r, j]
                q[r, o] += alpha * (prep.outcome[r, j] - q[r, o])
        return hist

    def trial_log_likelihood(self, trials: pd.DataFrame) -> np.ndarray:
        """log P of each person's choice on each two-option trial (forced trials excluded),
        in the order of the choice rows of ``trials``."""
        prep = prepare_trials(trials, need_responses=True)
        hist = self._values(prep)
        P, T = prep.choice.shape
        pi, ti = np.arange(P)[:, None], np.arange(T)[None, :]
        qa = hist[pi, ti, np.maximum(prep.a, 0)]
        qb = hist[pi, ti, np.maximum(prep.b, 0)]
        sign = np.where(prep.response == prep.a, 1.0, -1.0)
        diff = sign * (qa - qb)                                        # chosen minus other
        logp = log_expit(self.betas()[:, None, None] * diff[None])    # (K, P, T)
        ll = mixture_trial_log_likelihood(logp, prep.choice)
        p, j = prep.choice_order()
        return ll[p, j]

    # ------------------------------------------------------------------ simulation
    def simulate(self, trials: pd.DataFrame, n_agents: int | None = None) -> pd.DataFrame:
        """Agents choose by softmax on the subjects' trial sequences, learn drawn outcomes.

        Returns the trial table with the agents' ``response``/``outcome``, an ``agent``
        column and the values ``value_a``/``value_b`` before the choice, rows ordered by
        agent, then as in ``trials``.
        """
        n_agents = self.n_agents if n_agents is None else int(n_agents)
        prep = prepare_trials(trials, need_responses=False)
        table = outcome_table(self.options, prep.options)
        N, T = n_agents * prep.n_subjects, prep.n_times
        rng = np.random.default_rng([self.seed, 2])
        beta = self._agent_betas(rng, N)
        alpha = self._params["alpha"]
        q = np.full((N, len(prep.options)), self._params["q0"])
        a, b, response, outcome, va, vb = simulation_grids(prep, n_agents)
        rows = np.arange(N)
        for j in range(T):
            live = a[:, j] >= 0
            if not live.any():
                continue
            r = rows[live]
            oa, ob = a[r, j], b[r, j]
            two = ob >= 0
            qa = q[r, oa]
            qb = np.where(two, q[r, np.maximum(ob, 0)], np.nan)
            p_a = np.where(two, np.exp(log_expit(beta[r] * np.where(two, qa - qb, 0.0))), 1.0)
            picked = np.where(rng.random(len(r)) < p_a, oa, ob)
            out = draw_outcomes(rng, table, picked)
            q[r, picked] += alpha * (out - q[r, picked])
            response[r, j], outcome[r, j], va[r, j], vb[r, j] = picked, out, qa, qb
        return simulated_table(prep, n_agents, response, outcome, va, vb)

    def _agent_betas(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self._params["beta"])


class DeltaRulePopulation(DeltaRuleModel):
    """Delta rule with a lognormal spread of the inverse temperature across people.

    ``beta`` is the median, ``beta_spread`` the standard deviation of log beta.  The
    likelihood of a person is the mixture over ``n_draws`` quantiles of that distribution
    (returned as per-trial terms, as in `cogsim.ibl.repeated`); simulated agents draw
    their beta from it.
    """

    parameters: ClassVar[tuple[Parameter, ...]] = (
        *DeltaRuleModel.parameters,
        Parameter("beta_spread", 0.0, low=0.0, bounds=(0.0, 3.0),
                  doc="standard deviation of log beta across people"),
    )

    def __init__(self, alpha: float = 0.3, beta: float = 1.0, q0: float = 2.0,
                 beta_spread: float = 0.0, *, seed: int = 0, n_agents: int = 1,
                 n_draws: int = 8, options: OptionDistributions | None = None):
        super().__init__(alpha, beta, q0, seed=seed, n_agents=n_agents, n_draws=n_draws,
                         options=options)
        self._init_params(alpha=alpha, beta=beta, q0=q0, beta_spread=beta_spread)

    def betas(self) -> np.ndarray:
        return lognormal_levels(self._params["beta"], self._params["beta_spread"], self.n_draws)

    def _agent_betas(self, rng: np.random.Generator, n: int) -> np.ndarray:
        beta, spread = self._params["beta"], self._params["beta_spread"]
        return beta * np.exp(spread * rng.standard_normal(n))
