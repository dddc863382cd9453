"""Judging several steps in one batch (draws made ahead) gives exactly what judging them one
step at a time gives: the keyed streams, the IBL engine, the population and the oracle."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim import Oracle
from cogsim.ibl import IBLBatch
from cogsim.population import AnnotatorPopulation
from cogsim.spec import parse_spec
from cogsim.streams import KeyedStreams
from cogsim.tasks import default_items, random_pairs

REPO = Path(__file__).resolve().parents[1]


def test_draws_ahead_are_the_later_calls_draws():
    agents = np.array([3, 0, 3, 1, 3, 0])
    ahead = np.array([0, 0, 1, 0, 2, 1])
    batched = KeyedStreams(7, 5)
    together = batched.random((2, 6), agents, ahead=ahead)
    assert batched.counters.tolist() == [0] * 5               # ahead moves no counter
    batched.advance(np.array([0, 1, 3]), np.array([2, 1, 3]))
    one_by_one = KeyedStreams(7, 5)
    calls = [np.array([3, 0, 1]), np.array([3, 0]), np.array([3])]
    drawn = {}
    for who in calls:
        for j, u in zip(who, one_by_one.random((2, len(who)), who).T):
            drawn.setdefault(int(j), []).append(u)
    for col, (j, k) in enumerate(zip(agents, ahead)):
        np.testing.assert_array_equal(together[:, col], drawn[int(j)][k])
    np.testing.assert_array_equal(batched.counters, one_by_one.counters)


def ibl_agents() -> IBLBatch:
    model = IBLBatch(4, ["item"], noise=[0.2, 0.3, 0.25, 0.4], decay=0.5,
                     mismatch_penalty=5.0, seed=KeyedStreams(11, 4))
    model.similarity("item", lambda x, y: 1 - np.abs(x - y) / 10)
    rng = np.random.default_rng(0)
    for _ in range(6):
        model.populate(rng.integers(0, 10, (4, 1, 1)).astype(float), rng.normal(size=4))
    return model


def test_ibl_decisions_ahead_equal_decisions_in_turn():
    """Agents that learn nothing between decisions: one call with repeated agents equals
    one call per round (values, choices, the streams' counters, the clocks)."""
    rounds = [np.array([0, 1, 2, 3]), np.array([2, 0]), np.array([2, 3, 1])]
    rng = np.random.default_rng(1)
    options = [rng.integers(0, 10, (len(r), 2, 1)).astype(float) for r in rounds]
    in_turn = ibl_agents()
    values, choices = [], []
    for who, opts in zip(rounds, options):
        choices.append(in_turn.choose(opts, agents=who))
        values.append(in_turn.last_blended)
        in_turn.respond(np.full(len(who), np.nan), learn=np.zeros(len(who), bool))
    at_once = ibl_agents()
    who = np.concatenate(rounds)
    ahead = np.array([0, 0, 0, 0, 1, 1, 2, 1, 1])
    chosen = at_once.choose(np.concatenate(options), agents=who, ahead=ahead)
    np.testing.assert_array_equal(at_once.last_blended, np.concatenate(values))
    np.testing.assert_array_equal(chosen, np.concatenate(choices))
    np.testing.assert_array_equal(at_once.rng.counters, in_turn.rng.counters)
    np.testing.assert_array_equal(at_once.time, in_turn.time)
    with pytest.raises(RuntimeError, match="learn nothing"):
        at_once.respond(np.zeros(len(who)))
    at_once.respond(np.zeros(len(who)), learn=np.zeros(len(who), bool))


def test_ibl_decisions_ahead_refuse_an_option_no_instance_matches():
    model = IBLBatch(2, ["item"], noise=0.2, seed=KeyedStreams(1, 2), default_utility=0.0)
    model.populate(np.array([[[1.0]], [[2.0]]]), np.array([1.0, 1.0]))
    assert not model.always_matches(np.array([0, 1]))       # exact matching only
    with pytest.raises(RuntimeError, match="matches no instance"):
        model.choose(np.array([[[1.0], [5.0]], [[2.0], [1.0]]]), agents=np.array([0, 0]),
                     ahead=np.array([0, 1]))


def quiet_spec(**extra) -> dict:
    """The attribute population with fatigue and position bias, and nothing that changes
    the annotators between judgments (no learning, social influence or drift)."""
    data = tomllib.loads((REPO / "populations" / "attributes.toml").read_text())
    for key in ("experience_rate", "feedback", "social", "drift"):
        data.pop(key, None)
    data.setdefault("fatigue", {"base": 0.02, "per_judgment": 0.01, "maximum": 0.3})
    data.setdefault("position_bias", {"p_first": 0.6})
    data.update(extra)
    return data


def plan_for(population: AnnotatorPopulation, rng: np.random.Generator, steps: int) -> list:
    """Random steps (distinct annotators within each), each followed by its end."""
    plan, pair = [], 0
    n_items = len(population.items)
    for _ in range(steps):
        who = rng.permutation(population.n)[:rng.integers(1, population.n + 1)]
        a = rng.integers(0, n_items, len(who))
        b = (a + rng.integers(1, n_items, len(who))) % n_items
        plan += [(who, a, b, pair + np.arange(len(who))), None]
        pair += len(who)
    return plan


@pytest.mark.parametrize("quiet", [True, False], ids=["ahead", "in-turn"])
def test_population_plan_at_once_equals_step_by_step(quiet: bool):
    """A population's plan judged by judge_steps equals judge_step/end_step in turn: the
    columns, the counts, the collected step data and every stream.  With learning the
    population falls back to judging in turn (the same results, by construction)."""
    data = quiet_spec() if quiet else quiet_spec(experience_rate=0.5, social={"weight": 0.2})
    spec, items = parse_spec(data), default_items()
    at_once, in_turn = (AnnotatorPopulation(spec, items, seed=5) for _ in range(2))
    plan = plan_for(at_once, np.random.default_rng(2), 12)
    assert at_once._can_judge_ahead([e for e in plan if e is not None]) is quiet
    got = at_once.judge_steps(plan)
    want = []
    for entry in plan:
        if entry is None:
            in_turn.end_step()
        else:
            want.append(in_turn.judge_step(*entry))
    assert len(got) == len(want) == 12
    for g, w in zip(got, want):
        assert g.keys() == w.keys()
        for key in g:
            np.testing.assert_array_equal(g[key], w[key], err_msg=key)
    np.testing.assert_array_equal(at_once.done, in_turn.done)
    np.testing.assert_array_equal(at_once.draws.counters, in_turn.draws.counters)
    np.testing.assert_array_equal(at_once.ibl.rng.counters, in_turn.ibl.rng.counters)
    pd.testing.assert_frame_equal(at_once.datacollector.get_model_vars_dataframe(),
                                  in_turn.datacollector.get_model_vars_dataframe())
    assert at_once.judging_step == in_turn.judging_step == 12


def test_oracle_batch_without_learning_equals_one_pair_at_a_time():
    """The oracle judges a batch's steps at once when nothing changes the annotators
    between them; the table equals the one made a pair at a time (and the states go on
    alike)."""
    spec = parse_spec(quiet_spec())
    pairs = random_pairs(default_items(), 300, np.random.default_rng(4))[["item_a", "item_b"]]
    whole_oracle, ones_oracle = Oracle(spec), Oracle(spec)
    whole = whole_oracle.judge(pairs)
    ones = pd.concat([ones_oracle.judge(pairs.iloc[i:i + 1]) for i in range(len(pairs))],
                     ignore_index=True)
    assert whole["step"].nunique() > 10 and (whole["strategy"] == "lapse").any()
    pd.testing.assert_frame_equal(whole, ones)
    pd.testing.assert_frame_equal(whole_oracle.judge(pairs.iloc[:50]),
                                  ones_oracle.judge(pairs.iloc[:50]))


def test_ibl_options_in_one_pass_equal_one_option_at_a_time():
    """With partial matching on every attribute, a similarity function that broadcasts
    lets the engine match every option in one pass; the values, the probabilities and
    the choices are those of matching one option at a time, bit for bit."""
    def similarity(x, y):
        return 1 - np.minimum(np.abs(x - y), 10) / 10

    def broadcasting(x, y):
        return similarity(x, y)
    broadcasting.broadcasts = True

    rng = np.random.default_rng(3)
    options = rng.integers(0, 40, (30, 3, 2)).astype(float)
    noise = rng.uniform(0.1, 0.5, 30)
    results = []
    for function in (similarity, broadcasting):
        model = IBLBatch(30, ["a", "b"], noise=noise,
                         decay=0.5, mismatch_penalty=4.0, seed=KeyedStreams(5, 30))
        model.sequential_sums = True
        model.similarity(["a", "b"], function)
        fill = np.random.default_rng(4)
        for _ in range(25):
            model.populate(fill.integers(0, 40, (30, 1, 2)).astype(float),
                           fill.normal(size=30))
        chosen, details = model.choose(options, details=True)
        results.append((chosen, details))
    (c1, d1), (c2, d2) = results
    np.testing.assert_array_equal(c1, c2)
    for key in ("blended", "probabilities", "candidates"):
        np.testing.assert_array_equal(d1[key], d2[key], err_msg=key)


def test_a_tie_is_broken_by_the_decisions_second_draw_and_no_tie_keeps_the_streams():
    """Keyed streams: equal blended values are decided by the uniforms of the decision's
    second stream call (the first is the noise); a decision without a tie draws nothing
    there but moves the counters as the draw would, so later draws are unchanged."""
    def agents_with(noise):
        model = IBLBatch(3, ["item"], noise=noise, decay=0.5, mismatch_penalty=5.0,
                         seed=KeyedStreams(4, 3))
        model.similarity("item", lambda x, y: 1 - np.abs(x - y) / 10)
        model.populate(np.array([[[1.0]], [[2.0]], [[5.0]]]), np.full(3, 1.0))
        return model

    who = np.arange(3)
    tied = agents_with(0.0)                      # no noise: two equal options tie
    chosen = tied.choose(np.full((3, 4, 1), 3.0), agents=who)
    reference = KeyedStreams(4, 3)
    reference.skip(who)                          # the noise call (scale 0: not drawn)
    np.testing.assert_array_equal(chosen, reference.random((4, 3), who).argmax(axis=0))
    assert len(set(chosen.tolist())) > 1         # the draws, not a fixed rule, decided
    np.testing.assert_array_equal(tied.rng.counters, reference.counters)

    untied = agents_with(0.3)
    untied.populate(np.full((3, 1, 1), 8.0), np.full(3, 3.0))     # a second instance
    untied.choose(np.array([[[1.0], [6.0]]] * 3), agents=who)
    assert (untied.last_blended[:, 0] != untied.last_blended[:, 1]).all()
    np.testing.assert_array_equal(untied.last_blended.argmax(axis=1), untied._pending[3])
    np.testing.assert_array_equal(untied.rng.counters, [2, 2, 2])
