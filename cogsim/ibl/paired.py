"""Paired instances for the IBL account of described choice: one instance per event.

In the separate encoding of `cogsim.ibl.described` each option has its own instances and
its own retrievals, so the two blended values carry independent retrieval noise: an agent
facing A = (6 with p 0.5, else 0) and B = (8 with p 0.5, else 0) -- where B is at least as
good on every event -- picks A whenever A's noisy blend happens to favour the 6 and B's the
0 (about 40 % of the time), while people pick B on more than 90 % of trials.

With ``paired=True`` an instance is an *event*: the pair of payoffs (x_A, x_B) that both
options give on it, as an IBL instance whose situation is the trial and whose two outcome
slots are A's and B's payoffs (Gonzalez, Lerch & Lebiere 2003's situation-decision-utility
instances, with the forgone payoff stored in the same chunk as the obtained one).  Row
``r = i * n_B + j`` of the memory holds the event (x_A = A's i-th outcome, x_B = B's j-th).
One retrieval over the events blends both options with the same probabilities,

.. math::  V_A = \\sum_r P_r\\, u(x_{A,r}),\\qquad V_B = \\sum_r P_r\\, u(x_{B,r}),
   \\qquad P_r = \\frac{e^{A_r/\\tau}}{\\sum_{r'} e^{A_{r'}/\\tau}},

so an option that is better on every remembered event always has the larger value.

Where the events come from:

* **Description** (time 0): the events of the described distributions coupled by their
  cumulative probabilities -- the event at quantile q pays ``F_A^{-1}(q)`` and
  ``F_B^{-1}(q)`` (``F_B^{-1}(1 - q)`` when ``Corr = -1``).  Each event gets ``weight``
  references ("equal") or ``weight`` times its probability ("probability").
* **Imagined draws**: a quantile q uniform on (0, 1), the same coupling.
* **Feedback**: the pair of payoffs actually seen (the problem's ``Corr``).

The coupling by quantiles for uncorrelated problems is borrowed from BEAST (Erev et al.
2017), whose mental draws of A and B share one uniform; here it only says which payoffs
an imagined event pairs, not how choices are made, which stay IBL's blended comparison.
"""

from __future__ import annotations

import numpy as np

__all__ = ["coupling", "event_counts"]


def _index_at(q: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Outcome index at quantiles ``q`` (P, m) for padded probabilities (P, K)."""
    cdf = np.cumsum(probs, axis=1)
    last = (probs > 0).sum(axis=1) - 1
    index = np.zeros(q.shape, dtype=np.int64)
    for j in range(probs.shape[1] - 1):
        index += q >= cdf[:, j : j + 1]
    return np.minimum(index, last[:, None])


def coupling(pa: np.ndarray, pb: np.ndarray, anti: np.ndarray) -> np.ndarray:
    """Probability of each event (i, j) under the quantile coupling, (n_A * n_B, P).

    Parameters
    ----------
    pa, pb : (P, n_A), (P, n_B) arrays
        Padded probabilities (0 on padding) of A's and B's outcomes, ascending outcomes.
    anti : (P,) bool array
        Problems whose payoffs are negatively correlated: B at quantile 1 - q.

    Returns
    -------
    ndarray
        ``w[i * n_B + j, p]``: the length of the set of quantiles q in (0, 1) at which A
        pays its i-th outcome and B its j-th (columns sum to 1).
    """
    n_problems, n_a = pa.shape
    n_b = pb.shape[1]
    cb = np.cumsum(pb, axis=1)
    cuts_b = np.where(anti[:, None], 1.0 - cb, cb)
    cuts = np.sort(np.concatenate([np.zeros((n_problems, 1)), np.ones((n_problems, 1)),
                                   np.cumsum(pa, axis=1), cuts_b], axis=1), axis=1)
    cuts = np.clip(cuts, 0.0, 1.0)
    mid, width = (cuts[:, 1:] + cuts[:, :-1]) / 2, np.diff(cuts, axis=1)
    i = _index_at(mid, pa)
    j = _index_at(np.where(anti[:, None], 1.0 - mid, mid), pb)
    flat = (i * n_b + j) + (np.arange(n_problems) * n_a * n_b)[:, None]
    out = np.bincount(flat.ravel(), weights=width.ravel(), minlength=n_problems * n_a * n_b)
    return out.reshape(n_problems, n_a * n_b).T


def event_counts(ia: np.ndarray, ib: np.ndarray, n_b: int, width: int) -> np.ndarray:
    """How often each event row ``i * n_b + j`` occurs among draws on the last axis.

    ``ia``, ``ib`` (P, N, k) outcome indices -> counts (width, P, N).
    """
    index = ia * n_b + ib
    cells = int(np.prod(index.shape[:-1]))
    flat = index.reshape(cells, -1) + (np.arange(cells) * width)[:, None]
    counts = np.bincount(flat.ravel(), minlength=cells * width).reshape(cells, width)
    return counts.T.reshape((width,) + index.shape[:-1])
