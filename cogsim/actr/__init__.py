"""ACT-R annotators: batched declarative retrieval, blending and latency, and a small
production system for pairwise judgments with strategy selection and utility learning.

``ACTRBatch`` judges many annotators' pairs in one vectorized call; ``DeclarativeMemory``
is the retrieval engine underneath, usable on its own.  Parameter names and defaults are
ACT-R's as pyactr spells them (``decay``, ``instantaneous_noise``, ``retrieval_threshold``,
``latency_factor``, ``latency_exponent``, ``mismatch_penalty``, ``rule_firing``,
``utility_noise``, ``utility_alpha``...).  ``ACTRDescriptionModel`` is an ACT-R account of
choice between described gambles (blended retrieval over presented outcomes).
"""

from cogsim.actr.declarative import DeclarativeMemory, retrieval_latency
from cogsim.actr.gambles import ACTRDescriptionModel
from cogsim.actr.productions import HEURISTICS, ACTRBatch
from cogsim.similarity import (
                               bounded_linear_similarity,
                               bounded_quadratic_similarity,
                               positive_linear_similarity,
                               positive_quadratic_similarity,
)

__all__ = ["ACTRBatch", "ACTRDescriptionModel", "DeclarativeMemory", "retrieval_latency", "HEURISTICS",
           "positive_linear_similarity", "positive_quadratic_similarity",
           "bounded_linear_similarity", "bounded_quadratic_similarity"]
