"""Double Thompson Sampling for dueling bandits, and the regret it is scored by.

Pure NumPy; knows nothing of cogsim.  The learner is D-TS of Wu & Liu (2016), "Double
Thompson Sampling for Dueling Bandits", NeurIPS, Algorithm 1, with an optional discount of
the win counts (``discount < 1``; not in the paper) for preferences that change.

Notation
--------
K items; ``B[i, j]`` counts the duels in which i beat j; ``N = B + B^T``.

Regret
------
With ``P[i, j]`` the probability that the population prefers i to j at the time of the
round, and ``b*`` its best item (:func:`best_item`), a duel of (a, b) costs

    r = (Delta(a) + Delta(b)) / 2,    Delta(x) = max(0, P[b*, x] - 1/2),

the "average regret" of Zoghi et al. (2014, RUCB) and Wu & Liu (2016).  Dueling b* with
itself costs 0.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DoubleThompson", "best_item", "condorcet_winner", "regret"]


def condorcet_winner(P: np.ndarray) -> int | None:
    """The item preferred to every other with probability above 1/2, or None.

    Parameters
    ----------
    P : (K, K) array
        ``P[i, j]`` = P(i preferred to j); ``P[i, j] + P[j, i] = 1``.
    """
    P = _matrix(P)
    beats = (P > 0.5).sum(axis=1)
    winners = np.flatnonzero(beats == len(P) - 1)
    return int(winners[0]) if len(winners) else None


def best_item(P: np.ndarray) -> int:
    """The population's best item: the Condorcet winner when there is one, else the Copeland
    winner (most pairwise majorities), ties broken by the Borda score
    ``sum_j P[i, j]`` and then by the lower index.

    Parameters
    ----------
    P : (K, K) array
        ``P[i, j]`` = P(i preferred to j).

    Returns
    -------
    int
    """
    P = _matrix(P)
    copeland = (P > 0.5).sum(axis=1)
    borda = P.sum(axis=1) - np.diag(P)
    order = np.lexsort((np.arange(len(P)), -borda, -copeland))
    return int(order[0])


def regret(P: np.ndarray, a, b, best: int | None = None) -> np.ndarray:
    """Average regret of duels (a, b): (Delta(a) + Delta(b)) / 2 with
    Delta(x) = max(0, P[b*, x] - 1/2).

    Parameters
    ----------
    P : (K, K) array
        Preference probabilities at the time of the duels.
    a, b : int or array of int
        The items dueled.
    best : int, optional
        b* (default :func:`best_item` of P).

    Returns
    -------
    ndarray
        One regret per duel, in [0, 1/2].
    """
    P = _matrix(P)
    best = best_item(P) if best is None else int(best)
    gap = np.maximum(0.0, P[best] - 0.5)
    gap[best] = 0.0
    a, b = np.asarray(a), np.asarray(b)
    if ((a < 0) | (a >= len(P)) | (b < 0) | (b >= len(P))).any():
        raise ValueError(f"regret: items must be from 0 to {len(P) - 1}")
    return (gap[a] + gap[b]) / 2


def _matrix(P) -> np.ndarray:
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] < 2:
        raise ValueError(f"expected a square preference matrix of 2 or more items, got "
                         f"shape {P.shape}")
    if not np.isfinite(P).all() or (P < 0).any() or (P > 1).any():
        raise ValueError("expected preference probabilities from 0 to 1")
    return P


class DoubleThompson:
    """Double Thompson Sampling (D-TS; Wu & Liu 2016, Algorithm 1).

    Each round, with t the round (from 1) and N = B + B^T:

    1. Confidence bounds ``U, L = B / N +- sqrt(alpha ln t / N)`` (``U = 1``, ``L = 0``
       where ``N = 0``; 1/2 on the diagonal).  Candidates: the items with the largest
       upper Copeland score ``sum_{j != i} 1(U[i, j] > 1/2)``.
    2. First item: draw ``theta[i, j] ~ Beta(B[i, j] + 1, B[j, i] + 1)`` for i < j
       (``theta[j, i] = 1 - theta[i, j]``); among the candidates, the item with most
       ``theta[i, j] > 1/2`` (ties at random).
    3. Second item: draw ``theta2[i] ~ Beta(B[i, a] + 1, B[a, i] + 1)`` for i != a
       (``theta2[a] = 1/2``); the item with the largest ``theta2`` among those with
       ``L[i, a] <= 1/2``.  It may be a itself: a confident learner duels its winner
       with itself.

    With ``discount = gamma < 1`` the counts decay before every update,
    ``B <- gamma B``, so that old duels weigh less when preferences change (effective
    memory about 1 / (1 - gamma) duels); gamma = 1 is D-TS as published.

    Parameters
    ----------
    n_items : int
        K >= 2.
    rng : numpy.random.Generator
    alpha : float
        Exploration constant (> 1/2 in the paper's analysis; 0.51 in its experiments).
    discount : float
        gamma in (0, 1].
    """

    def __init__(self, n_items: int, rng: np.random.Generator, alpha: float = 0.51,
                 discount: float = 1.0):
        if int(n_items) != n_items or n_items < 2:
            raise ValueError(f"n_items: expected a whole number >= 2, got {n_items!r}")
        if not alpha > 0:
            raise ValueError(f"alpha: expected a positive number, got {alpha!r}")
        if not 0 < discount <= 1:
            raise ValueError(f"discount: expected a number in (0, 1], got {discount!r}")
        self.K, self.rng, self.alpha, self.discount = int(n_items), rng, alpha, discount
        self.B = np.zeros((self.K, self.K))
        self.t = 0

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(U, L): upper and lower confidence bounds of P at the coming round."""
        N = self.B + self.B.T
        seen = N > 0
        mean = np.divide(self.B, N, out=np.zeros_like(N), where=seen)
        width = np.sqrt(self.alpha * np.log(max(self.t + 1, 1)) / np.where(seen, N, 1.0))
        U = np.where(seen, mean + width, 1.0)
        L = np.where(seen, mean - width, 0.0)
        np.fill_diagonal(U, 0.5)
        np.fill_diagonal(L, 0.5)
        return U, L

    def select(self) -> tuple[int, int]:
        """The pair to duel this round: (first, second)."""
        K, B, rng = self.K, self.B, self.rng
        U, L = self.bounds()
        upper = (U > 0.5).sum(axis=1)
        candidates = np.flatnonzero(upper == upper.max())
        iu = np.triu_indices(K, 1)
        theta = np.full((K, K), 0.5)
        theta[iu] = rng.beta(B[iu] + 1, B.T[iu] + 1)
        theta.T[iu] = 1 - theta[iu]
        score = (theta[candidates] > 0.5).sum(axis=1)
        top = candidates[score == score.max()]
        a = int(top[rng.integers(len(top))]) if len(top) > 1 else int(top[0])
        theta2 = rng.beta(B[:, a] + 1, B[a, :] + 1)
        theta2[a] = 0.5
        allowed = L[:, a] <= 0.5          # includes a itself (L[a, a] = 1/2)
        b = int(np.flatnonzero(allowed)[np.argmax(theta2[allowed])])
        return a, b

    def update(self, winner: int, loser: int) -> None:
        """Record a duel's outcome (a duel of an item with itself records nothing but the
        round)."""
        self.t += 1
        if self.discount < 1:
            self.B *= self.discount
        if winner != loser:
            self.B[winner, loser] += 1
