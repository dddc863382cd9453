"""cogsim.actr against hand-computed ACT-R equations, known effects, and bad input.
Where cogsim goes beyond pyactr (blending, numeric similarity functions with weights,
optimized learning as ACT-R defines it, rechecks, reinforcement, fatigue) the numbers are
checked against the equations written out here by hand.  The comparison with pyactr itself
is in test_actr_pyactr.py.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from cogsim.actr import ACTRBatch, DeclarativeMemory, bounded_linear_similarity


def readme_snippet() -> str:
    """The ACT-R example of README.md, exactly as a user would paste it."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    return next(b for b in blocks if "ACTRBatch" in b)


def test_readme_snippet_runs(capsys):
    namespace: dict = {}
    exec(compile(readme_snippet(), "README", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "P(A chosen):" in printed and "strategies :" in printed
    out = namespace["out"]
    assert (out["choice"] == 0).mean() > 0.5       # the better answer wins more often
    assert set(np.unique(out["strategy"])) == {0, 1, 2}


# ------------------------------------------------------------ declarative memory
def memory_with(chunks, clock, **params) -> DeclarativeMemory:
    dm = DeclarativeMemory(1, ["x", "y"], **params)
    dm.advance(clock)
    for slots, value, times in chunks:
        for t in times:
            dm.learn(slots, value, when=t)
    return dm


def B(t, times, d=0.5):
    return math.log(sum((t - tk) ** -d for tk in times))


def test_single_retrieval_base_level_and_latency_by_hand():
    chunks = [((1, 0), 3.0, [0.0, 4.0]), ((2, 0), 5.0, [2.0]), ((1, 0), 7.0, [9.0])]
    dm = memory_with(chunks, 10.0, retrieval_threshold=-5.0, latency_factor=0.3,
                     latency_exponent=0.8)
    res = dm.retrieve([1, 0], time=10.0, details=True)
    a0, a2 = B(10, [0, 4]), B(10, [9])
    assert res["chunk"][0] == 2 and res["value"][0] == 7.0    # the recent chunk wins
    assert res["activation"][0] == pytest.approx(a2, abs=1e-12)
    assert res["latency"][0] == pytest.approx(0.3 * math.exp(-0.8 * a2), abs=1e-12)
    act = res["activations"][:, 0]
    assert act[0] == pytest.approx(a0, abs=1e-12) and act[1] == -np.inf   # (2, 0) not a candidate


def test_retrieval_failure_below_threshold_by_hand():
    dm = memory_with([((1, 0), 3.0, [0.0])], 100.0, retrieval_threshold=-1.0)
    res = dm.retrieve([1, 0], time=100.0)
    assert B(100, [0]) < -1.0
    assert not res["success"][0] and res["chunk"][0] == -1 and np.isnan(res["value"][0])
    assert res["latency"][0] == pytest.approx(0.1 * math.exp(1.0), abs=1e-12)
    nothing = dm.retrieve([5, 5], time=100.0)                  # no matching chunk at all
    assert nothing["latency"][0] == pytest.approx(0.1 * math.exp(1.0), abs=1e-12)


def test_numeric_similarity_with_weight_and_mismatch_penalty_by_hand():
    f = bounded_linear_similarity(0, 4)
    dm = memory_with([((2, 0), 3.0, [1.0]), ((1, 1), 5.0, [2.0])], 10.0, partial_matching=True,
                     mismatch_penalty=1.5, retrieval_threshold=-10)
    dm.similarity("x", f, weight=0.5)
    act, cand = dm.activations([1, 0], time=10.0, noise=False)
    # chunk (2, 0): x differs by 1 on a range of 4 -> S = 0.75, weight 0.5; y equal
    assert act[0, 0] == pytest.approx(B(10, [1]) + 1.5 * 0.5 * (0.75 - 1), abs=1e-12)
    # chunk (1, 1): x equal; y has no similarity declared -> ACT-R default -1 (weight 1)
    assert act[1, 0] == pytest.approx(B(10, [2]) + 1.5 * -1.0, abs=1e-12)
    assert cand.all()


def test_symbolic_similarity_table_is_scaled_by_mismatch_penalty_by_hand():
    dm = memory_with([((2, 0), 3.0, [1.0])], 10.0, partial_matching=True, mismatch_penalty=2.0)
    dm.set_similarities("x", [[0, -0.1, -0.2], [-0.1, 0, -0.3], [-0.2, -0.3, 0]])
    act, _ = dm.activations([1, 0], time=10.0, noise=False)
    assert act[0, 0] == pytest.approx(B(10, [1]) + 2.0 * -0.3, abs=1e-12)


def test_blended_retrieval_by_hand():
    chunks = [((1, 0), 2.0, [9.0]), ((1, 0), 6.0, [5.0, 8.0]), ((1, 0), 9.0, [0.0])]
    dm = memory_with(chunks, 10.0, blending=True, temperature=0.5, retrieval_threshold=-1.0,
                     latency_factor=0.2)
    res = dm.retrieve([1, 0], time=10.0, details=True)
    acts = [B(10, [9]), B(10, [5, 8]), B(10, [0])]
    assert acts[2] < -1.0 <= min(acts[:2])              # the old chunk is below threshold
    w = [math.exp(a / 0.5) for a in acts[:2]]
    value = (w[0] * 2.0 + w[1] * 6.0) / sum(w)
    a_blend = math.log(sum(math.exp(a) for a in acts[:2]))
    assert res["value"][0] == pytest.approx(value, abs=1e-12)
    assert res["activation"][0] == pytest.approx(a_blend, abs=1e-12)
    assert res["latency"][0] == pytest.approx(0.2 * math.exp(-a_blend), abs=1e-12)
    np.testing.assert_allclose(res["probabilities"][:, 0], [w[0] / sum(w), w[1] / sum(w), 0])
    single = dm.retrieve([1, 0], time=10.0, blending=False)
    assert single["value"][0] == [2.0, 6.0][int(np.argmax(acts[:2]))]   # the best chunk
    failed = dm.retrieve([1, 0], time=1000.0)
    assert not failed["success"][0] and np.isnan(failed["value"][0])
    assert failed["latency"][0] == pytest.approx(0.2 * math.exp(1.0))


def test_blending_temperature_defaults_to_noise_times_sqrt2():
    dm = DeclarativeMemory(2, ["x"], instantaneous_noise=[0.25, 0.0], blending=True)
    np.testing.assert_allclose(dm.temperatures, [0.25 * math.sqrt(2), 1.0])


def test_optimized_learning_by_hand():
    dm = memory_with([((1, 0), 3.0, [1.0, 5.0, 8.0])], 10.0, optimized_learning=True,
                     decay=0.4)
    act, _ = dm.activations([1, 0], time=10.0, noise=False)
    assert act[0, 0] == pytest.approx(math.log(3 / 0.6) - 0.4 * math.log(9.0), abs=1e-12)


def test_time_resolution_grid_and_chunks_view():
    dm = memory_with([((1, 0), 3.0, [0.00004, 1.23456])], 2.0)
    refs = dm.chunks(0)[0]["references"]
    assert refs == pytest.approx((0.0, 1.2346))
    assert dm.chunks(0)[0]["value"] == 3.0


# ------------------------------------------------------------------- judgments
def batch_with(chunks, clock, n=1, **params) -> ACTRBatch:
    b = ACTRBatch(n, ["x", "y"], **params)
    b.advance(clock)
    for slots, value, times in chunks:
        for t in times:
            b.learn(slots, value, when=t)
    return b


CH = [((1, 0), 3.0, [1.0, 5.0]), ((2, 0), 5.0, [2.0, 6.0])]


def test_response_time_is_cycles_plus_latencies_plus_encoding_motor():
    b = batch_with(CH, 10.0, retrieval_threshold=-5, rule_firing=0.06, encoding_motor_time=0.25,
                   heuristics=("prefer_second",), utility={"prefer_second": -1.0})
    res = b.judge([[1, 0], [2, 0]], first_shown=1)
    t1 = 10.0 + 2 * 0.06                                   # encode, evaluate
    l1 = 0.1 * math.exp(-B(t1, [2, 6]))                    # item 1 is shown first
    t2 = t1 + l1 + 0.06                                    # evaluate-second
    l2 = 0.1 * math.exp(-B(round(t2, 4), [1, 5]))          # memory is read on a 0.1 ms grid
    assert res["latency"][0] == pytest.approx([l2, l1], abs=1e-9)
    assert res["rt"][0] == pytest.approx(4 * 0.06 + l1 + l2 + 0.25, abs=1e-9)
    assert res["choice"][0] == 1 and res["evaluations"][0] == 1
    np.testing.assert_array_equal(res["values"][0], [3.0, 5.0])
    assert b.time[0] == pytest.approx(10.0 + res["rt"][0])
    b.utilities[0] = [-1.0, 1.0]                           # now the heuristic wins
    res = b.judge([[1, 0], [2, 0]], first_shown=1)
    assert res["strategy"][0] == 1 and res["choice"][0] == 0
    assert res["rt"][0] == pytest.approx(3 * 0.06 + 0.25)
    assert np.isnan(res["values"][0]).all() and res["evaluations"][0] == 0


def test_close_values_are_rechecked():
    chunks = [((1, 0), 3.0, [1.0]), ((2, 0), 3.5, [2.0])]
    b = batch_with(chunks, 10.0, retrieval_threshold=-5, discrimination=1.0, max_rechecks=2,
                   encoding_motor_time=0.0)
    res = b.judge([[1, 0], [2, 0]], first_shown=0)
    t, total = 10.0 + 0.1, 0.0
    for _ in range(3):
        l1 = 0.1 * math.exp(-B(round(t, 4), [1]))         # memory is read on a 0.1 ms grid
        t += l1 + 0.05
        l2 = 0.1 * math.exp(-B(round(t, 4), [2]))
        t += l2 + 0.05                                     # recheck, or respond at the end
        total += l1 + l2
    assert res["evaluations"][0] == 3
    assert res["rt"][0] == pytest.approx(8 * 0.05 + total, abs=1e-9)
    assert res["choice"][0] == 1                          # 3.5 > 3 still decides


def test_retrieval_reinforces_adds_a_reference_when_retrieval_completes():
    b = batch_with(CH, 10.0, retrieval_threshold=-5, retrieval_reinforces=True)
    res = b.judge([[1, 0], [2, 0]], first_shown=0)
    done = 10.1 + res["latency"][0, 0]
    refs = b.declarative.chunks(0)[0]["references"]
    assert len(refs) == 3 and refs[-1] == pytest.approx(done, abs=1e-4)


def test_failure_value_replaces_guessing():
    b = batch_with([((1, 0), 3.0, [1.0])], 10.0, retrieval_threshold=-5, failure_value=0.0)
    res = b.judge([[1, 0], [9, 9]], first_shown=0)
    assert res["chunk"][0, 1] == -1 and not res["guess"][0] and res["choice"][0] == 0


def test_utility_learning_by_hand():
    b = batch_with(CH, 10.0, retrieval_threshold=-5, heuristics=("prefer_first",),
                   utility={"evaluate": 0.3}, utility_learning=True, utility_alpha=0.2)
    res = b.judge([[1, 0], [2, 0]], 0)
    u = b.reward(2.0)[0]
    elapsed = res["rt"][0] - 0.05                           # selected one cycle in
    assert u == pytest.approx(0.3 + 0.2 * (2.0 - elapsed - 0.3), abs=1e-12)
    with pytest.raises(ValueError, match="no judgment waiting"):
        b.reward(1.0)
    plain = batch_with(CH, 10.0, retrieval_threshold=-5, utility_learning=True,
                       discount_reward_by_time=False)
    plain.judge([[1, 0], [2, 0]], 0)
    assert plain.reward(2.0)[0] == pytest.approx(0.2 * 2.0)


def test_fatigue_lowers_the_utility_of_evaluating_with_time_on_task():
    b = batch_with(CH, 10.0, retrieval_threshold=-5, heuristics=("prefer_first",),
                   utility={"evaluate": 1.0}, fatigue=0.01)
    b.rest()
    assert b.judge([[1, 0], [2, 0]], 0)["strategy"][0] == 0
    b.advance(200.0)                                        # 200 s on task: 1 - 2 < 0
    assert b.judge([[1, 0], [2, 0]], 0)["strategy"][0] == 1
    b.rest()
    assert b.judge([[1, 0], [2, 0]], 0)["strategy"][0] == 0


def test_subsets_of_agents_and_reproducibility():
    params = dict(instantaneous_noise=0.3, utility_noise=0.3, retrieval_threshold=-3,
                  partial_matching=True, heuristics=("prefer_first",))
    a = batch_with(CH, 10.0, n=50, seed=3, **params)
    b = batch_with(CH, 10.0, n=50, seed=3, **params)
    ra, rb = a.judge([[1, 0], [2, 0]], 1), b.judge([[1, 0], [2, 0]], 1)
    for key in ra:
        np.testing.assert_array_equal(ra[key], rb[key])
    c = batch_with(CH, 10.0, n=50, seed=4, **params)
    assert not np.array_equal(c.judge([[1, 0], [2, 0]], 1)["rt"], ra["rt"])
    quiet = batch_with(CH, 10.0, n=6, retrieval_threshold=-5)
    whole = batch_with(CH, 10.0, n=6, retrieval_threshold=-5).judge([[1, 0], [2, 0]], 0)
    part = quiet.judge([[1, 0], [2, 0]], 0, agents=[4, 1])
    np.testing.assert_allclose(part["rt"], whole["rt"][[4, 1]])
    assert quiet.time[0] == 10.0 and quiet.time[4] > 10.0


# ---------------------------------------------------------------- known effects
def annotators(n, **params) -> tuple[ACTRBatch, np.ndarray]:
    """n annotators who saw qualities 0, 0.1, ..., 1 rated 10 x quality, at random times."""
    rng = np.random.default_rng(0)
    b = ACTRBatch(n, ["quality"], partial_matching=True, seed=1, **params)
    b.similarity("quality", bounded_linear_similarity(0, 1))
    b.advance(100.0)
    levels = np.round(np.linspace(0, 1, 11), 1)
    for q in levels:
        for _ in range(3):
            b.learn([q], 10 * q, when=rng.uniform(0, 90, n).round(2))
    return b, levels


def test_harder_pairs_take_longer_and_are_chosen_less_consistently():
    n = 4000
    b, _ = annotators(2 * n, instantaneous_noise=0.3, mismatch_penalty=5.0,
                      retrieval_threshold=-3.0, discrimination=1.5, max_rechecks=3)
    easy = np.broadcast_to([[0.25], [0.75]], (n, 2, 1))
    hard = np.broadcast_to([[0.45], [0.55]], (n, 2, 1))
    first = np.random.default_rng(2).integers(0, 2, 2 * n)
    res = b.judge(np.concatenate([easy, hard]), first)
    e, h = slice(0, n), slice(n, 2 * n)
    assert res["rt"][h].mean() > res["rt"][e].mean() + 0.1
    assert res["evaluations"][h].mean() > res["evaluations"][e].mean()
    p_easy, p_hard = (res["choice"][e] == 1).mean(), (res["choice"][h] == 1).mean()
    assert p_easy > 0.95 and 0.5 < p_hard < p_easy - 0.1


def test_rising_heuristic_utility_raises_choices_of_the_first_shown():
    levels = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    n = 3000
    b, _ = annotators(len(levels) * n, instantaneous_noise=0.2, retrieval_threshold=-3.0,
                      heuristics=("prefer_first",), utility_noise=0.4,
                      utility={"prefer_first": np.repeat(levels, n)})
    first = np.random.default_rng(3).integers(0, 2, len(levels) * n)
    res = b.judge([[0.2], [0.8]], first)
    p_heuristic = (res["strategy"] == 1).reshape(len(levels), n).mean(axis=1)
    p_first = (res["choice"] == first).reshape(len(levels), n).mean(axis=1)
    assert np.all(np.diff(p_heuristic) > 0.05) and np.all(np.diff(p_first) > 0.02)
    assert p_heuristic[0] < 0.25 and p_heuristic[-1] > 0.75


def test_strategy_use_shifts_with_reward():
    """Rewarding the shortcut more than evaluation (e.g. paid per judgment, by speed)
    makes the shortcut win over trials; rewarding accuracy keeps evaluation."""
    n = 2000
    for pay_shortcut, expected in ((3.0, "rises"), (0.0, "falls")):
        b, _ = annotators(n, instantaneous_noise=0.2, retrieval_threshold=-3.0,
                          heuristics=("prefer_first",), utility_noise=0.3,
                          utility_learning=True, utility_alpha=0.2,
                          utility={"evaluate": 1.0, "prefer_first": 1.0})
        rng = np.random.default_rng(5)
        use = []
        for _ in range(30):
            res = b.judge([[0.2], [0.8]], rng.integers(0, 2, n))
            correct = res["choice"] == 1
            r = np.where(res["strategy"] == 1, pay_shortcut, 0.0) + np.where(correct, 4.0, 0.0)
            b.reward(r)
            b.advance(2.0)
            use.append((res["strategy"] == 1).mean())
        early, late = np.mean(use[:5]), np.mean(use[-5:])
        assert (late > early + 0.2) if expected == "rises" else (late < early - 0.2)


def test_threshold_above_all_activations_gives_failures_and_their_latency():
    b, _ = annotators(500, retrieval_threshold=3.0, latency_factor=0.2, latency_exponent=0.9,
                      encoding_motor_time=0.3)
    res = b.judge([[0.2], [0.8]], 0)
    fail = 0.2 * math.exp(-0.9 * 3.0)
    assert (res["chunk"] == -1).all() and res["guess"].all()
    np.testing.assert_allclose(res["latency"], fail)
    np.testing.assert_allclose(res["rt"], 4 * 0.05 + 2 * fail + 0.3)
    assert 0.4 < (res["choice"] == 1).mean() < 0.6                  # guessing


def test_population_scale_call():
    """One judge call for 10,000 annotators with their own pairs (the population's use)."""
    n = 10_000
    b, levels = annotators(n, instantaneous_noise=0.25, retrieval_threshold=-3.0,
                           heuristics=("prefer_first", "prefer_larger:quality"),
                           utility_noise=0.3, utility_learning=True,
                           utility={"prefer_first": -0.5, "prefer_larger:quality": -0.5})
    rng = np.random.default_rng(0)
    for _ in range(3):
        pairs = rng.choice(levels, size=(n, 2, 1))
        res = b.judge(pairs, rng.integers(0, 2, n))
        assert res["choice"].shape == (n,) and res["values"].shape == (n, 2)
        b.reward((pairs[np.arange(n), res["choice"], 0] >= pairs[:, :, 0].max(axis=1)) * 1.0)
        b.learn(pairs[np.arange(n), res["choice"]], 10 * pairs[np.arange(n), res["choice"], 0])
        b.advance(1.0)
    assert np.isfinite(res["rt"]).all() and (res["rt"] > 0).all()


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, match", [
    (dict(retrieval_threshold=np.inf), "retrieval_threshold must be finite"),
    (dict(retrieval_threshold=float("nan")), "retrieval_threshold must be finite"),
    (dict(latency_factor=-0.1), "latency_factor must be at least 0"),
    (dict(latency_exponent=[1.0, -1.0]), "latency_exponent must be at least 0"),
    (dict(decay=[0.5, 0.5, 0.5]), r"decay must be a number or 2 numbers"),
    (dict(instantaneous_noise="loud"), "instantaneous_noise must be a number"),
    (dict(rule_firing=0.0), "rule_firing must be greater than 0"),
    (dict(utility_alpha=1.5), r"utility_alpha must be in \[0, 1\]"),
    (dict(heuristics=("prefer_larger:colour",)), "unknown attribute 'colour'"),
    (dict(heuristics=("prefer_best",)), "unknown heuristic 'prefer_best'"),
    (dict(utility={"evaluat": 1.0}), "unknown production 'evaluat'"),
    (dict(key_attributes=("colour",)), "unknown chunk slot in request 'colour'"),
    (dict(partial_matching="yes"), "partial_matching must be True or False"),
    (dict(max_rechecks=-1), "max_rechecks must be a non-negative integer"),
    (dict(failure_value=np.nan), "failure_value must be a finite number"),
])
def test_bad_parameters_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ACTRBatch(2, ["quality", "length"], **kwargs)


def test_bad_attributes_raise():
    with pytest.raises(ValueError, match="slots must be distinct"):
        ACTRBatch(2, ["a", "a"])
    with pytest.raises(ValueError, match="must not include 'value'"):
        ACTRBatch(2, ["value"])
    with pytest.raises(ValueError, match="n_agents must be a positive integer"):
        ACTRBatch(0, ["a"])


def test_unknown_chunk_slot_raises():
    b = ACTRBatch(2, ["quality", "length"])
    with pytest.raises(ValueError, match="unknown chunk slot 'lenght'"):
        b.learn({"quality": 1.0, "lenght": 2.0}, 3.0)
    with pytest.raises(ValueError, match=r"missing chunk slot\(s\) \['length'\]"):
        b.learn({"quality": 1.0}, 3.0)
    with pytest.raises(ValueError, match="unknown chunk slot 'colour'"):
        b.similarity("colour", bounded_linear_similarity(0, 1))
    with pytest.raises(ValueError, match="unknown chunk slot 'colour'"):
        b.set_similarities("colour", [[0.0]])
    with pytest.raises(ValueError, match="unknown chunk slot in request 'colour'"):
        b.declarative.retrieve([1.0, 2.0], request=["colour"])
    b.learn({"quality": [1.0, 2.0], "length": 2.0}, 3.0)    # a mapping is fine
    assert b.declarative.chunks(1)[0]["quality"] == 2.0


@pytest.mark.parametrize("table, match", [
    ([[0.0, 0.5], [0.5, 0.0]], r"similarities in \[-1, 0\].*got 0.5"),
    ([[0.0, -1.5], [-1.5, 0.0]], r"similarities in \[-1, 0\].*got -1.5"),
    ([[0.0, np.nan], [-0.5, 0.0]], r"similarities in \[-1, 0\]"),
    ([[-0.2, -0.5], [-0.5, 0.0]], "0 on the diagonal"),
    ([[0.0, -0.5]], "must be a square array"),
])
def test_similarity_tables_outside_their_range_raise(table, match):
    b = ACTRBatch(1, ["topic"], partial_matching=True)
    with pytest.raises(ValueError, match=match):
        b.set_similarities("topic", table)


def test_similarity_function_outside_its_range_raises():
    b = ACTRBatch(1, ["x"], partial_matching=True, retrieval_threshold=-9)
    b.similarity("x", lambda x, y: 1.0 + np.abs(x - y))
    b.learn([0.0], 1.0)
    b.advance(1.0)
    with pytest.raises(ValueError, match=r"similarity of slot 'x' must be in \[0, 1\].*2.0"):
        b.judge([[1.0], [0.0]], 0)
    with pytest.raises(ValueError, match="weight must be a positive number"):
        b.similarity("x", weight=0)
    with pytest.raises(ValueError, match="function must be callable"):
        b.similarity("x", "linear")


def test_codes_outside_a_similarity_table_raise():
    b = ACTRBatch(1, ["topic"], partial_matching=True)
    b.set_similarities("topic", [[0, -0.5], [-0.5, 0]])
    with pytest.raises(ValueError, match="integer codes 0..1, got 2.0"):
        b.learn([2.0], 1.0)
    with pytest.raises(ValueError, match="integer codes 0..1, got 0.5"):
        b.learn([0.5], 1.0)


def test_bad_judge_and_learn_input_raises():
    b = batch_with(CH, 10.0, n=3, utility_learning=False)
    with pytest.raises(ValueError, match=r"pairs must have shape \(3, 2, 2\)"):
        b.judge([[1, 0, 0], [2, 0, 0]], 0)
    with pytest.raises(ValueError, match="pairs must hold finite"):
        b.judge([[1, np.nan], [2, 0]], 0)
    with pytest.raises(ValueError, match="first_shown must be 0 or 1"):
        b.judge([[1, 0], [2, 0]], 2)
    with pytest.raises(ValueError, match="agents must not repeat"):
        b.judge([[1, 0], [2, 0]], 0, agents=[1, 1])
    with pytest.raises(ValueError, match=r"agents must be indices in \[0, 3\)"):
        b.judge([[1, 0], [2, 0]], 0, agents=[5])
    with pytest.raises(ValueError, match="when must not be later than the agent's clock"):
        b.learn([1, 0], 1.0, when=1e6)
    with pytest.raises(ValueError, match="values must be finite"):
        b.learn([1, 0], np.inf)
    with pytest.raises(ValueError, match="seconds must not be negative"):
        b.advance(-1.0)
    with pytest.raises(RuntimeError, match="utility_learning=True"):
        b.reward(1.0)
    dm = b.declarative
    with pytest.raises(ValueError, match="retrieval time must be later than the agent's last"):
        dm.retrieve([1, 0], time=5.0)
