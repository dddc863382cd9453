"""Expected value and cumulative prospect theory for described gambles, with a logit choice rule.

Both models predict the rate of choosing option B in competition-format gamble problems
(CPC15/CPC18, choices13k; see :mod:`cogsim.tasks.gambles`), the classic baselines that cognitive
models of decisions from description are compared against.

* `ExpectedValueModel`: ``P(B) = 1 / (1 + exp(-(EV_B - EV_A) / temperature))``; one free
  parameter, the temperature (in payoff units).
* `ProspectTheoryModel`: cumulative prospect theory (Tversky & Kahneman 1992, "Advances in
  prospect theory", J. Risk Uncertainty 5, 297-323).  Value function ``v(x) = x**alpha`` for
  gains and ``-lambda * (-x)**beta`` for losses (``beta`` tied to ``alpha`` unless set);
  probability weighting function of Tversky & Kahneman's form
  ``w(p) = p**g / (p**g + (1 - p)**g)**(1/g)`` (or Prelec's ``exp(-(-ln p)**g)`` with
  ``weighting="prelec"``), one ``gamma`` for gains and losses; rank-dependent decision weights
  computed separately for gains (from the best outcome down) and losses (from the worst up)
  on the full multi-outcome distributions; logit choice on ``V_B - V_A`` with a temperature.
  Free parameters: alpha, lambda, gamma, temperature.
* `ScaledProspectTheoryModel`: the same CPT with the logit's difference scaled by the
  problem's payoff range in value units, ``P(B) = expit((V_B - V_A) / (temperature *
  (v(x_max) - v(x_min))))`` over all outcomes of both options: the same four parameters,
  with a temperature that no longer has to serve problems of payoffs 1 and 100 at once.

Ambiguity (``Amb``: B's probabilities hidden from the participant): by default
(``ambiguity="uniform"``) the models treat B's distinct outcomes as equally likely, which is
what a participant who sees only the outcomes can assume; ``ambiguity="true"`` uses the true
probabilities.  Feedback is ignored: the predicted rate is the same in every block.

Outcome distributions come from :func:`cogsim.tasks.gambles.option_distributions` and are
padded once per problem table into ``(n, K)`` arrays (outcomes ascending, padding of
probability 0 at the end), cached by content, so that repeated predictions on the same
table (calibration) cost only the array arithmetic.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import expit

from cogsim.protocol import Parameter, ParamsMixin
from cogsim.tasks.gambles import AMBIGUITY, CPC_BLOCKS, PROTOCOLS, pad_problems

__all__ = [
    "expected_values",
    "weighting_function",
    "decision_weights",
    "cpt_values",
    "ExpectedValueModel",
    "ProspectTheoryModel",
    "ScaledProspectTheoryModel",
]

WEIGHTINGS: tuple[str, ...] = ("tk", "prelec")


# ------------------------------------------------------------------------------------ maths
def expected_values(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Expected value of each row of padded outcome/probability arrays."""
    return (np.asarray(x, float) * np.asarray(p, float)).sum(axis=-1)


def weighting_function(p: np.ndarray, gamma: float, form: str = "tk") -> np.ndarray:
    """Probability weighting w(p): Tversky-Kahneman 1992 (``"tk"``) or Prelec 1998 (``"prelec"``).

    TK: ``p**g / (p**g + (1-p)**g)**(1/g)`` (monotone for g > 0.28); Prelec:
    ``exp(-(-ln p)**g)``.  Both give w(0) = 0 and w(1) = 1; g < 1 is inverse-S shaped
    (small probabilities overweighted, large ones underweighted), g = 1 is the identity.
    """
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    if form == "tk":
        pg = p**gamma
        with np.errstate(divide="ignore", invalid="ignore"):
            return pg / (pg + (1.0 - p) ** gamma) ** (1.0 / gamma)
    if form == "prelec":
        with np.errstate(divide="ignore"):
            return np.exp(-((-np.log(p)) ** gamma))
    raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {form!r}")


def decision_weights(
    x: np.ndarray, p: np.ndarray, gamma: float, form: str = "tk", gamma_loss: float | None = None
) -> np.ndarray:
    """Rank-dependent CPT decision weights of padded distributions (outcomes ascending per row).

    Gains: ``pi_i = w(P(X >= x_i)) - w(P(X > x_i))``; losses: ``pi_i = w(P(X <= x_i)) -
    w(P(X < x_i))``; an outcome of 0 gets weight 0 (its value is 0 anyway).  Padding of
    probability 0 gets weight 0.  ``gamma_loss`` defaults to ``gamma``.
    """
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    g_loss = gamma if gamma_loss is None else gamma_loss
    at_most = np.clip(np.cumsum(p, axis=-1), 0.0, 1.0)  # P(X <= x_i)
    at_least = np.clip(np.flip(np.cumsum(np.flip(p, -1), axis=-1), -1), 0.0, 1.0)  # P(X >= x_i)
    gain = weighting_function(at_least, gamma, form) - weighting_function(
        np.clip(at_least - p, 0.0, 1.0), gamma, form
    )
    loss = weighting_function(at_most, g_loss, form) - weighting_function(
        np.clip(at_most - p, 0.0, 1.0), g_loss, form
    )
    return np.where(x > 0, gain, np.where(x < 0, loss, 0.0))


def cpt_values(
    x: np.ndarray,
    p: np.ndarray,
    alpha: float,
    lam: float,
    gamma: float,
    beta: float | None = None,
    form: str = "tk",
) -> np.ndarray:
    """CPT value ``sum_i pi_i v(x_i)`` of each row of padded distributions (outcomes ascending).

    ``v(x) = x**alpha`` for x >= 0 and ``-lam * (-x)**beta`` for x < 0 (``beta`` defaults to
    ``alpha``); decision weights from `decision_weights`.
    """
    x = np.asarray(x, dtype=float)
    beta = alpha if beta is None else beta
    mag = np.abs(x)
    v = np.where(x >= 0, mag**alpha, -lam * mag**beta)
    return (decision_weights(x, p, gamma, form) * v).sum(axis=-1)


# ----------------------------------------------------------------------------------- models
def _check_protocol(protocol: str) -> None:
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")


def _as_rates(p_b: np.ndarray, protocol: str) -> np.ndarray:
    if protocol == "cpc":
        return np.repeat(p_b[:, None], CPC_BLOCKS, axis=1)
    return p_b


def _check_choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


class ExpectedValueModel(ParamsMixin):
    """Expected-value maximiser with a logit choice rule (one free parameter).

    ``P(B) = 1 / (1 + exp(-(EV_B - EV_A) / temperature))``.

    Parameters
    ----------
    temperature : float
        Logit temperature in payoff units (> 0): the EV difference that gives P(B) = 0.73.
        The default is the median fit on 100 choices13k rows (held-out MSE 0.031).
    seed : int
        Unused (the model is deterministic); kept for the shared interface.
    ambiguity : {"uniform", "true"}
        How B's hidden probabilities (``Amb``) are filled in; see the module docstring.
    """

    data_kind: ClassVar[str] = "rates"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("temperature", 9.658, low=0.0, low_open=True, bounds=(0.1, 100.0),
                  doc="logit temperature in payoff units"),
    )

    def __init__(self, temperature: float = 9.658, *, seed: int = 0, ambiguity: str = "uniform"):
        self.seed = int(seed)
        self.ambiguity = _check_choice(ambiguity, AMBIGUITY, "ambiguity")
        self._init_params(temperature=temperature)

    def values(self, problems: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(EV_A, EV_B) of each problem, with the model's treatment of ambiguity."""
        d = pad_problems(problems)
        return expected_values(d.xa, d.pa), expected_values(d.xb, d.perceived_pb(self.ambiguity))

    def predict_rates(self, problems: pd.DataFrame, protocol: str = "c13k") -> np.ndarray:
        """P(B) per row, shape (n,) for ``"c13k"``; the same in each of 5 blocks for ``"cpc"``."""
        _check_protocol(protocol)
        ev_a, ev_b = self.values(problems)
        return _as_rates(expit((ev_b - ev_a) / self.temperature), protocol)


class ProspectTheoryModel(ParamsMixin):
    """Cumulative prospect theory (Tversky & Kahneman 1992) with a logit choice rule.

    Parameters
    ----------
    alpha : float
        Curvature of the value function for gains (and for losses unless ``beta`` is set).
    lam : float
        Loss aversion lambda (losses weigh ``lam`` times as much as gains).
    gamma : float
        Probability weighting parameter (same for gains and losses); < 1 overweights rare
        outcomes.
    temperature : float
        Logit temperature on ``V_B - V_A`` (in units of value, i.e. payoff**alpha).
    seed : int
        Unused (deterministic); kept for the shared interface.
    beta : float or None
        Curvature for losses, fixed (not fitted); None ties it to ``alpha``.
    weighting : {"tk", "prelec"}
        Form of the weighting function; ``"tk"`` (Tversky-Kahneman 1992) by default.
    ambiguity : {"uniform", "true"}
        How B's hidden probabilities (``Amb``) are filled in; see the module docstring.

    Notes
    -----
    The parameter is spelled ``lam`` because ``lambda`` is a Python keyword.  Defaults are the
    median fits over 3 draws of 100 choices13k rows (``experiments/choices13k/baselines.py``,
    held-out MSE 0.024): choices13k shows mild concavity, weak probability weighting and no
    loss aversion (lambda < 1), as Peterson et al. (2021) also found.  Tversky & Kahneman's
    own estimates are alpha = 0.88, lambda = 2.25, gamma = 0.61 (gains) / 0.69 (losses).
    """

    data_kind: ClassVar[str] = "rates"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("alpha", 0.6933, low=0.0, low_open=True, bounds=(0.2, 1.2),
                  doc="value curvature"),
        Parameter("lam", 0.8125, low=0.0, low_open=True, bounds=(0.5, 5.0),
                  doc="loss aversion lambda"),
        Parameter("gamma", 0.8551, low=0.0, low_open=True, bounds=(0.3, 1.5),
                  doc="probability weighting"),
        Parameter("temperature", 3.3585, low=0.0, low_open=True, bounds=(0.05, 50.0),
                  doc="logit temperature in units of value"),
    )

    def __init__(
        self,
        alpha: float = 0.6933,
        lam: float = 0.8125,
        gamma: float = 0.8551,
        temperature: float = 3.3585,
        *,
        seed: int = 0,
        beta: float | None = None,
        weighting: str = "tk",
        ambiguity: str = "uniform",
    ):
        self.seed = int(seed)
        self.weighting = _check_choice(weighting, WEIGHTINGS, "weighting")
        self.ambiguity = _check_choice(ambiguity, AMBIGUITY, "ambiguity")
        if beta is not None and not (np.isfinite(beta) and beta > 0):
            raise ValueError(f"beta must be a positive number or None, got {beta!r}")
        self.beta = None if beta is None else float(beta)
        self._init_params(alpha=alpha, lam=lam, gamma=gamma, temperature=temperature)

    def values(self, problems: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(V_A, V_B): CPT values of each problem's options."""
        d = pad_problems(problems)
        args = (self.alpha, self.lam, self.gamma, self.beta, self.weighting)
        return cpt_values(d.xa, d.pa, *args), cpt_values(
            d.xb, d.perceived_pb(self.ambiguity), *args
        )

    def predict_rates(self, problems: pd.DataFrame, protocol: str = "c13k") -> np.ndarray:
        """P(B) per row, shape (n,) for ``"c13k"``; the same in each of 5 blocks for ``"cpc"``."""
        _check_protocol(protocol)
        v_a, v_b = self.values(problems)
        return _as_rates(expit((v_b - v_a) / self.temperature), protocol)


class ScaledProspectTheoryModel(ProspectTheoryModel):
    """CPT whose logit is scaled by the problem's payoff range (same four parameters).

    .. math::  P(B) = \\operatorname{expit}\\left(\\frac{V_B - V_A}{\\tau\\,(v(x_{max})
               - v(x_{min}))}\\right)

    with ``x_max``, ``x_min`` the largest and smallest outcome of either option (of positive
    probability) and ``v`` CPT's value function; a problem whose outcomes are all equal
    predicts 1/2.  ``temperature`` (tau) is unitless: the share of the value range that
    gives P(B) = 0.73.  Defaults: a fit on 100 choices13k development problems (held-out
    MSE 0.017 vs 0.025 for the unscaled logit).  Other parameters as `ProspectTheoryModel`.
    """

    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("alpha", 0.6986, low=0.0, low_open=True, bounds=(0.2, 1.2),
                  doc="value curvature"),
        Parameter("lam", 0.9243, low=0.0, low_open=True, bounds=(0.5, 5.0),
                  doc="loss aversion lambda"),
        Parameter("gamma", 0.7757, low=0.0, low_open=True, bounds=(0.3, 1.5),
                  doc="probability weighting"),
        Parameter("temperature", 0.2329, low=0.0, low_open=True, bounds=(0.005, 2.0),
                  doc="logit temperature as a share of the problem's value range"),
    )

    def __init__(self, alpha: float = 0.6986, lam: float = 0.9243, gamma: float = 0.7757,
                 temperature: float = 0.2329, **settings):
        super().__init__(alpha, lam, gamma, temperature, **settings)

    def value_range(self, problems: pd.DataFrame) -> np.ndarray:
        """``v(x_max) - v(x_min)`` of each problem (outcomes of positive probability)."""
        d = pad_problems(problems)
        x = np.concatenate([d.xa, d.xb], axis=1)
        live = np.concatenate([d.pa, d.pb], axis=1) > 0
        hi = np.where(live, x, -np.inf).max(axis=1)
        lo = np.where(live, x, np.inf).min(axis=1)
        beta = self.alpha if self.beta is None else self.beta

        def v(z):
            return np.where(z >= 0, np.abs(z) ** self.alpha, -self.lam * np.abs(z) ** beta)

        return v(hi) - v(lo)

    def predict_rates(self, problems: pd.DataFrame, protocol: str = "c13k") -> np.ndarray:
        """P(B) per row, shape (n,) for ``"c13k"``; the same in each of 5 blocks for ``"cpc"``."""
        _check_protocol(protocol)
        v_a, v_b = self.values(problems)
        spread = self.value_range(problems) * self.temperature
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(spread > 0, (v_b - v_a) / spread, 0.0)
        return _as_rates(expit(z), protocol)
