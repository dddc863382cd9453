"""A population of cognitive annotators as a Mesa model.

Each annotator is a thin Mesa agent: a handle onto one row of the batched models (one
``IBLBatch`` for all IBL annotators, one ``ACTRBatch`` for all ACT-R annotators,
value-weight arrays for the Bradley-Terry/Thurstone baselines of
:mod:`cogsim.baselines.random_utility`).  A model step judges every pair scheduled for that
step in one vectorized call per model kind, then applies the realism effects switched on in
the spec: position bias, fatigue lapses, feedback from gold values, social influence over a
network, and drift of values.

IBL annotators remember items: an instance is (item, experienced value).  Partial matching
compares items by their attributes in standard units, computed when needed from the item
registry (:mod:`cogsim.tasks.registry`): no table over pairs of items, so items can stream in
(the on-demand oracle, :mod:`cogsim.oracle`) and an item set of millions fits.  Every draw of
a judgment comes from the judging annotator's own keyed stream (:mod:`cogsim.streams`).

ACT-R annotators hold the same experiences as chunks (item code, the item's attributes,
value) and judge through their production system: evaluate both options by blended
retrieval with partial matching on the item, or take a heuristic (prefer the first shown,
prefer the longer, ...) chosen by noisy utilities.  Their clocks run in seconds: prior
experiences are spread over the ``PRIOR_SPAN`` seconds before the first judgment, and each
judgment takes its modelled response time, which the judgments table records in ``rt``.

Gamble items (an item table with ``outcomes`` and ``probabilities``, see
:func:`cogsim.tasks.gamble_items`) are valued by experience: an IBL or ACT-R annotator's prior
instances are payoffs sampled from the described distributions (mental sampling), feedback
from its own experience is a payoff drawn from the chosen gamble
(:class:`cogsim.payoffs.PayoffTable`), and the gold value of a gamble is its expected value
unless the spec gives gold weights.

Modules: :mod:`~cogsim.population.model` (the Mesa model and agents),
:mod:`~cogsim.population.parameters` (spec field -> engine argument, and every draw of an
annotator's parameters), :mod:`~cogsim.population.assignment` (who judges which pair when),
:mod:`~cogsim.population.effects` (position bias, lapses, social influence, drift),
:mod:`~cogsim.population.judgments` (the judgments table).  Agreement and the other measures
of a judgments table are :mod:`cogsim.fidelity`'s.
"""

from cogsim.lazy import lazy_exports

# Loaded on first use: the assignment alone (a sharded run's parent) does not load Mesa.
_EXPORTS = {"JUDGMENT_COLUMNS": "cogsim.population.judgments",
            "STRATEGIES": "cogsim.population.judgments",
            "PRIOR_SPAN": "cogsim.population.model", "Annotator": "cogsim.population.model",
            "AnnotatorPopulation": "cogsim.population.model"}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
