"""ACT-R annotators: batched declarative retrieval, blending and latency, and a small
production system for pairwise judgments with strategy selection and utility learning.

``ACTRBatch`` judges many annotators' pairs in one vectorized call; ``DeclarativeMemory``
is the retrieval engine underneath, usable on its own.  Parameter names and defaults are
ACT-R's as pyactr spells them (``decay``, ``instantaneous_noise``, ``retrieval_threshold``,
``latency_factor``, ``latency_exponent``, ``mismatch_penalty``, ``rule_firing``,
``utility_noise``, ``utility_alpha``...).  ``ACTRDescriptionModel`` is an ACT-R account of
choice between described gambles (blended retrieval over presented outcomes).
"""

from cogsim.lazy import lazy_exports

_EXPORTS = {
    "ACTRBatch": "cogsim.actr.batched",
    "HEURISTICS": "cogsim.actr.batched",
    "ACTRDescriptionModel": "cogsim.actr.described",
    "DeclarativeMemory": "cogsim.actr.declarative",
    "retrieval_latency": "cogsim.actr.declarative",
    "positive_linear_similarity": "cogsim.similarity",
    "positive_quadratic_similarity": "cogsim.similarity",
    "bounded_linear_similarity": "cogsim.similarity",
    "bounded_quadratic_similarity": "cogsim.similarity",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
