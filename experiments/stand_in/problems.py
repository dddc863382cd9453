"""A generator of described gamble problems after the CPC15 / choices13k procedure.

Erev et al. (2017, Appendix) drew CPC15's problems with a random algorithm, and Peterson et al.
(2021) drew choices13k's with the same one.  This is a re-implementation from that description
(the organisers' code is not used), in outline:

1. Option A: an expected value ``EV_A' ~ U(-10, 30)``; ``pHa = 1`` with probability 0.4, else
   one of (.01, .05, .1, .2, .25, .4, .5, .6, .75, .8, .9, .95, .99) uniformly; for a risky A
   the low outcome lies below ``EV_A'`` by a half-normal of scale ``max(|EV_A'|, 5)`` and
   the high outcome keeps the expected value; outcomes are rounded to integers.
2. Option B: ``EV_B' = EV_A' + D``, ``D ~ U(-20, 20)`` scaled by a uniform in [0, 1] (most
   differences small, as in the competitions), with B's probability and outcomes drawn as A's;
   with probability 1/2 B's high outcome is a lottery: ``Symm`` (3, 5, 7 or 9 outcomes),
   ``R-skew`` or ``L-skew`` (2 to 8), one third each (:mod:`cogsim.tasks.gambles`).
3. ``Amb`` (B's probabilities hidden) with probability 0.2 when B is risky; ``Corr`` 0 with
   probability 0.8, else 1 or -1 (both options risky only); ``Feedback`` true with probability
   0.8 (choices13k ran most problems with feedback).

It is written to match the described procedure's ranges and shares, not its every rule (e.g.
the competitions' filters against problems with identical options are replaced by redrawing
such problems, and problems with an outcome outside [-100, 256] are redrawn).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PROBS = np.array([0.01, 0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9, 0.95, 0.99])
SHAPES = ("Symm", "R-skew", "L-skew")


def _option(rng: np.random.Generator, ev: np.ndarray):
    n = len(ev)
    safe = rng.random(n) < 0.4
    p = np.where(safe, 1.0, rng.choice(PROBS, n))
    low = ev - np.abs(rng.normal(0.0, np.maximum(np.abs(ev), 5.0)))
    high = np.where(safe, ev, (ev - low * (1 - p)) / np.where(safe, 1.0, p))
    high, low = np.round(high), np.round(low)
    low = np.where(safe, high, np.minimum(low, high))
    return high, p, low


def generate_problems(n: int, seed: int) -> pd.DataFrame:
    """``n`` problems in the competition format (with ``Feedback``), drawn from ``seed``."""
    rng = np.random.default_rng([seed, 15])
    out = []
    while sum(len(t) for t in out) < n:
        m = 2 * n
        ev_a = rng.uniform(-10, 30, m)
        ha, pha, la = _option(rng, ev_a)
        ev_b = ev_a + rng.uniform(-20, 20, m) * rng.random(m)
        hb, phb, lb = _option(rng, ev_b)
        lottery = (rng.random(m) < 0.5) & (phb > 0)
        shape = np.where(lottery, rng.choice(SHAPES, m), "-")
        num = np.where(shape == "Symm", rng.choice([3, 5, 7, 9], m),
                       np.where(shape == "-", 1, rng.integers(2, 9, m)))
        risky_b = (phb < 1) | lottery
        amb = risky_b & (rng.random(m) < 0.2)
        corr = np.where((pha < 1) & risky_b & (rng.random(m) < 0.2),
                        rng.choice([-1, 1], m), 0)
        table = pd.DataFrame({"Ha": ha, "pHa": pha, "La": la, "LotShapeA": "-", "LotNumA": 1,
                              "Hb": hb, "pHb": phb, "Lb": lb, "LotShapeB": shape,
                              "LotNumB": num.astype(int), "Amb": amb.astype(int),
                              "Corr": corr.astype(int),
                              "Feedback": rng.random(m) < 0.8})
        same = ((table.Ha == table.Hb) & (table.La == table.Lb) & (table.pHa == table.pHb)
                & (table.LotShapeB == "-"))
        outcomes = table[["Ha", "La", "Hb", "Lb"]]
        wild = ((outcomes < -100) | (outcomes > 256)).any(axis=1)
        out.append(table[~same & ~wild])
    return pd.concat(out, ignore_index=True).iloc[:n].reset_index(drop=True)
