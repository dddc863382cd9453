"""cogsim.actr against pyactr 0.3.2, the reference implementation of ACT-R in Python.

Noise-free scenarios: for every annotator and every retrieval, cogsim's activation of each
candidate chunk, the retrieved chunk and the retrieval latency equal pyactr's to 1e-9;
the strategy, the values and the choice are the same; the response time agrees to 3e-4 s
(pyactr rounds its clock to 0.1 ms at every event, cogsim does not).  Several annotators
with different parameters, memories and pairs are judged in one batched call and each is
compared with its own pyactr model.

Noisy scenario: 1,500 pyactr judgments against 30,000 cogsim judgments of the same pair by
identical annotators (instantaneous noise 0.35, utility noise 0.4, partial matching, a
threshold that some retrievals miss).  The distributions of the strategy that fired, of the
chunk retrieved (or failure) in each of the two retrievals and of the choice are compared
with chi-square tests of homogeneity, the response times with two-sample
Kolmogorov-Smirnov tests (all judgments, and the evaluating ones); each must give
p > 0.001.  A control shows the tests have power: the same comparison with cogsim's noise
raised from 0.35 to 0.6 is rejected (p < 0.001).

Utility learning: one judgment with a rewarded respond production gives the utility pyactr
computes (to its 4-decimal rounding).  The last tests document pyactr quirks.
"""

from __future__ import annotations

import math

import numpy as np
import pyactr as actr  # noqa: E402
import pytest
from pyactr_reference import ReferenceJudge
from scipy import stats

from cogsim.actr import ACTRBatch
from cogsim.similarity import bounded_linear_similarity

pytestmark = [pytest.mark.filterwarnings("ignore:::pyactr"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]


ATTRS = ("q", "l")
CHUNKS = [((0, 1), 3.0, [1.0, 5.0]), ((1, 2), 5.0, [2.0]), ((0, 2), 4.0, [3.0, 4.0, 8.0]),
          ((1, 1), 2.0, [0.5, 9.25]), ((2, 3), 6.0, [6.5])]


def make_batch(agents: list[dict], similarity=None, table=None, **shared) -> ACTRBatch:
    """A batch with one annotator per spec: per-agent parameters, chunks and start time."""
    n = len(agents)
    per_agent = {}
    for key in ("decay", "latency_factor", "latency_exponent", "retrieval_threshold",
                "rule_firing", "mismatch_penalty"):
        if any(key in a for a in agents):
            per_agent[key] = np.array([a.get(key, _DEFAULTS[key]) for a in agents])
    batch = ACTRBatch(n, ATTRS, encoding_motor_time=0.0, **per_agent, **shared)
    if similarity:
        for slot, f in similarity.items():
            batch.similarity(slot, f)
    if table:
        for slot, t in table.items():
            batch.set_similarities(slot, t)
    batch.advance([a["t0"] for a in agents])
    if all(a.get("chunks", CHUNKS) is agents[0].get("chunks", CHUNKS) for a in agents):
        for slots, value, times in agents[0].get("chunks", CHUNKS):   # all alike: vectorized
            for t in times:
                batch.learn(slots, value, when=t)
        return batch
    for i, a in enumerate(agents):
        for slots, value, times in a.get("chunks", CHUNKS):
            batch.learn([slots] * len(times), [value] * len(times), agents=[i] * len(times),
                        when=times)
    return batch


_DEFAULTS = {"decay": 0.5, "latency_factor": 0.1, "latency_exponent": 1.0,
             "retrieval_threshold": 0.0, "rule_firing": 0.05, "mismatch_penalty": 1.0}


def reference(agent: dict, similarity=None, **shared) -> ReferenceJudge:
    params = {k: agent[k] for k in _DEFAULTS if k in agent}
    params.update({k: v for k, v in shared.items()
                   if k in ("partial_matching", "instantaneous_noise", "utility_noise",
                            "mismatch_penalty", "utility_learning", "utility_alpha")})
    extra = {k: shared[k] for k in ("heuristics", "utility", "reward") if k in shared}
    return ReferenceJudge(ATTRS, agent.get("chunks", CHUNKS), similarity=similarity,
                          **extra, **params)


def compare(agents, shared, similarity=None, table=None):
    """Judge all agents in one cogsim call and each in pyactr; compare everything."""
    batch_shared = {k: v for k, v in shared.items() if k != "reward"}
    batch = make_batch(agents, similarity=similarity, table=table, **batch_shared)
    pairs = np.array([a["pair"] for a in agents], dtype=float)
    first = np.array([a["first"] for a in agents])
    res = batch.judge(pairs, first)
    dm = batch.declarative
    checked = 0
    for i, a in enumerate(agents):
        ref = reference(a, similarity={**(similarity or {}), **(table or {})} or None,
                        **shared).judge(a["pair"], a["first"], a["t0"])
        assert batch.strategies[res["strategy"][i]] == ref["strategy"]
        assert abs(res["rt"][i] - ref["rt"]) < 3e-4
        order = [a["first"], 1 - a["first"]]
        assert len(ref["retrievals"]) == (2 if ref["strategy"] == "evaluate" else 0)
        for k, r in enumerate(ref["retrievals"]):
            item = order[k]
            act, cand = dm.activations(pairs[i, item], agents=[i], time=r["time"], noise=False)
            act = act[:, 0]
            assert set(np.flatnonzero(cand[:, 0])) == set(r["activations"])
            for c, value in r["activations"].items():
                assert act[c] == pytest.approx(value, abs=1e-9, rel=0)
                checked += 1
            assert res["chunk"][i, item] == r["retrieved"]
            assert res["latency"][i, item] == pytest.approx(r["latency"], abs=1e-9, rel=0)
            if r["retrieved"] >= 0:
                assert res["activation"][i, item] == pytest.approx(
                    r["activations"][r["retrieved"]], abs=1e-9, rel=0)
        np.testing.assert_array_equal(res["values"][i], ref["values"])
        if ref["choice"] is None:
            assert res["guess"][i]
        else:
            assert not res["guess"][i] and res["choice"][i] == ref["choice"]
    return res, checked


AGENTS = [
    dict(t0=10.0, pair=[[0, 1], [1, 2]], first=0),
    dict(t0=12.5, pair=[[1, 1], [0, 2]], first=1, decay=0.3, latency_factor=0.2,
         latency_exponent=0.5, rule_firing=0.085),
    dict(t0=30.0, pair=[[0, 2], [2, 2]], first=0, decay=0.7, latency_factor=0.05,
         latency_exponent=1.5, retrieval_threshold=-1.0),
    dict(t0=11.0, pair=[[2, 3], [1, 1]], first=1, retrieval_threshold=-0.6,
         chunks=CHUNKS[:3] + [((2, 3), 6.0, [1.5, 2.5, 3.5, 10.5])]),
]


def test_exact_matching_equals_pyactr():
    res, checked = compare(AGENTS, dict(heuristics=()))
    assert checked >= 6
    # the scenarios include successes and failures (no matching chunk, or below threshold)
    assert (res["chunk"] >= 0).any() and (res["chunk"] < 0).any()


def test_partial_matching_with_similarity_table_equals_pyactr():
    table = np.array([[0.0, -0.4, -0.9], [-0.4, 0.0, -0.25], [-0.9, -0.25, 0.0]])
    agents = [dict(a, retrieval_threshold=a.get("retrieval_threshold", 0.0) - 1.5)
              for a in AGENTS]
    res, checked = compare(agents, dict(heuristics=(), partial_matching=True), table={"q": table})
    assert checked >= 35


def test_partial_matching_with_mismatch_penalty_equals_pyactr():
    agents = [dict(a, mismatch_penalty=mp, retrieval_threshold=-3.0)
              for a, mp in zip(AGENTS, (2.0, 0.5, 1.0, 3.0))]
    res, checked = compare(agents, dict(heuristics=(), partial_matching=True))
    assert checked >= 35


def test_numeric_similarity_equals_pyactr_table_of_the_same_similarities():
    f = bounded_linear_similarity(0, 4)
    agents = [dict(a, retrieval_threshold=-2.0) for a in AGENTS]
    compare(agents, dict(heuristics=(), partial_matching=True), similarity={"l": f, "q": f})


def test_heuristic_productions_equal_pyactr():
    agents = [dict(a) for a in AGENTS]
    shared = dict(heuristics=("prefer_first", "prefer_larger:l", "prefer_smaller:q"),
                  utility={"evaluate": 0.0, "prefer_first": 0.5, "prefer_larger:l": 1.0,
                           "prefer_smaller:q": -1.0})
    res, _ = compare(agents, shared)
    # prefer_larger:l wins where the lengths differ; prefer_first where they are equal
    assert res["strategy"].tolist() == [2, 2, 1, 2]
    np.testing.assert_allclose(res["rt"], [3 * a.get("rule_firing", 0.05) for a in agents])


def test_utility_learning_equals_pyactr():
    shared = dict(heuristics=("prefer_first",), utility={"evaluate": 0.3, "prefer_first": 0.1},
                  utility_learning=True, utility_alpha=0.2, reward=2.0)
    for agent in AGENTS[:2]:
        batch = make_batch([agent], **{k: v for k, v in shared.items() if k != "reward"})
        res = batch.judge([agent["pair"]], agent["first"])
        name = batch.strategies[res["strategy"][0]]
        u = batch.reward(2.0)[0]
        ref = reference(agent, **shared).judge(agent["pair"], agent["first"], agent["t0"])
        assert ref["strategy"] == name
        # pyactr rounds utilities to 4 decimals and its clock to 0.1 ms
        assert u == pytest.approx(ref["utilities"][name], abs=2e-4)


# ------------------------------------------------------------------ with noise
NOISY = dict(t0=20.0, pair=[[0, 1], [1, 2]], first=1, retrieval_threshold=-1.0)
NOISY_SHARED = dict(heuristics=("prefer_first", "prefer_larger:l"),
                    utility={"evaluate": 0.3, "prefer_first": 0.0, "prefer_larger:l": -0.3},
                    utility_noise=0.4, partial_matching=True, instantaneous_noise=0.35)
NOISY_TABLE = {"q": np.array([[0.0, -0.4, -0.9], [-0.4, 0.0, -0.25], [-0.9, -0.25, 0.0]])}
N_PYACTR, N_COGSIM = 1500, 30_000


def summarize(strategy, chunk1, chunk2, choice, rt) -> dict:
    return dict(strategy=np.asarray(strategy), chunk1=np.asarray(chunk1),
                chunk2=np.asarray(chunk2), choice=np.asarray(choice), rt=np.asarray(rt))


@pytest.fixture(scope="module")
def pyactr_runs():
    np.random.seed(20240601)
    judge = reference(NOISY, similarity=NOISY_TABLE, **NOISY_SHARED)
    names = ("evaluate",) + NOISY_SHARED["heuristics"]
    out = {k: [] for k in ("strategy", "chunk1", "chunk2", "choice", "rt")}
    for _ in range(N_PYACTR):
        r = judge.judge(NOISY["pair"], NOISY["first"], NOISY["t0"])
        out["strategy"].append(names.index(r["strategy"]))
        rets = r["retrievals"]
        out["chunk1"].append(rets[0]["retrieved"] if rets else -2)
        out["chunk2"].append(rets[1]["retrieved"] if rets else -2)
        out["choice"].append(-1 if r["choice"] is None else r["choice"])
        out["rt"].append(round(r["rt"], 4))
    return summarize(**out)


def cogsim_runs(noise: float, seed: int = 7) -> dict:
    shared = dict(NOISY_SHARED, instantaneous_noise=noise)
    batch = make_batch([NOISY] * 1, table=NOISY_TABLE, **shared)
    big = make_batch([NOISY] * N_COGSIM, table=NOISY_TABLE, seed=seed, **shared)
    assert batch.declarative.chunks(0) == big.declarative.chunks(N_COGSIM - 1)
    res = big.judge(np.array(NOISY["pair"], dtype=float), NOISY["first"])
    order = [NOISY["first"], 1 - NOISY["first"]]
    ev = res["strategy"] == 0
    return summarize(res["strategy"], np.where(ev, res["chunk"][:, order[0]], -2),
                     np.where(ev, res["chunk"][:, order[1]], -2),
                     np.where(res["guess"], -1, res["choice"]), np.round(res["rt"], 4))


def p_values(a: dict, b: dict) -> dict:
    out = {}
    for key in ("strategy", "chunk1", "chunk2", "choice"):
        cats = np.union1d(a[key], b[key])
        table = np.array([[np.sum(x[key] == c) for c in cats] for x in (a, b)])
        table = table[:, table.sum(axis=0) > 0]
        out[key] = stats.chi2_contingency(table)[1] if table.shape[1] > 1 else 1.0
    out["rt"] = stats.ks_2samp(a["rt"], b["rt"]).pvalue
    ea, eb = a["strategy"] == 0, b["strategy"] == 0
    out["rt_evaluate"] = stats.ks_2samp(a["rt"][ea], b["rt"][eb]).pvalue
    return out


def test_noisy_distributions_match_pyactr(pyactr_runs):
    ours = cogsim_runs(0.35)
    p = p_values(pyactr_runs, ours)
    assert min(p.values()) > 1e-3, p
    # the scenario exercises every outcome: all strategies, retrieval failures, guesses
    assert set(np.unique(pyactr_runs["strategy"])) == {0, 1, 2}
    assert (pyactr_runs["chunk1"] == -1).any() and (ours["chunk1"] == -1).any()
    assert len(np.unique(ours["chunk1"][ours["strategy"] == 0])) >= 3


def test_the_distribution_tests_have_power(pyactr_runs):
    p = p_values(pyactr_runs, cogsim_runs(0.6))
    assert min(p.values()) < 1e-3, p


# ---------------------------------------------------------------- pyactr quirks
def _quirk_model(**params):
    m = actr.ACTRModel(subsymbolic=True, **params)
    return m


def test_quirk_pyactr_similarity_table_is_not_scaled_by_mismatch_penalty():
    """pyactr adds table similarities as they are; only the default (-MP) sees MP.

    ACT-R's equation (and cogsim) is P = MP * sum Sim, so with MP = 2 a table entry of
    -0.4 costs 0.8 in cogsim and 0.4 in pyactr.
    """
    table = np.array([[0.0, -0.4], [-0.4, 0.0]])
    agent = dict(t0=10.0, pair=[[0, 1], [1, 2]], first=0, retrieval_threshold=-5.0,
                 mismatch_penalty=2.0, chunks=[((1, 1), 3.0, [1.0])])
    ref = reference(agent, similarity={"q": table}, heuristics=(), partial_matching=True)
    r = ref.judge(agent["pair"], 0, 10.0)["retrievals"][0]
    batch = make_batch([agent], table={"q": table}, heuristics=(), partial_matching=True)
    ours, _ = batch.declarative.activations([0, 1], agents=[0], time=r["time"], noise=False)
    base = math.log((r["time"] - 1.0) ** -0.5)
    assert r["activations"][0] == pytest.approx(base - 0.4, abs=1e-12)
    assert ours[0, 0] == pytest.approx(base - 2.0 * 0.4, abs=1e-12)


def test_quirk_pyactr_partial_matching_ignores_chunk_type():
    """A request ``isa fact`` retrieves a chunk of another type when partially matching."""
    m = _quirk_model(partial_matching=True, retrieval_threshold=-100)
    actr.chunktype("quirkfact", "x")
    actr.chunktype("quirkother", "x")
    actr.chunktype("quirkgoal", "s")
    m.decmem.add(actr.makechunk(typename="quirkother", x="b"), [0.0])
    m.goal.add(actr.makechunk(typename="quirkgoal", s="go"))
    m.productionstring(name="r", string="=g> isa quirkgoal s go ==> =g> isa quirkgoal s done "
                                        "+retrieval> isa quirkfact x a")
    m.simulation(trace=False, gui=False, initial_time=1.0).run(2)
    assert next(iter(m.retrieval)).typename == "quirkother"


def test_quirk_pyactr_learned_utilities_do_not_reorder_rules_without_noise():
    """Without utility noise pyactr fires the first matching rule in the order of the
    utilities at the start of the run, whatever they have learned since."""
    m = _quirk_model(utility_learning=True, utility_alpha=0.5)
    actr.chunktype("quirkloop", "state")
    m.goal.add(actr.makechunk(typename="quirkloop", state="go"))
    loop = "=g> isa quirkloop state go ==> =g> isa quirkloop state go"
    m.productionstring(name="a", utility=1.0, reward=-10, string=loop)
    m.productionstring(name="b", utility=0.0, string=loop)
    sim = m.simulation(trace=False, gui=False)
    fired = []
    while len(fired) < 8:
        sim.step()
        if sim.current_event.action.startswith("RULE FIRED"):
            fired.append(sim.current_event.action[-1])
    assert fired == ["a"] * 8
    assert m.productions["a"]["utility"] < m.productions["b"]["utility"]


def test_quirk_pyactr_optimized_learning_uses_the_most_recent_reference():
    """pyactr's optimized learning is ln(n/(1-d)) - d ln(t - t_last); ACT-R's (and
    cogsim's) uses the life time t - t_first."""
    from pyactr import utilities
    times = np.array([1.0, 5.0, 8.0])
    pyactr_b = utilities.baselevel_learning(10.0, times, True, 0.5, optimized_learning=True)
    assert pyactr_b == pytest.approx(math.log(3 / 0.5) - 0.5 * math.log(10.0 - 8.0))
    dm_batch = ACTRBatch(1, ["x"], optimized_learning=True)
    dm_batch.advance(10.0)
    dm_batch.learn([[0.0]] * 3, [1.0] * 3, agents=[0, 0, 0], when=times)
    act, _ = dm_batch.declarative.activations([0.0], time=10.0, noise=False)
    assert act[0, 0] == pytest.approx(math.log(3 / 0.5) - 0.5 * math.log(10.0 - 1.0))


def test_quirk_pyactr_clock_runs_on_a_tenth_of_a_millisecond():
    """Event times are rounded to 4 decimals, so response times are too."""
    agent = dict(AGENTS[0])
    ref = reference(agent, heuristics=()).judge(agent["pair"], 0, agent["t0"])
    lat = sum(r["latency"] for r in ref["retrievals"])
    exact = 4 * 0.05 + lat
    assert ref["rt"] != exact
    assert ref["rt"] == pytest.approx(exact, abs=2e-4)
    assert round(ref["rt"], 4) == pytest.approx(ref["rt"], abs=1e-9)
