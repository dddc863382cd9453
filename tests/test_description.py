"""The IBL description model: PyIBL's math, its noisy behaviour, protocols, seeds, bad input.

The exactness tests replay, for a few problems and agents, the very draws the vectorized
model made (description, imagined samples, feedback payoffs) into PyIBL 5.2 agents with
noise 0, and compare every trial's blended values to 1e-9.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pyibl
import pytest

from cogsim.datasets.errors import DataError
from cogsim.ibl.described import IBLDescriptionModel

TOL = 1e-9
pytestmark = pytest.mark.filterwarnings("ignore:Setting noise to 0.0:UserWarning")


def problems_table() -> pd.DataFrame:
    """Five problems covering lotteries, ambiguity, correlation, losses and no feedback."""
    return pd.DataFrame(
        {
            "Ha": [3, 10, -2, 5, 4],
            "pHa": [1.0, 0.5, 1.0, 0.9, 0.2],
            "La": [3, 0, -2, -10, 1],
            "Hb": [4, 12, 6, 8, 20],
            "pHb": [0.5, 0.25, 0.8, 0.6, 0.05],
            "Lb": [0, -4, -20, 1, 0],
            "LotShapeB": ["Symm", "R-skew", "-", "L-skew", "-"],
            "LotNumB": [3, 4, 1, 3, 1],
            "Amb": [False, True, False, False, True],
            "Corr": [0, -1, 1, 0, 0],
            "Feedback": [True, True, False, True, False],
        }
    )


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def exact_model(**kw) -> IBLDescriptionModel:
    """A deterministic model (noise 0) in float64 with integer description weight."""
    settings = dict(n_agents=3, seed=5, weight=2.0, n_samples=2, dtype="float64")
    settings.update(kw)
    params = {p: settings.pop(p) for p in ("noise", "decay", "curvature", "lapse") if p in settings}
    return IBLDescriptionModel(**{"noise": 0.0, "decay": 0.7, "curvature": 1.0, **params}, **settings)


def events(sim, p: int, a: int):
    """(time, kind, option, utility, count) references of agent ``a`` of chunk problem ``p``."""
    out = []
    for m, (t, kind) in enumerate(zip(sim.slot_time, sim.slot_kind)):
        for j in range(sim.outcomes.shape[0]):
            c = int(round(sim.counts[m, j, p, a]))
            if c:
                out.append((int(t), kind, "A" if j < sim.n_a else "B", j, c))
    return out


def replay_blended(model, sim, p: int, a: int, trial: int) -> dict[str, float]:
    """Blended values PyIBL gives at ``trial`` after replaying all earlier references."""
    u = model._utility(sim.outcomes[:, p])
    agent = pyibl.Agent(noise=0.0, decay=model.decay, temperature=model.temperature)
    for j in np.flatnonzero(sim.valid[:, p]):
        for _ in range(int(model.weight)):
            agent.populate(["A" if j < sim.n_a else "B"], float(u[j]), when=0)
    agent.advance(trial - 1)
    last = 0
    for t, _, option, j, c in events(sim, p, a):
        if t < trial:
            for _ in range(c):
                agent.populate([option], float(u[j]), when=t)
            last = max(last, t)
    if last < trial - 1:
        agent.advance()  # nothing learned at time trial - 1: choose() would not advance
    _, details = agent.choose(["A", "B"], details=True)
    assert agent.time == trial
    return {d["choice"]: d["blended_value"] for d in details}


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"decay": 0.0, "weight": 1.0, "n_samples": 1},
        {"decay": 2.5, "curvature": 0.5, "temperature": 0.6, "resample": False},
        {"weight": 0.0, "n_samples": 3, "curvature": 0.35},
    ],
)
def test_blended_values_equal_pyibl_replay(kw):
    """Every trial of every agent of every problem (c13k protocol) against PyIBL."""
    model = exact_model(**kw)
    checked = 0
    for sim in model.simulate(problems_table(), "c13k"):
        for p in range(len(sim.rows)):
            for a in range(model.n_agents):
                for trial in range(1, 6):
                    want = replay_blended(model, sim, p, a, trial)
                    got = sim.blended[trial - 1, p, a]
                    assert close(got[0], want["A"]) and close(got[1], want["B"]), (kw, p, a, trial)
                    checked += 1
    assert checked == 5 * 3 * 5


def test_blended_values_equal_pyibl_choose_respond():
    """The natural PyIBL loop: populate the description and imagined draws, choose,
    respond with the chosen payoff and populate the forgone one (full feedback)."""
    model = exact_model(decay=0.5, curvature=0.6, temperature=0.8)
    table = problems_table()
    table["Feedback"] = True
    for sim in model.simulate(table, "c13k"):
        for p in range(len(sim.rows)):
            u = model._utility(sim.outcomes[:, p])
            for a in range(model.n_agents):
                agent = pyibl.Agent(noise=0.0, decay=model.decay, temperature=model.temperature)
                for j in np.flatnonzero(sim.valid[:, p]):
                    agent.populate(["A" if j < sim.n_a else "B"], float(u[j]))
                    agent.populate(["A" if j < sim.n_a else "B"], float(u[j]))  # weight 2
                refs = events(sim, p, a)
                for trial in range(1, 6):
                    for t, kind, option, j, c in refs:
                        if kind == "sample" and t == trial - 1:
                            for _ in range(c):
                                agent.populate([option], float(u[j]))
                    choice, details = agent.choose(["A", "B"], details=True)
                    want = {d["choice"]: d["blended_value"] for d in details}
                    got = sim.blended[trial - 1, p, a]
                    assert close(got[0], want["A"]) and close(got[1], want["B"])
                    seen = {o: float(u[j]) for t, kind, o, j, _ in refs
                            if kind == "feedback" and t == trial}  # fmt: skip
                    if trial < 5:
                        other = "B" if choice == "A" else "A"
                        agent.respond(seen[choice])
                        agent.populate([other], seen[other])
                    else:
                        agent.respond(0.0)


def test_cpc_protocol_equals_pyibl_replay():
    """25 trials, feedback only from trial 6 on: spot checks against PyIBL."""
    model = exact_model(n_agents=2, decay=0.9)
    sims = model.simulate(problems_table().iloc[:2], "cpc")
    sim = sims[0]
    assert sim.blended.shape[0] == 25
    assert min(t for t, k in zip(sim.slot_time, sim.slot_kind) if k == "feedback") == 6
    for p in range(len(sim.rows)):
        for trial in (1, 5, 6, 7, 12, 25):
            want = replay_blended(model, sim, p, 1, trial)
            got = sim.blended[trial - 1, p, 1]
            assert close(got[0], want["A"]) and close(got[1], want["B"])


def test_draws_follow_the_problem():
    """Feedback payoffs respect Corr; imagined draws of an ambiguous B are uniform."""
    n = 4000
    table = pd.DataFrame({"Ha": [10, 10, 10, 1], "pHa": [0.5] * 4, "La": [0] * 4,
                          "Hb": [10, 10, 10, 9], "pHb": [0.5, 0.5, 0.5, 0.1],
                          "Lb": [0] * 4, "Amb": [False] * 3 + [True], "Corr": [1, -1, 0, 0]})  # fmt: skip
    model = IBLDescriptionModel(n_agents=n, n_samples=1, dtype="float64")
    sim = model.simulate(table, "c13k")[0]
    order = np.argsort(sim.rows)
    fb = sim.counts[[k == "feedback" for k in sim.slot_kind]]  # (4, J, P, N)
    high_a = fb[:, 1, order] > 0  # A's outcomes are (0, 10): row 1 is 10
    high_b = fb[:, sim.n_a + 1, order] > 0
    same = (high_a == high_b).mean(axis=(0, 2))
    assert same[0] == 1.0 and same[1] == 0.0 and abs(same[2] - 0.5) < 0.03
    sample_b = sim.counts[0, sim.n_a + 1, order[3]]  # ambiguous B: 9 imagined as likely as 0
    assert abs(sample_b.mean() - 0.5) < 0.03


def test_dominated_option_and_direction():
    """Without lapses a dominated B is never chosen; with lapse l it is chosen l/2 of the
    time; a larger high payoff of B raises P(B) by at least 0.15 (here about 0.3)."""
    table = pd.DataFrame({"Ha": [10, 10, 10], "pHa": [1.0] * 3, "La": [10] * 3,
                          "Hb": [9, 16, 30], "pHb": [0.5] * 3, "Lb": [0] * 3})  # fmt: skip
    crisp = IBLDescriptionModel(lapse=0.0, n_agents=2000).predict_rates(table)
    assert crisp[0] == 0.0
    assert crisp[2] - crisp[1] > 0.15
    lapse = 0.3
    rates = IBLDescriptionModel(lapse=lapse, n_agents=2000).predict_rates(table)
    assert rates[0] == pytest.approx(lapse / 2, abs=1e-12)
    assert rates[2] - rates[1] > 0.15 * (1 - lapse)


def test_description_fades_with_experience():
    """Over the 25 CPC trials the equal-weighted description fades and imagined and seen
    draws take over: a rare large gain (1 % of 100 vs 1 for sure) loses appeal and a gamble
    with a rare loss (95 % of 1, else -20, vs 0) gains it, from block 1 to block 5 (by about
    0.18 and 0.12 with the default parameters and no lapses; asserted: 0.1 and 0.07)."""
    table = pd.DataFrame({"Ha": [1, 0], "pHa": [1.0] * 2, "La": [1, 0], "Hb": [100, 1],
                          "pHb": [0.01, 0.95], "Lb": [0, -20]})  # fmt: skip
    blocks = IBLDescriptionModel(n_agents=3000, lapse=0.0).predict_rates(table, "cpc")
    assert blocks[0, 0] - blocks[0, 4] > 0.1
    assert blocks[1, 4] - blocks[1, 0] > 0.07


def test_shapes_and_ranges():
    table = problems_table()
    model = IBLDescriptionModel(n_agents=50)
    c13k = model.predict_rates(table)
    cpc = model.predict_rates(table, protocol="cpc")
    assert c13k.shape == (5,) and cpc.shape == (5, 5)
    for r in (c13k, cpc):
        assert np.all((r >= 0) & (r <= 1))
    table = table.drop(columns=["LotShapeB", "LotNumB", "Amb", "Corr", "Feedback"])
    assert model.predict_rates(table).shape == (5,)
    assert model.predict_rates(table.iloc[:0]).shape == (0,)


def test_noise_zero_and_float32_agree_with_float64():
    table = problems_table()
    zero = IBLDescriptionModel(noise=0.0, n_agents=200).predict_rates(table)
    assert np.all(np.isfinite(zero))
    r32 = IBLDescriptionModel(n_agents=400).predict_rates(table)
    r64 = IBLDescriptionModel(n_agents=400, dtype="float64").predict_rates(table)
    assert np.max(np.abs(r32 - r64)) <= 0.005


def test_reproducible_common_random_numbers():
    table = problems_table()
    a = IBLDescriptionModel(seed=3).predict_rates(table)
    b = IBLDescriptionModel(seed=3).predict_rates(table)
    c = IBLDescriptionModel(seed=4).predict_rates(table)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    model = IBLDescriptionModel(seed=3)
    first = model.predict_rates(table)
    model.set_params(noise=0.3, decay=1.0, curvature=1.0, lapse=0.0)
    model.predict_rates(table.copy())
    model.set_params(**IBLDescriptionModel(seed=3).get_params())
    assert np.array_equal(model.predict_rates(table), first)


def test_params_interface():
    model = IBLDescriptionModel()
    params = model.get_params()
    assert tuple(params) == IBLDescriptionModel.param_names
    assert len(params) <= 4
    for name, (low, high) in IBLDescriptionModel.bounds.items():
        assert name in params and low < high and low <= params[name] <= high
    assert model.set_params(noise=0.4) is model and model.noise == 0.4
    with pytest.raises(ValueError, match="unknown parameter"):
        model.set_params(weight=2)
    with pytest.raises(ValueError, match="lapse"):
        model.set_params(lapse=1.5)
    with pytest.raises(ValueError, match="curvature"):
        model.set_params(curvature=0.0)


@pytest.mark.parametrize(
    "change, column",
    [
        (lambda t: t.drop(columns=["pHb"]), "pHb"),
        (lambda t: t.assign(pHa=[1.0, 1.5, 1.0, 0.9, 0.2]), "pHa"),
        (lambda t: t.assign(pHb=[0.5, 0.25, -0.1, 0.6, 0.05]), "pHb"),
        (lambda t: t.assign(Feedback=[True, "maybe", False, True, False]), "Feedback"),
        (lambda t: t.assign(Corr=[0, 2, 0, 0, 0]), "Corr"),
    ],
)
def test_bad_input_names_the_column(change, column):
    with pytest.raises(DataError, match=column):
        IBLDescriptionModel().predict_rates(change(problems_table()))


def test_bad_protocol():
    with pytest.raises(ValueError, match="protocol"):
        IBLDescriptionModel().predict_rates(problems_table(), protocol="tpt")


def test_speed_100_problems():
    """One prediction on 100 problems is fast once the draws are cached (generous bound)."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"Ha": rng.integers(-20, 40, 100), "pHa": rng.choice([1.0, 0.5], 100),
                          "La": rng.integers(-20, 20, 100), "Hb": rng.integers(-10, 60, 100),
                          "pHb": rng.uniform(0.01, 1, 100).round(2), "Lb": rng.integers(-30, 20, 100),
                          "LotShapeB": rng.choice(["-", "Symm", "R-skew"], 100),
                          "Feedback": rng.random(100) < 0.8})  # fmt: skip
    table["LotNumB"] = np.where(table["LotShapeB"] == "-", 1, rng.integers(2, 9, 100))
    model = IBLDescriptionModel()
    model.predict_rates(table)
    start = time.perf_counter()
    for _ in range(10):
        model.predict_rates(table)
    assert (time.perf_counter() - start) / 10 < 0.1
    assert math.isfinite(float(model.predict_rates(table).mean()))
