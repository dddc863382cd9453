"""Bad input to the IBL engine raises a ValueError that names the argument and what was
expected, before any state changes (never a traceback from deep inside NumPy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cogsim.engine_args import agent_indices
from cogsim.ibl import Agent, IBLBatch, bounded_linear_similarity

NON_FINITE = [math.nan, math.inf, -math.inf]


def agent(**params) -> Agent:
    p = dict(noise=0.0, default_utility=1.0)
    p.update(params)
    return Agent(**p)


def batch(n=3, attributes=("option",), **params) -> IBLBatch:
    p = dict(noise=0.0, default_utility=1.0, seed=0)
    p.update(params)
    return IBLBatch(n, list(attributes), **p)


# ------------------------------------------------------------------------- outcomes
@pytest.mark.parametrize("bad", NON_FINITE)
def test_agent_respond_non_finite_outcome(bad):
    a = agent()
    a.choose(["a", "b"])
    before = a.instances(file=None)
    with pytest.raises(ValueError, match=r"outcome.*finite"):
        a.respond(bad)
    assert a.instances(file=None) == before
    a.respond(2.0)              # the decision is still pending and can be answered
    assert any(i["outcome"] == 2.0 for i in a.instances(file=None))


@pytest.mark.parametrize("bad", NON_FINITE + ["3", None, [1.0]])
def test_agent_populate_bad_outcome(bad):
    a = agent()
    with pytest.raises(ValueError, match="outcome"):
        a.populate(["a"], bad)
    assert a.instances(file=None) == []


@pytest.mark.parametrize("bad", NON_FINITE)
def test_delayed_update_non_finite_outcome(bad):
    a = agent()
    a.choose(["a", "b"])
    delayed = a.respond()
    before = a.instances(file=None)
    with pytest.raises(ValueError, match=r"outcome.*finite"):
        delayed.update(bad)
    assert a.instances(file=None) == before and not delayed.is_resolved


@pytest.mark.parametrize("bad", NON_FINITE)
def test_batch_respond_non_finite_outcomes(bad):
    b = batch()
    b.choose(np.array([[0.0], [1.0]]))
    with pytest.raises(ValueError, match=r"outcomes.*finite"):
        b.respond(np.array([1.0, bad, 2.0]))
    b.respond(np.array([1.0, 2.0, 3.0]))     # still pending: nothing was learned


def test_batch_respond_wrong_number_of_outcomes():
    b = batch()
    b.choose(np.array([[0.0], [1.0]]))
    with pytest.raises(ValueError, match=r"outcomes.*3"):
        b.respond(np.array([1.0, 2.0]))


@pytest.mark.parametrize("bad", NON_FINITE)
def test_batch_populate_non_finite_outcome(bad):
    b = batch()
    with pytest.raises(ValueError, match=r"outcome.*finite"):
        b.populate(np.array([[0.0]]), bad)
    assert not b.memory.valid.any()


@pytest.mark.parametrize("bad", NON_FINITE)
def test_batch_delayed_update_non_finite(bad):
    b = batch()
    b.choose(np.array([[0.0], [1.0]]))
    delayed = b.respond_delayed()
    with pytest.raises(ValueError, match=r"outcomes.*finite"):
        delayed.update(np.array([bad, 1.0, 1.0]))
    assert not delayed.resolved.any()


# ---------------------------------------------------------------- unknown options
def test_agent_respond_choice_not_offered():
    a = agent()
    a.choose(["a", "b"])
    with pytest.raises(ValueError, match=r"choice 'z' is not one of the choices offered"):
        a.respond(1.0, choice="z")
    a.respond(1.0, choice="b")


@pytest.mark.parametrize("bad", [[2, 0, 0], [-1, 0, 0], [0.5, 0, 0], [0, 1]])
def test_batch_respond_choices_out_of_range(bad):
    b = batch()
    b.choose(np.array([[0.0], [1.0]]))
    with pytest.raises(ValueError, match=r"choices must be 3 option indices in \[0, 2\)"):
        b.respond(np.ones(3), choices=np.array(bad))


# -------------------------------------------------------------------- similarity
def test_similarity_weights_sum_over_one():
    a = Agent(["x", "y"], noise=0.0, mismatch_penalty=1.0)
    a.similarity(["x"], bounded_linear_similarity(0, 1), weight=0.6)
    with pytest.raises(ValueError, match=r"weights must sum to at most 1"):
        a.similarity(["y"], bounded_linear_similarity(0, 1), weight=0.6)
    with pytest.raises(ValueError, match=r"weights must sum to at most 1"):
        a.similarity(["x", "y"], bounded_linear_similarity(0, 1), weight=0.75)


def test_batch_similarity_weights_sum_over_one():
    b = batch(attributes=("x", "y"), mismatch_penalty=1.0)
    with pytest.raises(ValueError, match=r"weights must sum to at most 1"):
        b.similarity(["x", "y"], bounded_linear_similarity(0, 1), weight=0.6)


@pytest.mark.parametrize("weight", [0, -0.5, 1.5, math.nan, "1"])
def test_similarity_weight_out_of_range(weight):
    a = Agent(["x"], noise=0.0, mismatch_penalty=1.0)
    with pytest.raises(ValueError, match=r"weight must be a number in \(0, 1\]"):
        a.similarity(["x"], bounded_linear_similarity(0, 1), weight=weight)


def test_similarity_unknown_attribute():
    a = Agent(["x"], noise=0.0, mismatch_penalty=1.0)
    with pytest.raises(ValueError, match=r"unknown attribute 'z'"):
        a.similarity(["z"], bounded_linear_similarity(0, 1))


def test_similarity_function_not_callable():
    a = Agent(["x"], noise=0.0, mismatch_penalty=1.0)
    with pytest.raises(ValueError, match=r"similarity function must be callable"):
        a.similarity(["x"], 0.5)


def test_similarity_function_out_of_range():
    a = Agent(["x"], noise=0.0, mismatch_penalty=1.0)
    a.similarity(["x"], lambda u, v: 2.0)
    a.populate([(1,)], 1.0)
    with pytest.raises(ValueError, match=r"similarity of attribute 'x' must be in \[0, 1\]"):
        a.choose([(2,), (3,)])


# ----------------------------------------------------------------- parameters
@pytest.mark.parametrize("name", ["decay", "noise"])
@pytest.mark.parametrize("value", [-0.1, -1])
def test_agent_negative_decay_or_noise(name, value):
    with pytest.raises(ValueError, match=rf"{name} must be .*(non-negative|at least 0)"):
        Agent(**{name: value})


@pytest.mark.parametrize("name", ["decay", "noise", "mismatch_penalty"])
def test_batch_negative_per_agent_parameter(name):
    with pytest.raises(ValueError, match=rf"{name} must be at least 0"):
        IBLBatch(3, ["option"], **{name: np.array([0.5, -0.1, 0.5])})


@pytest.mark.parametrize("name", ["decay", "noise", "temperature"])
def test_batch_parameter_wrong_length(name):
    with pytest.raises(ValueError, match=rf"{name} must be a number or 3 numbers"):
        IBLBatch(3, ["option"], **{name: np.array([0.5, 0.5])})


@pytest.mark.parametrize("name", ["decay", "noise", "temperature"])
def test_batch_parameter_not_finite(name):
    with pytest.raises(ValueError, match=rf"{name} must be finite"):
        IBLBatch(2, ["option"], **{name: np.array([0.5, np.nan])})


@pytest.mark.parametrize("value", [0.0, 0.005, -1.0])
def test_temperature_below_minimum(value):
    with pytest.raises(ValueError, match=r"temperature must be at least 0.01"):
        Agent(temperature=value)
    with pytest.raises(ValueError, match=r"temperature must be at least 0.01"):
        IBLBatch(2, ["option"], temperature=value)


def test_negative_mismatch_penalty():
    with pytest.raises(ValueError, match=r"mismatch_penalty must be at least 0"):
        Agent(["x"], mismatch_penalty=-1.0)


@pytest.mark.parametrize("ol", [True, 2])
def test_optimized_learning_needs_decay_below_one(ol):
    with pytest.raises(ValueError, match=r"decay must be less than 1 with optimized_learning"):
        Agent(decay=1.0, optimized_learning=ol)


@pytest.mark.parametrize("ol", [-1, 1.5, "yes"])
def test_bad_optimized_learning(ol):
    with pytest.raises(ValueError, match=r"optimized_learning must be a bool or a positive"):
        Agent(optimized_learning=ol)


@pytest.mark.parametrize("n", [0, -2, 1.5])
def test_batch_bad_n_agents(n):
    with pytest.raises(ValueError, match=r"n_agents must be a positive integer"):
        IBLBatch(n, ["option"])


def test_duplicate_attributes():
    with pytest.raises(ValueError, match=r"attributes must be distinct"):
        Agent(["x", "x"])
    with pytest.raises(ValueError, match=r"attributes must be distinct"):
        IBLBatch(2, ["x", "x"])


def test_callable_default_utility_returning_nan():
    a = Agent(noise=0.0, default_utility=lambda c: math.nan)
    with pytest.raises(ValueError, match=r"default_utility must give one finite number"):
        a.choose(["a", "b"])


# ------------------------------------------------------------ choices and options
@pytest.mark.parametrize("bad", [(1, 2, 3), (1,), ()])
def test_agent_choice_with_wrong_number_of_attributes(bad):
    a = Agent(["x", "y"], noise=0.0, default_utility=1.0)
    with pytest.raises(ValueError, match=rf"has {len(bad)} attribute values; expected 2 \(x, y\)"):
        a.choose([(1, 2), bad])
    with pytest.raises(ValueError, match=rf"has {len(bad)} attribute values; expected 2"):
        a.populate([bad], 1.0)


def test_agent_choice_with_unknown_attribute_name():
    a = Agent(["x", "y"], noise=0.0, default_utility=1.0)
    with pytest.raises(ValueError, match=r"unknown attributes \['z'\]"):
        a.choose([{"x": 1, "y": 2}, {"x": 1, "z": 2}])


def test_agent_duplicate_choices():
    a = agent()
    with pytest.raises(ValueError, match=r"choices must not contain duplicates"):
        a.choose(["a", "b", "a"])


@pytest.mark.parametrize("bad", [None, ["list"]])
def test_agent_unhashable_or_none_choice(bad):
    a = agent()
    with pytest.raises(ValueError, match=r"must be a hashable value other than None"):
        a.choose(["a", bad])


def test_agent_no_choices():
    with pytest.raises(ValueError, match=r"no choices were supplied"):
        agent().choose([])


@pytest.mark.parametrize("options", [
    np.zeros((2, 3)),            # three attribute values for a two-attribute batch
    np.zeros((2,)),              # one-dimensional
    np.zeros((4, 2, 2)),         # one set per agent, but 4 sets for 3 agents
    np.zeros((2, 2, 2, 1)),      # four-dimensional
], ids=["too-many-attributes", "1-d", "wrong-n-agents", "4-d"])
def test_batch_options_bad_shape(options):
    b = batch(attributes=("x", "y"))
    with pytest.raises(ValueError, match=r"options must have shape \(n_options, 2\) or \(3, "
                                         r"n_options, 2\)"):
        b.choose(options)


def test_batch_options_empty_or_not_finite():
    b = batch(attributes=("x", "y"))
    with pytest.raises(ValueError, match=r"options must hold at least one option"):
        b.choose(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"options must hold finite attribute values"):
        b.choose(np.array([[0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(ValueError, match=r"options must be numeric"):
        b.choose([["a", "b"]])


def test_batch_agents_out_of_range_or_repeated():
    b = batch()
    opts = np.array([[0.0], [1.0]])
    with pytest.raises(ValueError, match=r"agents must be indices in \[0, 3\)"):
        b.choose(opts, agents=[0, 3])
    with pytest.raises(ValueError, match=r"agents must not repeat"):
        b.choose(opts, agents=[1, 1])


@pytest.mark.parametrize("n", [2, 64, 65, 500])
def test_a_repeated_agent_is_found_among_few_and_many(n):
    agents = list(range(n - 1)) + [(n - 1) // 2]
    with pytest.raises(ValueError, match=r"agents must not repeat"):
        agent_indices(agents, n)
    assert agent_indices(agents[:-1], n).tolist() == list(range(n - 1))


# ---------------------------------------------------------------------- time
@pytest.mark.parametrize("increment", [-1, 1.5, True])
def test_advance_bad_increment(increment):
    with pytest.raises(ValueError, match=r"increment must be a non-negative integer"):
        agent().advance(increment)


def test_advance_target_in_the_past():
    a = agent()
    a.advance(5)
    with pytest.raises(ValueError, match=r"target \(2\) is earlier than the current time"):
        a.advance(0, target=2)


def test_populate_when_in_the_future():
    a = agent()
    a.advance(2)
    with pytest.raises(ValueError, match=r"when \(3\) must not be in the future"):
        a.populate(["a"], 1.0, when=3)
    with pytest.raises(ValueError, match=r"when must be an integer time"):
        a.populate(["a"], 1.0, when=1.5)
    assert a.instances(file=None) == []


def test_checked_arguments_choose_as_the_checked_call_does():
    """``choose(..., checked=True)`` (arguments in the engine's form, as the population
    passes them) decides exactly as the call that checks them."""
    def agents():
        model = IBLBatch(4, ["item"], noise=0.3, decay=0.5, mismatch_penalty=3.0, seed=5)
        model.similarity("item", lambda x, y: 1 - np.abs(x - y) / 10)
        model.populate(np.arange(8.0).reshape(4, 2, 1)[:, :1], np.arange(4.0))
        return model

    options = np.array([[[1.0], [4.0]], [[2.0], [7.0]]])
    who = np.array([3, 1])
    checked, unchecked = agents(), agents()
    np.testing.assert_array_equal(checked.choose(options, who, checked=True),
                                  unchecked.choose(options.tolist(), [3, 1]))
    np.testing.assert_array_equal(checked.last_blended, unchecked.last_blended)
