"""Payoff tables of gamble items: the outcome distributions as padded arrays, for drawing
payoffs and computing expected values in bulk.

Gamble items (an item table with ``outcomes`` and ``probabilities`` columns, see
:func:`cogsim.tasks.gamble_items`) become two (n items, K) arrays: the outcomes, and their
cumulative probabilities, padded by repeating the last outcome with cumulative 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PayoffTable", "payoff_table"]


@dataclass(frozen=True)
class PayoffTable:
    """Outcomes and cumulative probabilities of n gambles, padded to K outcomes each."""

    outcomes: np.ndarray     # (n items, K)
    cumulative: np.ndarray   # (n items, K), last column exactly 1

    def draw(self, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One payoff of each gamble in ``items`` (item codes), by inverse transform of a
        uniform draw."""
        u = rng.random(len(items))
        k = (self.cumulative[items] < u[:, None]).sum(axis=1)
        return self.outcomes[items, np.minimum(k, self.outcomes.shape[1] - 1)]

    def expected_values(self) -> np.ndarray:
        """The expected value of every gamble, (n items,)."""
        probabilities = np.diff(self.cumulative, prepend=0.0, axis=1)
        return (self.outcomes * probabilities).sum(axis=1)


def payoff_table(items: pd.DataFrame) -> PayoffTable | None:
    """The gamble items' payoff table; None when the items are not gambles (no
    ``outcomes`` column)."""
    if "outcomes" not in items.columns:
        return None
    width = int(items["outcomes"].map(len).max())
    outcomes = np.empty((len(items), width))
    cumulative = np.ones((len(items), width))
    for i, (x, p) in enumerate(zip(items["outcomes"], items["probabilities"])):
        outcomes[i, :len(x)], outcomes[i, len(x):] = x, x[-1]
        cumulative[i, :len(p)] = np.cumsum(p)
    cumulative[:, -1] = 1.0
    return PayoffTable(outcomes, cumulative)
