"""Beliefs about an ambiguous option's probabilities for the IBL description account.

An ambiguous option B (``Amb``: its outcomes listed, their probabilities hidden) is imagined
by `cogsim.ibl.described` with a belief about those probabilities.  ``ambiguity="equal"``
(and its per-agent spread ``"dirichlet"``) takes the outcomes as equally likely.
``"like_other"`` (and ``"dirichlet_like_other"``) is borrowed from BEAST (Erev, Ert, Plonsky,
Cohen & Cohen 2017), which assumes that an ambiguous option resembles the other one: BEAST's
estimate of B's expected value is

.. math::  BEV_B = (1 - \\psi)\\,\\frac{UEV_B + EV_A}{2} + \\psi\\,Min_B,

``UEV_B`` B's expected value with its outcomes equally likely.  The IBL analog takes
BEAST's first part and has no parameter: the belief is centred so that B's expected value
under it is ``(UEV_B + EV_A) / 2``.  Of the probability vectors with that mean, it takes the
one closest to "equally likely" in relative entropy, the exponential tilt of the equal
probabilities,

.. math::  p_i \\propto e^{\\theta x_i},\\qquad \\sum_i p_i x_i = \\frac{UEV_B + EV_A}{2},

theta solved per problem (for a 2-outcome B this is the p with that mean, whatever the
tilt).  When the target lies outside B's outcome range (EV_A far outside it), the belief is
clipped to the feasible end: all mass on B's highest (or lowest) outcome.  BEAST's second
part, pessimism toward ``Min_B``, is the account's separate ``pessimism`` option.
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

__all__ = ["like_other"]

_BISECTIONS = 200


def like_other(xb: np.ndarray, listed: np.ndarray, ev_a: np.ndarray) -> np.ndarray:
    """Belief about B's probabilities whose mean is ``(UEV_B + EV_A) / 2`` (BEAST's centre).

    Parameters
    ----------
    xb : (P, K) array
        B's outcomes, ascending over the listed ones (padding anywhere after them).
    listed : (P, K) bool array
        The outcomes B lists.
    ev_a : (P,) array
        A's expected value.

    Returns
    -------
    (P, K) float64 array
        Probabilities (0 off ``listed``): the exponential tilt of the equal probabilities
        with mean ``(UEV_B + EV_A) / 2``, clipped to a point mass on B's highest or lowest
        outcome when that mean is out of reach.
    """
    xb, listed = np.asarray(xb, dtype=np.float64), np.asarray(listed, dtype=bool)
    ev_a = np.asarray(ev_a, dtype=np.float64)
    k = listed.sum(axis=1)
    uev = np.where(listed, xb, 0.0).sum(axis=1) / np.maximum(k, 1)
    lo = np.where(listed, xb, np.inf).min(axis=1)
    hi = np.where(listed, xb, -np.inf).max(axis=1)
    span = np.where(hi > lo, hi - lo, 1.0)
    z = np.where(listed, (xb - lo[:, None]) / span[:, None], 0.0)  # outcomes on [0, 1]
    target = np.clip(((uev + ev_a) / 2 - lo) / span, 0.0, 1.0)

    def tilt(theta: np.ndarray) -> np.ndarray:
        # A normalised exponential of outcome values (not a retrieval: no activation).
        return softmax(np.where(listed, theta[:, None] * z, -np.inf), axis=1)

    low, high = np.full(len(z), -1e4), np.full(len(z), 1e4)  # mean of z: increasing in theta
    for _ in range(_BISECTIONS):
        mid = (low + high) / 2
        above = (tilt(mid) * z).sum(axis=1) > target
        high, low = np.where(above, mid, high), np.where(above, low, mid)
    p = tilt((low + high) / 2)
    top = listed & (xb == hi[:, None])
    bottom = listed & (xb == lo[:, None])
    p = np.where((target >= 1)[:, None], top / np.maximum(top.sum(1, keepdims=True), 1), p)
    p = np.where((target <= 0)[:, None], bottom / np.maximum(bottom.sum(1, keepdims=True), 1),
                 p)
    return np.where((hi > lo)[:, None], p, listed / np.maximum(k, 1)[:, None])
