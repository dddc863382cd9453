"""The parameter-free random draws of the IBL description account (`cogsim.ibl.described`).

Per chunk of problems: the imagined draws of each option before each trial, the payoffs
seen after each feedback trial, and the standard logistic activation noise of every
instance, trial and agent, from one random stream per chunk (common random numbers: the
same for any parameter values).  With ``paired`` the instances are events (the payoffs of
A and B together, `cogsim.ibl.paired`); otherwise A's outcomes, then B's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cogsim.ibl.ambiguity import like_other
from cogsim.ibl.paired import coupling, event_counts
from cogsim.memory import standard_logistic
from cogsim.tasks.gambles import pad_problems

__all__ = ["Simulation", "PROTOCOL_TRIALS", "draw"]

#: Trials per protocol and the trials after whose choice full feedback is seen
#: (``None``: per problem, from the ``Feedback`` column).
PROTOCOL_TRIALS: dict[str, tuple[int, range | None]] = {
    "c13k": (5, None),
    "cpc": (25, range(6, 26)),
}
_CHUNK_ELEMENTS = 6_000_000  # reference counts held per chunk of problems (memory bound)


@dataclass
class Simulation:
    """Everything one chunk of problems needs, and (after `IBLDescriptionModel.simulate`)
    the blended values.

    Instance rows ``j`` hold option A's outcomes first (``n_a`` rows), then B's.

    Attributes
    ----------
    outcomes : (J, P) array
        Payoff of each instance row (0 where the row is unused by the problem).
    valid : (J, P) bool array
        Rows that are outcomes of the problem.
    described : (J, P) array
        Probability of each outcome as the agent believes it (uniform over B's outcomes
        when ambiguous).
    counts : (M, J, P, N) array
        References added to each instance at each event slot (imagined draws, feedback).
    slot_time : (M,) array
        Time of each slot.
    slot_kind : tuple of str
        "sample" or "feedback" per slot.
    noise : (T, J, P, N) float32 array
        Standard logistic activation noise per trial, agent and instance.
    n_a : int
        Instance rows of option A.
    rows : (P,) int array
        Positions of the chunk's problems in the table given.
    blended : (T, P, N, 2) array or None
        Blended values of A and B at each trial (filled by ``simulate``).
    outcomes_b : (J, P) array or None
        Paired instances (``n_a`` 0): B's payoff of each event row, ``outcomes`` A's.
    """

    outcomes: np.ndarray
    valid: np.ndarray
    described: np.ndarray
    counts: np.ndarray
    slot_time: np.ndarray
    slot_kind: tuple[str, ...]
    noise: np.ndarray
    n_a: int
    rows: np.ndarray
    blended: np.ndarray | None = None
    outcomes_b: np.ndarray | None = None


def _inverse_cdf(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Outcome index for uniforms ``u`` (P, ...) given padded probabilities (P, K), or
    (P, N, K) per agent for ``u`` (P, N, ...)."""
    cdf = np.cumsum(probs, axis=-1)
    last = probs.shape[-1] - 1 - np.argmax(probs[..., ::-1] > 0, axis=-1)  # last positive
    cdf[np.arange(probs.shape[-1]) >= last[..., None]] = np.inf
    shape = probs.shape[:-1] + (1,) * (u.ndim - probs.ndim + 1)
    index = np.zeros(u.shape, dtype=np.int64)
    for j in range(probs.shape[-1] - 1):
        index += u >= cdf[..., j].reshape(shape)
    return index


def _counts(index: np.ndarray, width: int) -> np.ndarray:
    """How often each outcome index occurs among the draws on the last axis.

    ``index`` (P, N, k) -> counts (width, P, N).
    """
    cells = int(np.prod(index.shape[:-1]))
    flat = index.reshape(cells, -1) + (np.arange(cells) * width)[:, None]
    counts = np.bincount(flat.ravel(), minlength=cells * width).reshape(cells, width)
    return counts.T.reshape((width,) + index.shape[:-1])


def draw(
    clean: pd.DataFrame, feedback: np.ndarray, protocol: str, model
) -> Iterator[Simulation]:
    """Draw imagined samples, payoffs and noise, one chunk of problems at a time.

    Problems are grouped by the number of B's outcomes (2 or fewer, up to 5, more), so that
    little work goes into padding; each chunk has its own random stream.
    """
    n_trials, fb_trials = PROTOCOL_TRIALS[protocol]
    padded = pad_problems(clean)
    xa, pa, xb, pb = padded.xa, padded.pa, padded.xb, padded.pb
    amb, corr = padded.amb, padded.corr
    # What the agent believes about B: its outcomes equally likely when ambiguous.
    listed = pb > 0
    pb_believed = np.where(amb[:, None], listed / listed.sum(axis=1, keepdims=True), pb)
    # The centre of the imagined B's belief: equal, or like the other option (BEAST's).
    centre = None
    if model.ambiguity.endswith("like_other") and amb.any():
        centre = np.where(amb[:, None], like_other(xb, listed, (xa * pa).sum(axis=1)), pb)
    k = model.n_samples
    n_sample_trials = (n_trials if model.resample else 1) if k else 0
    if fb_trials is None:  # c13k: a per-problem flag; feedback after trials 1..T-1 matters
        fb_after = list(range(1, n_trials))
    else:
        fb_after = [m for m in fb_trials if m < n_trials]
    n_slots = n_sample_trials + len(fb_after)
    # Imagining stops at the first feedback's time (for the problems that give feedback).
    stop = None if model.imagine_after_feedback or not fb_after else fb_after[0]
    n = model.n_agents
    n_a = xa.shape[1]
    n_b_each = listed.sum(axis=1)
    chunk_id = 0
    for low, high in ((0, 2), (3, 5), (6, max(6, xb.shape[1]))):
        group = np.flatnonzero((n_b_each >= low) & (n_b_each <= high))
        if not group.size:
            continue
        n_b = int(n_b_each[group].max())
        width = n_a * n_b if model.paired else n_a + n_b
        chunk = max(1, _CHUNK_ELEMENTS // max(1, (n_slots + n_trials) * n * width))
        for start in range(0, group.size, chunk):
            rows = group[start : start + chunk]
            yield _draw_chunk(
                np.random.default_rng(np.random.SeedSequence([model.seed, chunk_id])),
                rows, xa[rows], pa[rows], xb[rows, :n_b], pb[rows, :n_b],
                pb_believed[rows, :n_b], corr[rows],
                np.ones(rows.size, bool) if fb_trials is not None else feedback[rows],
                n_trials, n_sample_trials, fb_after, k, n, model.dtype,
                paired=model.paired, stop=stop, rank=model.coupling == "rank",
                amb=amb[rows] if model.ambiguity.startswith("dirichlet") else None,
                centre=None if centre is None else centre[rows, :n_b],
                worst=amb[rows] * float(model.pessimism) if model.pessimism else None,
            )  # fmt: skip
            chunk_id += 1


def _draw_chunk(
    rng: np.random.Generator,
    rows: np.ndarray,
    xa: np.ndarray,
    pa: np.ndarray,
    xb: np.ndarray,
    pb: np.ndarray,
    pb_believed: np.ndarray,
    corr: np.ndarray,
    seen: np.ndarray,
    n_trials: int,
    n_sample_trials: int,
    fb_after: list[int],
    k: int,
    n: int,
    dtype: np.dtype,
    *,
    paired: bool = False,
    stop: int | None = None,
    rank: bool = False,
    amb: np.ndarray | None = None,
    worst: np.ndarray | None = None,
    centre: np.ndarray | None = None,
) -> Simulation:
    """The draws of one chunk of problems (see `Simulation`; `cogsim.ibl.paired` for
    ``paired``); no imagined draws from time ``stop`` on where feedback is seen.  ``worst``
    (P,): the weight psi each problem's imagined B puts on B's lowest outcome (pessimism
    about an ambiguous B; 0 elsewhere), the rest on the belief (no random draws of its own).
    ``centre`` (P, n_b): the imagined B's probabilities (default ``pb_believed``; with
    ``amb``, the mean of each agent's Dirichlet belief, of the flat one's concentration K:
    its own stream, so the other draws stay those of the flat Dirichlet)."""
    size, n_a, n_b = len(rows), xa.shape[1], xb.shape[1]
    width = n_a * n_b if paired else n_a + n_b
    anti = (corr == -1)[:, None, None] & (not rank)
    imagined_b = pb_believed if centre is None else centre
    if amb is not None and amb.any():  # each agent's own belief about an ambiguous B
        g = rng.gamma(1.0, size=(size, n, n_b)) * (pb_believed > 0)[:, None, :]
        if centre is not None:  # Dirichlet(K p): mean p
            shape = ((pb_believed > 0).sum(axis=1)[:, None] * centre)[:, None, :]
            g = rng.spawn(1)[0].gamma(np.broadcast_to(shape, g.shape))
        imagined_b = np.where(amb[:, None, None], g / g.sum(axis=2, keepdims=True),
                              imagined_b[:, None, :])
    if worst is not None and worst.any():  # alpha-maxmin: psi on the worst outcome
        w = worst.reshape((size,) + (1,) * (imagined_b.ndim - 1))
        imagined_b = w * (np.arange(n_b) == 0) + (1.0 - w) * imagined_b
    counts = np.zeros((n_sample_trials + len(fb_after), width, size, n), dtype=dtype)
    slot_time, slot_kind = [], []
    for s in range(n_sample_trials):
        u = rng.random((2, size, n, k))
        if paired:  # one quantile for both options (1 - q for B when Corr = -1)
            counts[s] = event_counts(_inverse_cdf(u[0], pa), _inverse_cdf(
                np.where(anti, 1.0 - u[0], u[0]), imagined_b), n_b, width)
        else:
            counts[s, :n_a] = _counts(_inverse_cdf(u[0], pa), n_a)
            counts[s, n_a:] = _counts(_inverse_cdf(u[1], imagined_b), n_b)
        if stop is not None and s >= stop:
            counts[s][:, seen] = 0
        slot_time.append(float(s))  # imagined just before the choice at time s + 1
        slot_kind.append("sample")
    cr = corr[:, None]
    for i, m in enumerate(fb_after):
        u = rng.random((2, size, n))
        u_b = np.where(cr == 1, u[0], np.where(cr == -1, 1.0 - u[0], u[1]))
        ia = _inverse_cdf(u[0], pa)
        ib = _inverse_cdf(u_b, pb)
        slot = counts[n_sample_trials + i]
        if paired:
            slot[:] = event_counts(ia[..., None], ib[..., None], n_b, width) * seen[:, None]
        else:
            for j in range(n_a):
                slot[j] = (ia == j) & seen[:, None]
            for j in range(n_b):
                slot[n_a + j] = (ib == j) & seen[:, None]
        slot_time.append(float(m))  # respond() at the time of the choice m
        slot_kind.append("feedback")
    logistic = standard_logistic(rng, (n_trials, width, size, n))
    if paired:
        weights = coupling(pa, pb_believed, (corr == -1) & (not rank))
        valid, events = weights > 0, np.arange(width)
        return Simulation(
            outcomes=np.ascontiguousarray(xa[:, events // n_b].T, dtype=dtype),
            outcomes_b=np.ascontiguousarray(xb[:, events % n_b].T, dtype=dtype),
            valid=valid, described=weights.astype(dtype), counts=counts,
            slot_time=np.array(slot_time, dtype=np.float64), slot_kind=tuple(slot_kind),
            noise=logistic, n_a=0, rows=rows)
    valid = np.concatenate([pa > 0, pb > 0], axis=1).T
    weights = np.concatenate([pa, pb_believed], axis=1).T
    return Simulation(
        outcomes=np.ascontiguousarray(np.concatenate([xa, xb], axis=1).T, dtype=dtype),
        valid=np.ascontiguousarray(valid),
        described=np.ascontiguousarray(weights, dtype=dtype),
        counts=counts,
        slot_time=np.array(slot_time, dtype=np.float64),
        slot_kind=tuple(slot_kind),
        noise=logistic,
        n_a=n_a,
        rows=rows,
    )
