"""The lab calibration: shared IBL parameters with a lapse per source, and its params.json
read by `cogsim predict --protocol cpc`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.baselines.beast import BEASTModel
from cogsim.calibration import RateData, read_params
from cogsim.calibration.lab import DECAY_BOUNDS, JointIBL, JointRateData, Shared
from cogsim.calibration.record import model_from_record

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "calibration" / "lab" / "params.json"


def gambles() -> pd.DataFrame:
    return pd.read_csv(ROOT / "populations" / "gambles.csv")


def test_joint_loss_is_the_mean_of_the_sources_with_their_own_lapse():
    table = gambles()
    online = RateData(table, np.full(len(table), 0.5), "online")
    lab = RateData(table, np.full((len(table), 5), 0.3), "lab")
    joint = JointIBL(n_agents=20).set_params(lapse_online=0.4, lapse_lab=0.0)
    both = JointRateData(online, lab)
    expected = 0.5 * online.loss(joint.for_source("online")) + 0.5 * lab.loss(
        joint.for_source("lab"))
    assert both.loss(joint) == pytest.approx(expected)
    assert joint.for_source("online").lapse == 0.4 and joint.for_source("lab").lapse == 0.0
    assert JointIBL.bounds["decay"] == DECAY_BOUNDS and DECAY_BOUNDS[1] <= 2.0
    with pytest.raises(ValueError, match="unknown parameters"):
        joint.set_params(lapse=0.1)
    shared = Shared(BEASTModel(n_agents=20))
    assert shared.for_source("online") is shared.for_source("lab")
    assert shared.param_names == BEASTModel.param_names


@pytest.mark.skipif(not LAB.exists(), reason="calibration/lab/params.json not written yet")
def test_lab_params_predict_cpc_blocks_from_the_command_line(tmp_path):
    record = read_params(LAB)
    assert (record["model"], record["kind"]) == ("ibl", "rates")
    assert record["params"]["lapse"] == record["joint"]["params"]["lapse_lab"]
    assert DECAY_BOUNDS[0] <= record["params"]["decay"] <= DECAY_BOUNDS[1]
    problems = tmp_path / "p.csv"
    gambles().to_csv(problems, index=False)
    out = tmp_path / "pred.csv"
    r = subprocess.run([sys.executable, "-m", "cogsim", "predict", "--params", str(LAB),
                        "--problems", str(problems), "--protocol", "cpc", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    predicted = pd.read_csv(out)[[f"B.{b}" for b in range(1, 6)]].to_numpy()
    model = model_from_record(record)
    np.testing.assert_allclose(predicted, model.predict_rates(gambles(), protocol="cpc"),
                               atol=1e-6)
    results = json.loads((LAB.parent / "results.json").read_text())
    assert results["cv"]["folds"] == 10


# ---------------------------------------------------------------- the lab options of the IBL
def _problem(**values) -> pd.DataFrame:
    row = {"Ha": 6.0, "pHa": 0.5, "La": 0.0, "LotShapeA": "-", "LotNumA": 1, "Hb": 8.0,
           "pHb": 0.5, "Lb": 0.0, "LotShapeB": "-", "LotNumB": 1, "Amb": 0, "Corr": 0}
    return pd.DataFrame([{**row, **values}])


def test_coupling_pairs_outcomes_by_quantile():
    from cogsim.ibl.paired import coupling

    pa = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])      # A: (low, high) 1/2 each
    pb = np.array([[0.2, 0.8], [0.2, 0.8]])                 # B: (low 0.2, high 0.8)
    w = coupling(pa, pb, np.array([False, True]))
    np.testing.assert_allclose(w.sum(axis=0), 1.0)
    # rows i * 2 + j; comonotone: (A low, B low) 0.2, (A low, B high) 0.3, (A high, B high) 0.5
    np.testing.assert_allclose(w[:, 0], [0.2, 0.3, 0.0, 0.5, 0.0, 0.0])
    # antitone: B at 1 - q: (A low, B high) 0.5, (A high, B high) 0.3, (A high, B low) 0.2
    np.testing.assert_allclose(w[:, 1], [0.0, 0.5, 0.2, 0.3, 0.0, 0.0])


def test_paired_instances_respect_dominance_on_every_event():
    from cogsim.ibl.described import IBLDescriptionModel

    problem = _problem(Corr=1)  # B pays 8 where A pays 6, else both 0
    kw = dict(noise=0.6, decay=0.5, curvature=0.7, lapse=0.04, n_agents=400)
    paired = IBLDescriptionModel(**kw, paired=True).predict_rates(problem, protocol="cpc")
    separate = IBLDescriptionModel(**kw).predict_rates(problem, protocol="cpc")
    np.testing.assert_allclose(paired, 1 - 0.04 / 2)        # only the lapse picks A
    assert separate.max() < 0.8
    # blended values: one retrieval, so V_B >= V_A for every agent and trial
    sim = IBLDescriptionModel(**kw, paired=True).simulate(problem, protocol="cpc")[0]
    assert (sim.blended[..., 1] >= sim.blended[..., 0]).all()
    assert sim.outcomes_b is not None and sim.n_a == 0


def test_rank_coupling_ignores_negative_correlation_in_the_description_only():
    from cogsim.ibl.described import IBLDescriptionModel

    problem = _problem(Hb=9.0, Corr=-1)
    kw = dict(noise=0.6, decay=0.5, curvature=0.7, lapse=0.0, n_agents=400, paired=True)
    rank = IBLDescriptionModel(**kw, coupling="rank").predict_rates(problem, protocol="cpc")
    corr = IBLDescriptionModel(**kw).predict_rates(problem, protocol="cpc")
    assert rank[0, 0] == 1.0 and corr[0, 0] < 0.8           # block 1: description only
    assert rank[0, 4] < 0.95                                # experienced events disagree


def test_imagining_stops_at_the_first_feedback():
    from cogsim.ibl.described import IBLDescriptionModel

    problem = _problem()
    for stop in (False, True):
        sim = IBLDescriptionModel(n_agents=30, imagine_after_feedback=not stop).simulate(
            problem, protocol="cpc")[0]
        sample = np.array([k == "sample" for k in sim.slot_kind])
        late = sample & (sim.slot_time >= 6)
        assert late.any()
        assert (sim.counts[late].sum() == 0) == stop
        assert sim.counts[sample & (sim.slot_time < 6)].sum() == 6 * 30 * 3 * 2


def test_inertia_is_the_recurrence_on_trial_rates():
    from cogsim.ibl.described import IBLDescriptionModel

    problem = _problem(Hb=7.0, pHb=0.4)
    kw = dict(noise=0.6, decay=0.5, curvature=0.7, lapse=0.1, n_agents=200)
    sim = IBLDescriptionModel(**kw).simulate(problem, protocol="cpc")[0]
    a, b = sim.blended[..., 0], sim.blended[..., 1]
    m = 0.05 + 0.9 * ((b > a).mean(axis=2) + 0.5 * (b == a).mean(axis=2))[:, 0]
    r = m.copy()
    for t in range(1, len(r)):
        r[t] = 0.3 * r[t - 1] + 0.7 * m[t]
    got = IBLDescriptionModel(**kw, inertia=0.3).predict_rates(problem, protocol="cpc")
    np.testing.assert_allclose(got[0], r.reshape(5, 5).mean(axis=1), atol=1e-6)


def test_dirichlet_beliefs_spread_an_ambiguous_choice():
    from cogsim.ibl.described import IBLDescriptionModel

    problem = _problem(Ha=10.0, pHa=0.9, Hb=10.0, pHb=0.9, Amb=1)
    kw = dict(noise=0.3, decay=0.5, curvature=1.0, lapse=0.0, n_agents=400, n_samples=6)
    equal = IBLDescriptionModel(**kw).predict_rates(problem, protocol="cpc")[0, 0]
    spread = IBLDescriptionModel(**kw, ambiguity="dirichlet").predict_rates(
        problem, protocol="cpc")[0, 0]
    assert spread > equal + 0.03


def test_joint_fits_extras_and_a_noise_per_source(tmp_path):
    from cogsim.calibration.lab import lab_record

    joint = JointIBL({"paired": True}, n_agents=10, fitted=("inertia",),
                     per_source=("noise",))
    assert joint.param_names == ("decay", "curvature", "inertia", "lapse_online",
                                 "lapse_lab", "noise_online", "noise_lab")
    joint.set_params(inertia=0.2, noise_online=1.5, noise_lab=0.4, lapse_lab=0.03)
    lab = joint.for_source("lab")
    assert (lab.noise, lab.inertia, lab.lapse, lab.paired) == (0.4, 0.2, 0.03, True)
    assert joint.for_source("online").noise == 1.5         # the same model, reset per source
    record = lab_record(joint, seed=0, n_agents=10, data={}, fit={})
    assert record["settings"]["inertia"] == 0.2 and record["params"]["noise"] == 0.4
    built = model_from_record(record)
    np.testing.assert_allclose(built.predict_rates(gambles(), protocol="cpc"),
                               joint.for_source("lab").predict_rates(gambles(),
                                                                     protocol="cpc"))


def test_loss_aversion_scales_stored_losses_only():
    from cogsim.ibl.described import IBLDescriptionModel

    problem = _problem(Ha=-4.0, pHa=1.0, La=-4.0, Hb=9.0, pHb=1.0, Lb=9.0)
    kw = dict(noise=0.0, curvature=0.5, lapse=0.0, n_agents=5)
    for paired in (False, True):
        sim = IBLDescriptionModel(**kw, loss_aversion=2.5, paired=paired).simulate(
            problem, protocol="cpc")[0]
        np.testing.assert_allclose(sim.blended[..., 0], -2.5 * 2.0, rtol=1e-6)
        np.testing.assert_allclose(sim.blended[..., 1], 3.0, rtol=1e-6)


def test_share_gives_each_description_one_unit_of_references():
    from cogsim.ibl.described import IBLDescriptionModel

    lottery = _problem(Ha=2.0, pHa=1.0, La=2.0, Hb=51.0, pHb=0.05, Lb=0.0,
                       LotShapeB="Symm", LotNumB=7)
    for paired in (False, True):
        model = IBLDescriptionModel(n_agents=5, described="share", paired=paired)
        sim = model.simulate(lottery, protocol="cpc")[0]
        prior, valid = model._prior(sim)[:, 0], sim.valid[:, 0]
        parts = [slice(0, sim.n_a), slice(sim.n_a, None)] if not paired else [slice(None)]
        for part in parts:                 # one unit per option (per problem when paired)
            assert prior[part].sum() == pytest.approx(1.0)
            assert np.ptp(prior[part][valid[part]]) == 0
        assert (prior[~valid] == 0).all() and valid.sum() == (9 if not paired else 8)
    # two outcomes per option: "share" is "equal" at half the weight
    simple = _problem()
    a = IBLDescriptionModel(n_agents=50, described="share", n_samples=0, weight=1.0)
    b = IBLDescriptionModel(n_agents=50, described="equal", n_samples=0, weight=0.5)
    np.testing.assert_allclose(a.predict_rates(simple, protocol="cpc"),
                               b.predict_rates(simple, protocol="cpc"))


def test_pessimism_imagines_an_ambiguous_option_at_its_worst():
    from cogsim.calibration.lab import EXTRA_BOUNDS
    from cogsim.ibl.described import IBLDescriptionModel

    amb = _problem(Ha=3.0, pHa=1.0, La=3.0, Hb=10.0, pHb=0.5, Lb=1.0, Amb=1)
    plain = _problem(Ha=3.0, pHa=1.0, La=3.0, Hb=10.0, pHb=0.5, Lb=1.0)
    kw = dict(noise=0.4, decay=0.5, curvature=0.8, lapse=0.0, n_agents=200)
    for extra in ({}, {"ambiguity": "dirichlet", "paired": True, "coupling": "rank",
                       "described": "share", "imagine_after_feedback": False}):
        old = IBLDescriptionModel(**kw, **extra)
        zero = IBLDescriptionModel(**kw, **extra, pessimism=0.0)
        worst = IBLDescriptionModel(**kw, **extra, pessimism=1.0)
        for problem in (amb, plain):                       # psi = 0: the old account exactly
            a, b = old.simulate(problem, "cpc")[0], zero.simulate(problem, "cpc")[0]
            assert np.array_equal(a.counts, b.counts) and np.array_equal(a.blended, b.blended)
        # no ambiguity, nothing changes, whatever psi
        assert np.array_equal(old.predict_rates(plain, "cpc"), worst.predict_rates(plain, "cpc"))
        sim = worst.simulate(amb, "cpc")[0]
        sample = np.array([k == "sample" for k in sim.slot_kind])
        counts = sim.counts[sample][:, :, 0]               # (slots, rows, agents)
        b_index = (np.arange(counts.shape[1]) % 2 if sim.n_a == 0       # paired: i * 2 + j
                   else np.r_[np.full(sim.n_a, -1), np.arange(counts.shape[1] - sim.n_a)])
        assert counts[:, b_index == 0].sum() == (sample.sum() if sim.n_a else 6) * 200 * 3
        assert counts[:, b_index == 1].sum() == 0          # B's 10 is never imagined
        # the worse the imagined B, the less it is chosen (block 1: description + imagining)
        rates = [IBLDescriptionModel(**kw, **extra, pessimism=psi).predict_rates(
            amb, "cpc")[0, 0] for psi in (0.0, 0.5, 1.0)]
        assert rates[0] > rates[1] + 0.05 > rates[2] + 0.1
    joint = JointIBL(n_agents=10, fitted=("pessimism",)).set_params(pessimism=0.3)
    assert joint.bounds["pessimism"] == EXTRA_BOUNDS["pessimism"] == (0.0, 1.0)
    assert joint.for_source("lab").pessimism == 0.3
    # a fixed parameter per source: set by attribute, written into the record's settings
    from cogsim.calibration.lab import lab_record

    joint = JointIBL(n_agents=10, per_source=("pessimism",)).set_params(pessimism_lab=0.6)
    assert joint.fixed == ("pessimism",) and joint.bounds["pessimism_online"] == (0.0, 1.0)
    assert (joint.for_source("online").pessimism, joint.for_source("lab").pessimism) == (0, 0.6)
    record = lab_record(joint, seed=0, n_agents=10, data={}, fit={})
    assert record["settings"]["pessimism"] == 0.6 and "pessimism" not in record["params"]
    assert model_from_record(record).pessimism == 0.6


def _imagined_b(sim, problem: int = 0) -> np.ndarray:
    """Imagined draws of each of B's outcomes per agent, (n_B, N), unpaired instances."""
    sample = np.array([k == "sample" for k in sim.slot_kind])
    return sim.counts[sample][:, sim.n_a:, problem].sum(axis=0)


def test_ambiguity_off_imagines_an_ambiguous_option_as_before():
    """"equal" and "dirichlet" draw exactly what the account drew before "like_other":
    rebuilt here from the chunk's random stream."""
    from cogsim.ibl.described import IBLDescriptionModel

    problem = _problem(Ha=8.0, pHa=1.0, La=8.0, Hb=10.0, pHb=0.5, Lb=0.0, Amb=1)
    n, k = 300, 3
    for ambiguity in ("equal", "dirichlet"):
        sim = IBLDescriptionModel(n_agents=n, seed=4, n_samples=k, ambiguity=ambiguity,
                                  resample=False).simulate(problem, "cpc")[0]
        rng = np.random.default_rng(np.random.SeedSequence([4, 0]))
        p_low = np.full((1, n), 0.5)
        if ambiguity == "dirichlet":
            g = rng.gamma(1.0, size=(1, n, 2))
            p_low = g[..., 0] / g.sum(axis=2)
        u = rng.random((2, 1, n, k))[1]
        high = (u >= p_low[..., None]).sum(axis=2)[0]
        assert np.array_equal(_imagined_b(sim), np.stack([k - high, high]))


def test_like_other_centres_an_ambiguous_option_between_its_equal_mean_and_the_other():
    from cogsim.ibl.ambiguity import like_other
    from cogsim.ibl.described import IBLDescriptionModel

    # the belief itself: mean (UEV_B + EV_A) / 2, an exponential tilt, clipped when out of reach
    xb = np.array([[0.0, 10.0, 0.0], [-5.0, 0.0, 20.0], [0.0, 10.0, 0.0], [1.0, 3.0, 0.0]])
    listed = np.array([[1, 1, 0], [1, 1, 1], [1, 1, 0], [1, 1, 0]], bool)
    ev_a = np.array([8.0, 1.0, 30.0, -9.0])
    p = like_other(xb, listed, ev_a)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p[~listed] == 0)
    np.testing.assert_allclose((p * xb).sum(axis=1)[:2], [6.5, 3.0], atol=1e-9)
    np.testing.assert_allclose(p[0, :2], [0.35, 0.65], atol=1e-9)
    log = np.log(p[1])                                  # log p linear in x: a tilt
    np.testing.assert_allclose((log[1] - log[0]) / 5, (log[2] - log[1]) / 20, rtol=1e-6)
    np.testing.assert_array_equal(p[2:, :2], [[0.0, 1.0], [1.0, 0.0]])
    # the agents: B = (0, 10) ambiguous against a sure 8 -> P(10) = 0.65, not 1/2
    problem = _problem(Ha=8.0, pHa=1.0, La=8.0, Hb=10.0, pHb=0.5, Lb=0.0, Amb=1)
    n = 3000
    for ambiguity, tol in (("like_other", 0.01), ("dirichlet_like_other", 0.02),
                           ("equal", 0.01)):
        sim = IBLDescriptionModel(n_agents=n, n_samples=3, ambiguity=ambiguity).simulate(
            problem, "cpc")[0]
        draws = _imagined_b(sim)
        share = draws[1].sum() / draws.sum()
        assert abs(share - (0.5 if ambiguity == "equal" else 0.65)) < tol
        if ambiguity != "like_other":                   # a spread of beliefs or none
            per_agent = draws[1] / draws.sum(axis=0)
            spread = per_agent.std() > 0.2
            assert spread == (ambiguity == "dirichlet_like_other")
    with pytest.raises(ValueError, match="like_other"):
        IBLDescriptionModel(ambiguity="like")


def test_like_other_leaves_problems_without_ambiguity_alone():
    from cogsim.calibration.lab import LAB_DESIGN
    from cogsim.ibl.described import IBLDescriptionModel

    table = pd.concat([_problem(), _problem(Hb=10.0, pHb=0.3, Lb=1.0, Amb=1),
                       _problem(Ha=3.0, pHa=1.0, La=3.0, Hb=9.0, pHb=0.4, LotShapeB="R-skew",
                                LotNumB=3, Amb=1),
                       _problem(Ha=3.0, pHa=1.0, La=3.0, Hb=9.0, pHb=0.4, LotShapeB="R-skew",
                                LotNumB=3, Corr=1),
                       _problem(Hb=-2.0, pHb=0.9, Lb=-20.0, Corr=-1)], ignore_index=True)
    amb = table["Amb"].to_numpy() == 1
    kw = dict(noise=0.5, decay=0.4, curvature=0.8, lapse=0.05, n_agents=200)
    design = {k: v for k, v in LAB_DESIGN["settings"].items() if k != "ambiguity"}
    for old, new, extra in (("equal", "like_other", {}),
                            ("dirichlet", "dirichlet_like_other", {}),
                            ("dirichlet", "dirichlet_like_other", design)):
        a = IBLDescriptionModel(**kw, **extra, ambiguity=old)
        b = IBLDescriptionModel(**kw, **extra, ambiguity=new)
        ra, rb = a.predict_rates(table, "cpc"), b.predict_rates(table, "cpc")
        assert np.array_equal(ra[~amb], rb[~amb])
        assert not np.allclose(ra[amb], rb[amb])
        for sa, sb in zip(a.simulate(table, "cpc"), b.simulate(table, "cpc"), strict=True):
            # common random numbers: payoffs seen and activation noise are the same draws
            assert np.array_equal(sa.noise, sb.noise)
            fb = np.array([kind == "feedback" for kind in sa.slot_kind])
            assert np.array_equal(sa.counts[fb], sb.counts[fb])


@pytest.mark.parametrize("script", ["calibration/lab/run.py", "calibration/lab/seed_spread.py",
                                    "experiments/stand_in/run.py"])
def test_a_recipe_without_its_data_says_so_in_one_line(script, tmp_path):
    home = tmp_path / "empty-home"
    home.mkdir()
    env = {**os.environ, "COGSIM_OFFLINE": "1"}
    r = subprocess.run([sys.executable, str(ROOT / script), "--data-home", str(home)],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert lines[0].startswith(f"{Path(script).name}: error: public data set ")
    assert str(home) in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-home"]
    assert list(home.iterdir()) == []
