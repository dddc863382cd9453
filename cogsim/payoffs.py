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

    def draw(self, items: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One payoff of each gamble in ``items`` (item codes), by inverse transform of
        the uniform draws ``u`` (one per item)."""
        k = (self.cumulative[items] < u[:, None]).sum(axis=1)
        return self.outcomes[items, np.minimum(k, self.outcomes.shape[1] - 1)]

    def expected_value(self, items: np.ndarray) -> np.ndarray:
        """The expected value of the gambles ``items`` (item codes)."""
        probabilities = np.diff(self.cumulative[items], prepend=0.0, axis=1)
        return (self.outcomes[items] * probabilities).sum(axis=1)

    def extended(self, more: PayoffTable) -> PayoffTable:
        """This table followed by ``more``'s gambles (padded to the wider of the two)."""
        width = max(self.outcomes.shape[1], more.outcomes.shape[1])

        def pad(t: PayoffTable) -> tuple[np.ndarray, np.ndarray]:
            extra = width - t.outcomes.shape[1]
            return (np.pad(t.outcomes, ((0, 0), (0, extra)), mode="edge"),
                    np.pad(t.cumulative, ((0, 0), (0, extra)), mode="edge"))
        (x1, c1), (x2, c2) = pad(self), pad(more)
        return PayoffTable(np.concatenate([x1, x2]), np.concatenate([c1, c2]))

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
