"""Baseline models that cogsim's cognitive models are compared against.

Expected value and cumulative prospect theory with a logit choice rule for described
gambles (`cogsim.baselines.prospect`), and the delta-rule reinforcement learner with softmax
for repeated choice with feedback (`cogsim.baselines.delta_rule`).  The random-utility
annotators (Bradley-Terry, Thurstone) live in the population (`cogsim.population`).
"""

from cogsim.baselines.delta_rule import DeltaRuleModel, DeltaRulePopulation
from cogsim.baselines.prospect import ExpectedValueModel, ProspectTheoryModel

__all__ = ["ExpectedValueModel", "ProspectTheoryModel", "DeltaRuleModel", "DeltaRulePopulation"]
