"""Instance-Based Learning: a PyIBL-compatible single agent and the batched engine.

``cogsim.ibl.Agent`` behaves like ``pyibl.Agent`` (PyIBL 5.2); ``cogsim.ibl.IBLBatch`` runs
many agents in one vectorized call per decision.
"""

from cogsim.ibl.agent import Agent, DelayedResponse
from cogsim.ibl.batched import DelayedOutcomes, IBLBatch
from cogsim.similarity import (bounded_linear_similarity, bounded_quadratic_similarity,
                               positive_linear_similarity, positive_quadratic_similarity)

__all__ = [
    "Agent", "DelayedResponse", "IBLBatch", "DelayedOutcomes",
    "positive_linear_similarity", "positive_quadratic_similarity",
    "bounded_linear_similarity", "bounded_quadratic_similarity",
]
