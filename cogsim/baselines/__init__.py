"""Baseline models that cogsim's cognitive models are compared against.

Expected value and cumulative prospect theory with a logit choice rule for described
gambles (`cogsim.baselines.prospect`), the delta-rule reinforcement learner with softmax
for repeated choice with feedback (`cogsim.baselines.delta_rule`), and the random-utility
annotators (Bradley-Terry, Thurstone) that populations run beside the cognitive ones
(`cogsim.baselines.random_utility`).
"""

from cogsim.baselines.delta_rule import DeltaRuleModel, DeltaRulePopulation
from cogsim.baselines.prospect import ExpectedValueModel, ProspectTheoryModel
from cogsim.baselines.random_utility import RANDOM_UTILITY_KINDS
from cogsim.baselines.random_utility import judge as random_utility_judge

__all__ = ["ExpectedValueModel", "ProspectTheoryModel", "DeltaRuleModel", "DeltaRulePopulation",
           "RANDOM_UTILITY_KINDS", "random_utility_judge"]
