"""Repeated choice with partial feedback: IBL tracing/simulation and the delta-rule baseline.

The IBL tracing code computes blended values with its own array code (not IBLBatch), so
it is checked against PyIBL 5.2 with noise 0 (to 1e-9) and, with noise, against IBLBatch
agents traced on the same choices (in distribution).  The tables are synthetic Niv-task
sequences (same stimuli and trial types), so the tests need no data download.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyibl
import pytest
from scipy.special import logsumexp

from cogsim.baselines.delta_rule import DeltaRuleModel, DeltaRulePopulation
from cogsim.datasets.errors import DataError
from cogsim.datasets.niv import NIV_STIMULI, NIV_TRIAL_TYPES
from cogsim.fidelity.repeated import block_rates
from cogsim.ibl import IBLBatch
from cogsim.ibl.repeated import IBLRepeatedModel
from cogsim.tasks.trials import prepare_trials


def niv_table(n_subjects: int = 3, n_trials: int = 60, seed: int = 0,
              wrongside: bool = True) -> pd.DataFrame:
    """A random Niv-task table: random trial types, random responses, drawn outcomes.

    With ``wrongside`` one forced trial per subject gets a "wrongside" response (no
    outcome), as in the real data.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(1, n_subjects + 1):
        types = rng.integers(1, 10, n_trials)
        for k, tt in enumerate(types, 1):
            a, b = NIV_TRIAL_TYPES[int(tt)]
            resp = a if b is None or rng.random() < 0.5 else b
            vals, probs = NIV_STIMULI[resp]
            out = float(rng.choice(vals, p=probs))
            rows.append(dict(subject=s, trial=k, trialtype=int(tt), option_a=a, option_b=b,
                             response=resp, outcome=out, forced=b is None))
        if wrongside:
            forced = [r for r in rows if r["subject"] == s and r["forced"]]
            forced[len(forced) // 2].update(response="wrongside", outcome=np.nan)
    return pd.DataFrame(rows)


def pyibl_values(table: pd.DataFrame, decay: float, u0: float, prior=()) -> np.ndarray:
    """PyIBL's blended values (option a, option b) on each choice trial, noise 0.

    The person's choices are imposed with ``respond(outcome, choice)``; the clock is set
    to the trial's position before each choice so that a trial without learning (a
    "wrongside" press) still takes one time step, as in IBLRepeatedModel.
    """
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, ts in table.groupby("subject", sort=False):
            agent = pyibl.Agent(noise=0.0, decay=decay, default_utility=u0)
            for u in ((u0,) + tuple(prior)) if prior else ():
                agent.populate(["S1", "S2", "S3", "S4"], u, when=0)
            for pos, r in enumerate(ts.sort_values("trial").itertuples(), 1):
                agent.advance(target=pos)
                opts = [r.option_a] if r.forced else [r.option_a, r.option_b]
                if r.response not in opts:
                    continue
                _, det = agent.choose(opts, details=True)
                if not r.forced:
                    v = {d["choice"]: d["blended_value"] for d in det}
                    out.append([v[o] for o in opts])
                agent.respond(r.outcome, r.response)
    return np.array(out)


# ------------------------------------------------------------------ IBL with noise 0
@pytest.mark.parametrize("decay, u0, prior", [
    (0.5, 5.0, ()),             # PyIBL defaults: default utility populated on first use
    (0.8, 4.0, ()),             # default equal to S2's and S4's payoff: instances merge
    (1.3, 2.0, (0.0, 4.0)),     # prepopulated prior, merging with experienced outcomes
    (0.3, 3.0, (2.0, 2.0, 7.0)),  # repeated prior value: two references at time 0
])
def test_noise0_blended_values_equal_pyibl(decay, u0, prior):
    table = niv_table(seed=int(decay * 10))
    model = IBLRepeatedModel(noise=0.0, decay=decay, default_utility=u0, prior=prior)
    mine = model.blended_values(table)                 # (n, K, M, 2)
    assert np.all(mine == mine[:, :1, :1, :])          # no noise: all samples alike
    ref = pyibl_values(table, decay, u0, prior)
    assert mine.shape[0] == len(ref) == (~table["forced"]).sum()
    np.testing.assert_allclose(mine[:, 0, 0, :], ref, rtol=1e-9, atol=1e-9)


def test_noise0_choice_probabilities_follow_the_values():
    table = niv_table(n_subjects=1, seed=3)
    model = IBLRepeatedModel(noise=0.0, decay=0.5, default_utility=3.0, n_samples=8)
    v = model.blended_values(table)[:, 0, 0, :]
    p = model.choice_probabilities(table)[0]
    chose_a = (table.loc[~table["forced"], "response"]
               == table.loc[~table["forced"], "option_a"]).to_numpy()
    win = np.where(v[:, 0] > v[:, 1], 1.0, np.where(v[:, 0] == v[:, 1], 0.5, 0.0))
    expected = np.where(chose_a, win, 1 - win)
    np.testing.assert_allclose(p, (expected * 64 + 0.5) / 65)


# --------------------------------------------------------------- IBL with noise
def test_tracing_probabilities_match_ibl_batch_agents():
    """P(choose a) from the U-statistic equals the share of IBLBatch agents choosing a,
    the agents being fed the person's choices and outcomes (model tracing)."""
    table = niv_table(n_subjects=1, n_trials=40, seed=5, wrongside=False)
    noise, decay, u0 = 0.6, 0.5, 3.0
    model = IBLRepeatedModel(noise=noise, decay=decay, default_utility=u0, n_samples=300)
    p_model = model.choice_probabilities(table)[0]
    n = 20_000
    batch = IBLBatch(n, ["option"], noise=noise, decay=decay, default_utility=u0, seed=11)
    names = ["S1", "S2", "S3", "S4"]
    shares = []
    for r in table.itertuples():
        opts = [r.option_a] if r.forced else [r.option_a, r.option_b]
        chosen = batch.choose(np.array([[names.index(o)] for o in opts], dtype=float))
        if not r.forced:
            share_a = (chosen == 0).mean()
            shares.append(share_a if r.response == r.option_a else 1 - share_a)
        batch.respond(np.full(n, r.outcome), choices=np.full(n, opts.index(r.response)))
    shares = np.array(shares)
    # binomial sd of a share <= 0.0035; the U-statistic's sd with M = 300 is ~0.01
    # (observed: max 0.020, mean 0.008)
    assert np.max(np.abs(p_model - shares)) < 0.05
    assert np.mean(np.abs(p_model - shares)) < 0.015
    # Negative control: twice the noise is detected (observed: mean 0.042).
    wrong = model.set_params(noise=2 * noise).choice_probabilities(table)[0]
    assert np.mean(np.abs(wrong - shares)) > 0.025


def test_mixture_terms_sum_to_the_person_mixture_likelihood():
    table = niv_table(n_subjects=2, seed=7)
    model = IBLRepeatedModel(noise=0.5, noise_spread=0.8, decay=0.5, default_utility=3.0,
                             n_samples=16, n_draws=4)
    ll = model.trial_log_likelihood(table)
    per_level = np.log(model.choice_probabilities(table))        # (K, n)
    subj = table.loc[~table["forced"], "subject"].to_numpy()
    for s in (1, 2):
        expected = logsumexp(per_level[:, subj == s].sum(axis=1)) - np.log(4)
        assert ll[subj == s].sum() == pytest.approx(expected, abs=1e-9)


def test_tracing_is_deterministic_and_uses_common_random_numbers():
    table = niv_table(seed=8)
    a = IBLRepeatedModel(noise=0.7, decay=0.6, default_utility=3.0, seed=4, n_samples=16)
    ll1 = a.trial_log_likelihood(table)
    ll2 = IBLRepeatedModel(noise=0.7, decay=0.6, default_utility=3.0, seed=4,
                           n_samples=16).trial_log_likelihood(table.copy())
    np.testing.assert_array_equal(ll1, ll2)
    # Same noise draws whatever the parameters: moving back gives the same numbers.
    a.set_params(noise=1.2)
    assert not np.array_equal(a.trial_log_likelihood(table), ll1)
    a.set_params(noise=0.7)
    np.testing.assert_array_equal(a.trial_log_likelihood(table), ll1)
    other = IBLRepeatedModel(noise=0.7, decay=0.6, default_utility=3.0, seed=5, n_samples=16)
    assert not np.array_equal(other.trial_log_likelihood(table), ll1)


# ------------------------------------------------------------------------ delta rule
def test_delta_rule_likelihood_matches_a_hand_computation():
    table = pd.DataFrame(dict(
        subject=[1, 1, 1, 1, 1],
        trial=[1, 2, 3, 4, 5],
        option_a=["S1", "S3", "S1", "S2", "S3"],
        option_b=["S3", None, "S3", "S3", "S4"],
        response=["S1", "S3", "S3", "wrongside", "S4"],
        outcome=[0.0, 2.0, 2.0, np.nan, 4.0]))
    # row 4 is a two-option trial with an invalid response: an error (tested below); here
    # make it a forced trial answered with the empty side.
    table.loc[3, "option_b"] = None
    alpha, beta, q0 = 0.5, 1.5, 1.0
    q = {"S1": q0, "S2": q0, "S3": q0, "S4": q0}

    def p(chosen, other):
        return 1 / (1 + np.exp(-beta * (q[chosen] - q[other])))
    expected = [np.log(p("S1", "S3"))]          # trial 1: both at 1.0 -> 0.5
    q["S1"] += alpha * (0.0 - q["S1"])          # 0.5
    q["S3"] += alpha * (2.0 - q["S3"])          # trial 2, forced: 1.5
    expected.append(np.log(p("S3", "S1")))      # trial 3: 1.5 vs 0.5
    q["S3"] += alpha * (2.0 - q["S3"])          # 1.75; trial 4: nothing learned
    expected.append(np.log(p("S4", "S3")))      # trial 5: 1.0 vs 1.75
    assert expected[0] == pytest.approx(np.log(0.5))
    assert expected[1] == pytest.approx(np.log(1 / (1 + np.exp(-1.5))))
    model = DeltaRuleModel(alpha=alpha, beta=beta, q0=q0)
    np.testing.assert_allclose(model.trial_log_likelihood(table), expected, rtol=1e-12)


def test_delta_population_is_a_mixture_over_beta():
    table = niv_table(n_subjects=1, seed=9)
    pop = DeltaRulePopulation(alpha=0.2, beta=1.0, q0=1.0, beta_spread=0.7, n_draws=5)
    total = pop.trial_log_likelihood(table).sum()
    per_beta = [DeltaRuleModel(alpha=0.2, beta=b, q0=1.0).trial_log_likelihood(table).sum()
                for b in pop.betas()]
    assert total == pytest.approx(logsumexp(per_beta) - np.log(5), abs=1e-9)


# ------------------------------------------------------------------------ simulation
def s1_vs_s4(n_subjects: int = 100, n_trials: int = 40) -> pd.DataFrame:
    return pd.DataFrame(dict(
        subject=np.repeat(np.arange(n_subjects), n_trials),
        trial=np.tile(np.arange(1, n_trials + 1), n_subjects),
        option_a="S1", option_b="S4"))


@pytest.mark.parametrize("model, least", [
    (IBLRepeatedModel(noise=0.25, decay=0.5, default_utility=5.0, seed=1), 0.95),
    (IBLRepeatedModel(noise=1.0, noise_spread=0.5, decay=0.5, default_utility=2.0,
                      prior=(0.0, 4.0), seed=1), 0.75),
    (DeltaRuleModel(alpha=0.3, beta=1.0, q0=2.0, seed=1), 0.9),
])
def test_simulated_agents_learn_to_prefer_s4_over_s1(model, least):
    """Over trials 21-40 of S1 (0 cents) vs S4 (4 cents), the rate of choosing S4 is at
    least ``least`` (vs 0.5 by chance) and higher than over trials 1-10."""
    sim = model.simulate(s1_vs_s4())
    late = (sim.loc[sim["trial"] > 20, "response"] == "S4").mean()
    early = (sim.loc[sim["trial"] <= 10, "response"] == "S4").mean()
    assert late >= least and late > early
    assert set(sim.loc[sim["response"] == "S4", "outcome"]) == {4.0}


def test_simulation_structure_and_reproducibility():
    table = niv_table(n_subjects=4, n_trials=50, seed=10)
    for make in (lambda s: IBLRepeatedModel(noise=0.5, noise_spread=0.5, seed=s),
                 lambda s: DeltaRulePopulation(beta_spread=0.5, seed=s)):
        sim = make(3).simulate(table, n_agents=2)
        assert len(sim) == 2 * len(table)
        assert list(sim["agent"].unique()) == [0, 1]
        first = sim[sim["agent"] == 0]
        np.testing.assert_array_equal(first["trial"], table["trial"])
        forced = first["option_b"].isna().to_numpy()
        assert (first["response"][forced] == first["option_a"][forced]).all()
        offered = ((first["response"] == first["option_a"])
                   | (first["response"] == first["option_b"]))
        assert offered.all()
        risky = first["response"] == "S2"
        assert set(first.loc[risky, "outcome"]) <= {0.0, 4.0}
        pd.testing.assert_frame_equal(sim, make(3).simulate(table, n_agents=2))
        assert not sim["response"].equals(make(4).simulate(table, n_agents=2)["response"])
        prepare_trials(sim)                      # a simulated table traces like a human one
        shuffled = table.sample(frac=1.0, random_state=0)
        sim2 = make(3).simulate(shuffled, n_agents=1)
        np.testing.assert_array_equal(sim2["trial"], shuffled["trial"])
        np.testing.assert_array_equal(sim2["subject"], shuffled["subject"])
        forced2 = shuffled["option_b"].isna().to_numpy()
        picked = sim2["response"].to_numpy()[forced2]
        assert (picked == shuffled["option_a"].to_numpy()[forced2]).all()


def test_block_rates():
    t = pd.DataFrame(dict(trial=[1, 2, 3, 4, 5, 6, 7, 8], trialtype=[2, 2, 1, 2, 2, 2, 2, 2],
                          response=["S2", "S3", "S2", "S2", "S2", "S3", "S3", "S3"]))
    r = block_rates(t, trialtype=2, n_blocks=2)
    assert r["block"].tolist() == [1, 2]
    assert r["rate"].tolist() == [pytest.approx(2 / 3), 0.25]
    assert r["n"].tolist() == [3, 4]


# ------------------------------------------------------------------------- interface
@pytest.mark.parametrize("cls", [IBLRepeatedModel, DeltaRuleModel, DeltaRulePopulation])
def test_interface(cls):
    assert len(cls.param_names) <= 4
    assert all(n in cls.bounds for n in cls.param_names)
    model = cls(seed=0)
    params = model.get_params()
    assert list(params) == list(cls.param_names)
    mid = {n: (lo + hi) / 2 for n, (lo, hi) in cls.bounds.items() if n in cls.param_names}
    assert model.set_params(**mid) is model and model.get_params() == mid
    with pytest.raises(ValueError, match="unknown parameter"):
        model.set_params(bogus=1.0)


# ------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("cls", [IBLRepeatedModel, DeltaRuleModel])
@pytest.mark.parametrize("column", ["subject", "option_a", "response", "outcome"])
def test_missing_column_names_the_column(cls, column):
    table = niv_table(n_subjects=1, n_trials=10).drop(columns=column)
    with pytest.raises(DataError, match=f"missing column '{column}'"):
        cls().trial_log_likelihood(table)


def test_bad_rows_are_named():
    table = niv_table(n_subjects=1, n_trials=10, wrongside=False)
    choice_row = int(np.flatnonzero(~table["forced"])[0])
    bad = table.copy()
    bad.loc[choice_row, "response"] = "S9"
    with pytest.raises(DataError, match=f"row {choice_row + 1}, column 'response'"):
        IBLRepeatedModel().trial_log_likelihood(bad)
    dup = pd.concat([table, table.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="appears twice"):
        DeltaRuleModel().trial_log_likelihood(dup)
    with pytest.raises(DataError, match="missing column 'option_b'"):
        DeltaRuleModel().simulate(table.drop(columns="option_b"))
    with pytest.raises(DataError, match="no outcome distribution"):
        IBLRepeatedModel(options={"S1": ((0.0,), (1.0,))}).simulate(table)
