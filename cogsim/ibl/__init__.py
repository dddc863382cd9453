"""Instance-Based Learning: a PyIBL-compatible single agent and the batched engine.

``cogsim.ibl.Agent`` behaves like ``pyibl.Agent`` (PyIBL 5.2); ``cogsim.ibl.IBLBatch`` runs
many agents in one vectorized call per decision.  ``IBLDescriptionModel`` is the IBL account
of choice between described gambles; ``IBLRepeatedModel`` a population of IBL agents for
repeated choice with feedback (model tracing and simulation).
"""

from cogsim.lazy import lazy_exports

_EXPORTS = {
    "Agent": "cogsim.ibl.agent",
    "DelayedResponse": "cogsim.ibl.agent",
    "IBLBatch": "cogsim.ibl.batched",
    "DelayedOutcomes": "cogsim.ibl.batched",
    "IBLDescriptionModel": "cogsim.ibl.described",
    "IBLRepeatedModel": "cogsim.ibl.repeated",
    "positive_linear_similarity": "cogsim.similarity",
    "positive_quadratic_similarity": "cogsim.similarity",
    "bounded_linear_similarity": "cogsim.similarity",
    "bounded_quadratic_similarity": "cogsim.similarity",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
