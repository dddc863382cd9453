"""BEAST (Best Estimate And Sampling Tools) for described gambles, in its BEAST.sd form.

BEAST is the model of Erev, Ert, Plonsky, Cohen & Cohen (2017, "From anomalies to forecasts",
Psychological Review 124(4), 369-409); BEAST.sd is the form the CPC18 organisers fitted on
CPC18's estimation set (Plonsky et al. 2018), where "sd" is *subjective dominance*: the error
shrinks where one option is seen to be better.  Problems are in the competition format of
:mod:`cogsim.tasks.gambles`, whose outcome distributions (``n_A``, ``n_B`` outcomes, ascending)
the model samples.

One simulated agent ``i``, trial ``t``: B is chosen when

.. math::  [BEV_A - BEV_B(t)] + [ST_A(t) - ST_B(t)] + \\sigma_t \\varepsilon_t < 0,
   \\qquad \\varepsilon_t \\sim N(0, 1)

(a tie is a coin flip).  ``BEV_A = EV_A``; ``BEV_B = EV_B`` unless B is ambiguous (below).
``ST_j(t)`` is the mean of ``kappa_i`` mental draws; each draw uses one tool, the same for both
options and with one uniform ``u`` for both (the draws of A and B are comonotonic):

* unbiased (probability ``1 - P_bias(t)``): before any feedback, ``F_j^{-1}(u)``; after ``n``
  feedback trials, the pair of outcomes seen on one of them (chosen with ``u``);
* uniform (``P_bias/3``): an outcome of j's distribution, each equally likely;
* contingent pessimism (``P_bias/3``): ``(Min_A, Min_B)`` when ``max(Max_A, Max_B) > 0`` and
  ``RatioMin < gamma_i``, else the uniform tool; ``RatioMin = min(|Min_A|, |Min_B|) /
  max(|Min_A|, |Min_B|)`` when the minima share a sign (1 when equal, 0 otherwise);
* sign (``P_bias/3``): ``Range * sign(x)`` of the unbiased draw ``x``, with ``Range = max(Max_A,
  Max_B) - min(Min_A, Min_B)``;

.. math::  P_{bias}(t) = \\beta_i / (\\beta_i + 1 + n_t^{\\theta_i}),

``n_t`` the outcomes seen before trial ``t``.  Traits are drawn per agent: ``sigma_i = S u``
with ``S = sigma_comp`` when ``max(n_A, n_B) > 2`` and ``min(n_A, n_B) > 1``, ``sigma``
otherwise; ``kappa_i = ceil(kapa u)`` (uniform on 1..kapa for a whole ``kapa``); ``beta_i,
gamma_i, psi_i, theta_i, w_i`` = ``beta, gamma, psi, theta, wamb`` times ``u``.

Ambiguity (``Amb``, B's probabilities hidden): ``BEV_B = (1 - psi_i)(UEV_B + BEV_A)/2 +
psi_i Min_B`` (``UEV``: the mean of the outcomes, each equally likely); the unbiased and sign
tools sample B with probability ``T = clip((BEV_B - M)/(Min_B - M), 0, 1)`` on ``Min_B`` and
``(1 - T)/(n_B - 1)`` on each other outcome (``M`` their mean); after each feedback
``BEV_B <- (1 - w_i) BEV_B + w_i x_B``.

Subjective dominance ``D``: ``1 - P(B > A)`` when ``EV_A > EV_B`` and ``UEV_A >= UEV_B``,
``1 - P(A > B)`` in the mirror case, else 0 (and 0 when ambiguous), but 1 when one option's
worst outcome beats the other's best; ``P`` is taken over comonotonic draws.  ``sigma_t =
sigma_i (1 - D)``.  In an ambiguous problem with ``D < 1``, after ``n`` feedback trials
``sigma_t = sigma_i (1 - W_A/n)`` when ``BEV_A > mean(x_B)`` and ``UEV_A >= UEV_B``,
``sigma_i (1 - W_B/n)`` in the mirror case (``W_A``: trials with ``x_A >= x_B``), else as before.

Feedback: protocol ``"cpc"`` is the competitions' 25 trials in 5 blocks, the outcomes of both
options shown after each choice from trial 6 on (trials 1-6 are decided on the description
alone); ``"c13k"`` is choices13k's 5 trials, with outcomes shown after every choice when the
problem's ``Feedback`` is true.  Observed outcomes follow ``Corr`` (1: one uniform for both
options, -1: ``u`` and ``1 - u``, 0: independent).

Simulation: every problem gets its own random stream, keyed by the seed and the problem's
twelve values, so a problem's prediction does not depend on the other rows of the table, and
repeated predictions use the same draws (common random numbers).  Zero-probability outcomes are
dropped by :mod:`cogsim.tasks.gambles` (the competitions have none); ``n_A``, ``n_B`` in the
complexity rule count an option's ``H`` and ``L`` apart even when equal, as the organisers'
lists do.  Expected values are compared exactly; the organisers' code computes a symmetric
lottery's probabilities with a floating-point binomial density, so where the expected values
are equal it finds them unequal by rounding and applies subjective dominance (CPC15 problems
45, 49 and 50, where its block rates are lower by up to 0.03).
"""

from __future__ import annotations

import hashlib
import math
from typing import ClassVar

import numpy as np
import pandas as pd

from cogsim.protocol import Parameter, ParamsMixin
from cogsim.tasks.gambles import (
    CPC_BLOCKS,
    PROBLEM_COLUMNS,
    PROTOCOLS,
    check_problems,
    feedback_flags,
    pad_problems,
)

__all__ = ["BEASTModel", "p_better"]

#: Trials and the first trial after whose choice outcomes are shown, per protocol.
TRIALS: dict[str, tuple[int, int]] = {"cpc": (25, 6), "c13k": (5, 1)}
_CELLS_PER_CHUNK = 1 << 20  # agents x trials x problems simulated at once
_N_TRAITS = 7


def _dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row sums of ``x * w`` added left to right (outcomes ascending)."""
    total = np.zeros(x.shape[:-1])
    for j in range(x.shape[-1]):
        total = total + x[..., j] * w[..., j]
    return total


def _inverse_cdf(x: np.ndarray, cum: np.ndarray, k: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``x[p, i]`` with ``i`` the first index whose cumulative probability reaches ``u``.

    ``x`` (P, J) outcomes, ``cum`` (P, 1 or N, J) cumulative probabilities, ``k`` (P,)
    outcome counts, ``u`` (P, N, T) uniforms.
    """
    idx = np.zeros(u.shape, dtype=np.intp)
    for j in range(x.shape[1] - 1):
        idx += cum[:, :, j, None] < u
    idx = np.minimum(idx, (k - 1)[:, None, None])
    return x[np.arange(len(x))[:, None, None], idx]


def p_better(xa, pa, xb, pb) -> tuple[np.ndarray, np.ndarray]:
    """P(A > B) and P(B > A) for comonotonic draws ``F_A^{-1}(u)``, ``F_B^{-1}(u)``.

    Padded (P, J) outcome/probability arrays (outcomes ascending, padding of probability 0
    at the end); exact, integrated over the intervals between both cumulative distributions.
    """
    rows = np.arange(len(xa))[:, None]
    cuts = np.sort(np.concatenate([np.zeros((len(xa), 1)), np.cumsum(pa, axis=1),
                                   np.cumsum(pb, axis=1)], axis=1), axis=1)
    cuts = np.minimum(cuts, 1.0)
    mid, width = (cuts[:, 1:] + cuts[:, :-1]) / 2, np.diff(cuts, axis=1)
    a, b = (x[rows, np.minimum((np.cumsum(p, axis=1)[:, None, :] < mid[:, :, None]).sum(-1),
                               (p > 0).sum(axis=1)[:, None] - 1)] for x, p in ((xa, pa), (xb, pb)))
    return (width * (a > b)).sum(axis=1), (width * (b > a)).sum(axis=1)


def _problem_keys(clean: pd.DataFrame) -> list[int]:
    """A 64-bit key per problem from its twelve values (stable across processes, machines and
    library versions; a missing Amb or Corr counts as 0)."""
    columns = [clean[c] if c in clean else pd.Series(0, index=clean.index)
               for c in PROBLEM_COLUMNS]
    keys = []
    for row in zip(*columns):
        text = ",".join(v if isinstance(v, str) else repr(float(v)) for v in row)
        keys.append(int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(),
                                   "little"))
    return keys


class BEASTModel(ParamsMixin):
    """BEAST.sd: best estimate and sampling tools with subjective dominance.

    Parameters
    ----------
    sigma, sigma_comp : float
        Largest error SD (payoff units) of simple and of complex problems (see the module
        docstring); an agent's is ``u`` times it.
    kapa : float
        Largest number of mental draws per choice (an agent's is ``ceil(kapa u)``).
    beta : float
        Magnitude of the biased tools' use (``P_bias`` before feedback is
        ``beta_i / (beta_i + 1)``).
    gamma : float
        Largest threshold of contingent pessimism on ``RatioMin``.
    psi : float
        Largest pessimism weight on ``Min_B`` in an ambiguous option's first estimate.
    theta : float
        Largest speed at which feedback lowers ``P_bias``.
    wamb : float
        Largest weight of each observed outcome in an ambiguous option's estimate.
    seed : int
        Root of every draw (the same seed gives the same predictions).
    n_agents : int
        Simulated agents per problem (the organisers used 5,000 or 2,000).

    Notes
    -----
    The defaults are the organisers' BEAST.sd values.  Predictions are averages over
    ``n_agents`` agents: a block rate's simulation SD is at most ``0.5 / sqrt(n_agents)``,
    typically ``0.25 / sqrt(n_agents)`` (0.006 at the default 2,000).
    """

    data_kind: ClassVar[str] = "rates"
    #: Calibration's global search: a coarse Sobol grid, then Nelder-Mead (eight parameters
    #: of a simulated model make differential evolution slow).
    fit_search: ClassVar[str] = "grid"
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter("sigma", 13.0, low=0.0, bounds=(0.5, 60.0),
                  doc="largest error SD in simple problems (payoff units)"),
        Parameter("kapa", 3.0, low=1.0, high=20.0, bounds=(1.0, 6.0),
                  doc="largest number of mental draws"),
        Parameter("beta", 1.4, low=0.0, bounds=(0.05, 10.0),
                  doc="magnitude of the biased tools' use"),
        Parameter("gamma", 1.0, low=0.0, bounds=(0.01, 2.0),
                  doc="largest contingent-pessimism threshold on RatioMin"),
        Parameter("psi", 0.25, low=0.0, high=1.0, bounds=(0.0, 1.0),
                  doc="largest pessimism weight in an ambiguous option's estimate"),
        Parameter("theta", 0.7, low=0.0, bounds=(0.05, 5.0),
                  doc="largest speed of the biased tools' decline with feedback"),
        Parameter("sigma_comp", 35.0, low=0.0, bounds=(0.5, 150.0),
                  doc="largest error SD in complex problems (payoff units)"),
        Parameter("wamb", 0.25, low=0.0, high=1.0, bounds=(0.0, 1.0),
                  doc="largest weight of an ambiguous option's observed outcomes"),
    )

    def __init__(self, sigma: float = 13.0, kapa: float = 3.0, beta: float = 1.4,
                 gamma: float = 1.0, psi: float = 0.25, theta: float = 0.7,
                 sigma_comp: float = 35.0, wamb: float = 0.25, *, seed: int = 0,
                 n_agents: int = 2000):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if (isinstance(n_agents, bool) or not isinstance(n_agents, (int, np.integer))
                or n_agents < 1):
            raise ValueError(f"n_agents must be a positive integer, got {n_agents!r}")
        self.seed, self.n_agents = int(seed), int(n_agents)
        self._init_params(sigma=sigma, kapa=kapa, beta=beta, gamma=gamma, psi=psi,
                          theta=theta, sigma_comp=sigma_comp, wamb=wamb)

    # ------------------------------------------------------------------------------ public
    @classmethod
    def calibration_settings(cls, data: pd.DataFrame, purpose: str = "fit") -> dict:
        """200 agents per problem while fitting (a rate's simulation SD about 0.018, the
        same draws at every parameter value), 2,000 to score."""
        return {"n_agents": 200 if purpose == "fit" else 2000}

    def predict_rates(self, problems: pd.DataFrame, protocol: str = "c13k") -> np.ndarray:
        """Predicted rate of choosing B: shape (n,) for ``"c13k"`` (the mean of its 5 trials),
        (n, 5) block rates for ``"cpc"``.

        Raises
        ------
        cogsim.errors.DataError
            Bad problems (naming the row and column).
        """
        rates = self._run(problems, protocol, lambda ch: ch.mean(axis=1))
        if protocol == "c13k":
            return rates.mean(axis=1)
        return rates.reshape(len(rates), CPC_BLOCKS, rates.shape[1] // CPC_BLOCKS).mean(2)

    def choices(self, problems: pd.DataFrame, protocol: str = "cpc") -> np.ndarray:
        """Every simulated choice: bool (n problems, n_agents, trials), True for B."""
        return self._run(problems, protocol, lambda ch: ch)

    # ---------------------------------------------------------------------------- private
    def _run(self, problems: pd.DataFrame, protocol: str, keep) -> np.ndarray:
        """``keep(choices)`` of every problem, chunk by chunk, in the table's order."""
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        n_trials, first = TRIALS[protocol]
        c = _constants(problems)
        feedback = feedback_flags(problems) if protocol == "c13k" else np.ones(len(c["ka"]), bool)
        starts = np.where(feedback, first, n_trials + 1)
        keys = np.array(_problem_keys(check_problems(problems)), dtype=np.uint64)
        size = max(1, _CELLS_PER_CHUNK // (self.n_agents * n_trials))
        out = None
        for start in np.unique(starts):  # chunks share the trial of the first feedback
            rows = np.flatnonzero(starts == start)
            for at in range(0, len(rows), size):
                part = rows[at:at + size]
                got = keep(self._simulate({k: v[part] for k, v in c.items()}, keys[part],
                                          n_trials, int(start)))
                if out is None:
                    out = np.zeros((len(starts), *got.shape[1:]), dtype=got.dtype)
                out[part] = got
        return out if out is not None else keep(np.zeros((0, self.n_agents, n_trials), bool))

    def _draws(self, keys: np.ndarray, n_trials: int, n_draws: int) -> dict[str, np.ndarray]:
        """Each problem's uniforms and normals from its own stream; the mental draws come last,
        with the draw index outermost, so that a larger ``kapa`` adds draws and changes none."""
        n, t = self.n_agents, n_trials
        sizes = {"traits": (_N_TRAITS, n), "obs": (2, n, t), "tie": (n, t),
                 "mental": (n_draws, 2, n, t)}
        total = sum(math.prod(s) for s in sizes.values())
        u = np.empty((len(keys), total))
        z = np.empty((len(keys), n, t))
        for i, key in enumerate(keys.tolist()):
            rng = np.random.default_rng([self.seed, key & 0xFFFFFFFF, key >> 32])
            rng.random(out=u[i])
            rng.standard_normal(out=z[i])
        out, at = {"z": z}, 0
        for name, shape in sizes.items():
            out[name] = u[:, at:at + math.prod(shape)].reshape(len(keys), *shape)
            at += math.prod(shape)
        return out

    def _simulate(self, c: dict[str, np.ndarray], keys: np.ndarray, T: int,
                  first: int) -> np.ndarray:
        """Choices (P, N, T) of the problems in ``c``, outcomes shown after trials >= first."""
        p, N = self._params, self.n_agents
        n_draws = math.ceil(p["kapa"])
        r = self._draws(keys, T, n_draws)
        P = len(keys)
        col = (slice(None), None)  # (P,) -> (P, 1)
        traits = r["traits"]
        sigma = np.where(c["complex"], p["sigma_comp"], p["sigma"])[col] * traits[:, 0]
        kapa = np.clip(np.ceil(p["kapa"] * traits[:, 1]), 1, n_draws)
        beta, gamma, psi, theta, wamb = (p[k] * traits[:, i] for i, k in
                                         enumerate(("beta", "gamma", "psi", "theta", "wamb"), 2))
        amb, ev_a = c["amb"][col], c["ev_a"][col]
        # ambiguity: first estimate of B's EV and of its probabilities (P, N, J)
        bev_b = np.where(amb, (1 - psi) * (c["uev_b"] + c["ev_a"])[col] / 2
                         + psi * c["min_b"][col], c["ev_b"][col])
        with np.errstate(divide="ignore", invalid="ignore"):
            t_min = np.clip((bev_b - c["rest_b"][col]) / (c["min_b"] - c["rest_b"])[col], 0, 1)
        t_min = np.where(c["kb"][col] > 1, t_min, 1.0)[..., None]
        j = np.arange(c["xb"].shape[1])
        p_est = np.where(j == 0, t_min, (1 - t_min) / np.maximum(c["kb"] - 1, 1)[:, None, None])
        p_est = np.where(j < c["kb"][:, None, None], p_est, 0.0)
        cum_a = np.cumsum(c["pa"], axis=1)[:, None, :]
        cum_b = np.cumsum(c["pb"], axis=1)[:, None, :]
        cum_b_est = np.where(amb[..., None], np.cumsum(p_est, axis=2), cum_b)
        # feedback: slot f holds the outcomes shown after the (f+1)-th choice with feedback
        n_fb = max(T - first, 0)  # feedback trials that precede a choice
        nfeed = np.clip(np.arange(1, T + 1) - first, 0, None)  # (T,)
        v, w = r["obs"][:, 0, :, :n_fb], r["obs"][:, 1, :, :n_fb]
        corr = c["corr"][:, None, None]
        obs_a = _inverse_cdf(c["xa"], cum_a, c["ka"], v)
        obs_b = _inverse_cdf(c["xb"], cum_b, c["kb"], np.where(
            corr == 1, v, np.where(corr == -1, 1 - v, w)))
        # after f feedback trials: BEV_B (ambiguity) and sigma_t (subjective dominance)
        sig0 = sigma * (1 - c["dom"])[col]
        bev_hist, sig_hist = [bev_b], [sig0]
        if n_fb and c["amb"].any():
            wins_a = np.cumsum(obs_a >= obs_b, axis=2)
            wins_b = np.cumsum(obs_b >= obs_a, axis=2)
            sum_b = np.cumsum(obs_b, axis=2)
            learn = amb & (c["dom"] != 1)[col]
            up_a, up_b = (c["uev_a"] >= c["uev_b"])[col], (c["uev_a"] <= c["uev_b"])[col]
            for f in range(1, n_fb + 1):
                x_b, avg = obs_b[:, :, f - 1], sum_b[:, :, f - 1] / f
                bev_hist.append(np.where(amb, (1 - wamb) * bev_hist[-1] + wamb * x_b,
                                         bev_hist[-1]))
                sig = np.where((ev_a > avg) & up_a, sig0 * (1 - wins_a[:, :, f - 1] / f),
                               np.where((ev_a < avg) & up_b, sig0 * (1 - wins_b[:, :, f - 1] / f),
                                        sig_hist[-1]))
                sig_hist.append(np.where(learn, sig, sig_hist[-1]))
        bev_t = np.stack(bev_hist, axis=2)[:, :, np.minimum(nfeed, len(bev_hist) - 1)]
        sig_t = np.stack(sig_hist, axis=2)[:, :, np.minimum(nfeed, len(sig_hist) - 1)]
        # mental draws: trials [0, pre) are decided before any feedback
        pre = min(first, T)
        nf = nfeed[pre:].astype(float)
        p_bias = beta[..., None] / (beta[..., None] + 1 + nfeed ** theta[..., None])
        pessimist = ((c["sign_max"] > 0)[col] & (c["ratio_min"][col] < gamma))[..., None]
        spread = c["range"][:, None, None]
        st_a, st_b = np.zeros((P, N, T)), np.zeros((P, N, T))
        for k in range(n_draws):
            u1, u2 = r["mental"][:, k, 0], r["mental"][:, k, 1]
            pick = np.minimum(u2[..., pre:] * nf, nf - 1).astype(np.intp)
            tools = (u1 > p_bias, u1 > (2 / 3) * p_bias, u1 > (1 / 3) * p_bias)
            for st, x, cum, n, obs, low in (
                    (st_a, c["xa"], cum_a, c["ka"], obs_a, c["min_a"]),
                    (st_b, c["xb"], cum_b_est, c["kb"], obs_b, c["min_b"])):
                unbiased = np.concatenate([_inverse_cdf(x, cum, n, u2[..., :pre]),
                                           np.take_along_axis(obs, pick, axis=2)], axis=2)
                uniform = _uniform(x, n, u2)
                pessimism = np.where(pessimist, low[:, None, None], uniform)
                draw = np.where(tools[0], unbiased, np.where(tools[1], uniform, np.where(
                    tools[2], pessimism, spread * np.sign(unbiased))))
                st += np.where(k < kapa[..., None], draw, 0.0)
        advantage = ((ev_a[..., None] - bev_t) + (st_a / kapa[..., None] - st_b / kapa[..., None])
                     + sig_t * r["z"])
        return (advantage < 0) | ((advantage == 0) & (r["tie"] < 0.5))


def _constants(problems: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-problem arrays: padded distributions and the quantities BEAST reads off them."""
    clean = check_problems(problems)
    d = pad_problems(problems)
    listed = [np.where((k == 1) & (clean[f"pH{s}"].to_numpy() < 1), 2, k)
              for k, s in ((d.k_a, "a"), (d.k_b, "b"))]
    c = {"xa": d.xa, "pa": d.pa, "ka": d.k_a, "xb": d.xb, "pb": d.pb, "kb": d.k_b,
         "amb": d.amb, "corr": d.corr,
         "complex": (np.maximum(*listed) > 2) & (np.minimum(*listed) > 1),
         "ev_a": _dot(d.xa, d.pa), "ev_b": _dot(d.xb, d.pb)}
    for s, x, k in (("a", d.xa, d.k_a), ("b", d.xb, d.k_b)):
        c[f"uev_{s}"] = _dot(x, np.where(np.arange(x.shape[1]) < k[:, None], 1.0 / k[:, None], 0))
    min_a, min_b = c["min_a"], c["min_b"] = d.xa[:, 0], d.xb[:, 0]
    rows = np.arange(d.n)
    max_a, max_b = d.xa[rows, d.k_a - 1], d.xb[rows, d.k_b - 1]
    lo, hi = np.minimum(abs(min_a), abs(min_b)), np.maximum(abs(min_a), abs(min_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.sign(min_a) == np.sign(min_b), lo / hi, 0.0)
    c["ratio_min"] = np.where(min_a == min_b, 1.0, ratio)
    c["sign_max"] = np.sign(np.maximum(max_a, max_b))
    c["range"] = np.maximum(max_a, max_b) - np.minimum(min_a, min_b)
    a_better, b_better = p_better(d.xa, d.pa, d.xb, d.pb)
    ev_a, ev_b, uev_a, uev_b = c["ev_a"], c["ev_b"], c["uev_a"], c["uev_b"]
    dom = np.where((ev_a > ev_b) & (uev_a >= uev_b), 1 - b_better,
                   np.where((ev_a < ev_b) & (uev_a <= uev_b), 1 - a_better, 0.0))
    dom = np.where(d.amb, 0.0, dom)
    c["dom"] = np.where((min_a > max_b) | (min_b > max_a), 1.0, dom)
    j = np.arange(d.xb.shape[1])
    rest = np.where((j >= 1) & (j < d.k_b[:, None]), d.xb, 0.0)
    c["rest_b"] = rest.sum(axis=1) / np.maximum(d.k_b - 1, 1)
    return c


def _uniform(x: np.ndarray, k: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One of each row's ``k`` outcomes, equally likely, chosen by ``u`` (P, N, T)."""
    idx = np.minimum(u * k[:, None, None], (k - 1)[:, None, None]).astype(np.intp)
    return x[np.arange(len(x))[:, None, None], idx]
