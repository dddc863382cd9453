"""Baseline models that cogsim's cognitive models are compared against.

Expected value and cumulative prospect theory with a logit choice rule for described
gambles, and a delta-rule reinforcement learner for repeated choice with feedback.
"""
