"""Instance-Based Learning: a PyIBL-compatible single agent and the batched engine.

``cogsim.ibl.Agent`` behaves like ``pyibl.Agent`` (PyIBL 5.2); ``cogsim.ibl.IBLBatch`` runs
many agents in one vectorized call per decision.  ``IBLDescriptionModel`` is the IBL account
of choice between described gambles; ``IBLRepeatedModel`` a population of IBL agents for
repeated choice with feedback (model tracing and simulation).
"""

from cogsim.ibl.agent import Agent, DelayedResponse
from cogsim.ibl.batched import DelayedOutcomes, IBLBatch
from cogsim.ibl.description import IBLDescriptionModel
from cogsim.ibl.repeated import IBLRepeatedModel
from cogsim.similarity import (
                               bounded_linear_similarity,
                               bounded_quadratic_similarity,
                               positive_linear_similarity,
                               positive_quadratic_similarity,
)

__all__ = [
    "Agent", "DelayedResponse", "IBLBatch", "DelayedOutcomes", "IBLDescriptionModel",
    "IBLRepeatedModel",
    "positive_linear_similarity", "positive_quadratic_similarity",
    "bounded_linear_similarity", "bounded_quadratic_similarity",
]
