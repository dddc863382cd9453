"""Baseline models that cogsim's cognitive models are compared against.

Expected value and cumulative prospect theory with a logit choice rule for described
gambles (`cogsim.baselines.prospect`), BEAST.sd, the competitions' model of decisions from
description and experience (`cogsim.baselines.beast`), the delta-rule reinforcement learner
with softmax for repeated choice with feedback (`cogsim.baselines.delta_rule`), and the
random-utility annotators (Bradley-Terry, Thurstone) that populations run beside the cognitive
ones (`cogsim.baselines.random_utility`).

Names are loaded on first use (PEP 562), so a population that only needs the random-utility
annotators does not import SciPy's optimizers.
"""

from cogsim.lazy import lazy_exports

_EXPORTS = {
    "ExpectedValueModel": "cogsim.baselines.prospect",
    "ProspectTheoryModel": "cogsim.baselines.prospect",
    "BEASTModel": "cogsim.baselines.beast",
    "DeltaRuleModel": "cogsim.baselines.delta_rule",
    "DeltaRulePopulation": "cogsim.baselines.delta_rule",
    "RANDOM_UTILITY_KINDS": "cogsim.baselines.random_utility",
    "random_utility_judge": "cogsim.baselines.random_utility:judge",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
