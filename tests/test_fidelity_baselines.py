"""Fair baselines and the honest protocol: CPT with its logit scaled by the payoff range, the
delta rule with a population, rate data split by problem, the noise floor and explained share,
choices13k's fixed final test set, the coarse-grid search and the like-for-like comparison."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.baselines.delta_rule import DeltaRuleModel, DeltaRulePopulation
from cogsim.baselines.prospect import ProspectTheoryModel, ScaledProspectTheoryModel
from cogsim.calibration import RateData, calibrate, fit_model, model_class
from cogsim.calibration.compare import compare_models
from cogsim.calibration.data import explained_share
from cogsim.calibration.holdout import FINAL_TEST_SEED, final_test_ids
from cogsim.calibration.models import BASELINES
from cogsim.calibration.populations import UNSUPPORTED
from cogsim.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def gambles() -> pd.DataFrame:
    return pd.read_csv(ROOT / "populations" / "gambles.csv")


# --------------------------------------------------------------------- scaled CPT
def test_scaled_cpt_is_invariant_to_the_payoff_unit_with_linear_value():
    """alpha = 1: V and the value range both scale with the payoffs, so P(B) does not (lotteries
    excepted: their outcomes are H + C +- 2^j)."""
    table = gambles()
    table = table[table["LotShapeB"].astype(str).isin(["-", "0"])]  # lotteries are not
    model = ScaledProspectTheoryModel(alpha=1.0, lam=1.5, gamma=0.7, temperature=0.2)
    scaled = table.assign(**{c: table[c] * 10 for c in ("Ha", "La", "Hb", "Lb")})
    np.testing.assert_allclose(model.predict_rates(table), model.predict_rates(scaled),
                               atol=1e-12)
    plain = ProspectTheoryModel(alpha=1.0, lam=1.5, gamma=0.7, temperature=0.2)
    assert not np.allclose(plain.predict_rates(table), plain.predict_rates(scaled))


def test_scaled_cpt_by_hand():
    """A: 10 for sure; B: 20 or 0 at 1/2; alpha = 1, gamma = 1, lam = 1: V_A = 10, V_B = 10
    -> 1/2; B: 30 or 0 -> V_B - V_A = 5 over range 30 x tau."""
    table = pd.DataFrame({"Ha": [10, 10, 5], "pHa": [1.0, 1.0, 1.0], "La": [10, 10, 5],
                          "Hb": [20, 30, 5], "pHb": [0.5, 0.5, 1.0], "Lb": [0, 0, 5]})
    m = ScaledProspectTheoryModel(alpha=1.0, lam=1.0, gamma=1.0, temperature=0.5)
    p = m.predict_rates(table)
    assert p[0] == pytest.approx(0.5)
    assert p[1] == pytest.approx(1 / (1 + np.exp(-5 / (0.5 * 30))))
    assert p[2] == pytest.approx(0.5)                    # all outcomes equal
    assert m.predict_rates(table, protocol="cpc").shape == (3, 5)


def test_fair_baselines_are_registered_defaults_without_population():
    assert model_class("cpt_scaled", "rates") is ScaledProspectTheoryModel
    assert model_class("rl_pop", "trials") is DeltaRulePopulation
    assert BASELINES == {"rates": "cpt_scaled", "trials": "rl_pop"}
    assert ("cpt_scaled", "rates") in UNSUPPORTED and ("rl_pop", "trials") in UNSUPPORTED


def test_delta_rule_population_without_spread_is_the_delta_rule():
    from tests.test_protocol import OPTIONS, trials

    table = trials()
    plain = DeltaRuleModel(0.2, 1.5, 1.0, options=OPTIONS)
    pop = DeltaRulePopulation(0.2, 1.5, 1.0, 0.0, options=OPTIONS)
    np.testing.assert_allclose(pop.trial_log_likelihood(table),
                               plain.trial_log_likelihood(table))
    spread = DeltaRulePopulation(0.2, 1.5, 1.0, 1.0, options=OPTIONS)
    assert not np.allclose(spread.trial_log_likelihood(table),
                           plain.trial_log_likelihood(table))


# ------------------------------------------------------------------ split by problem
def grouped() -> RateData:
    table = pd.concat([gambles()] * 2, ignore_index=True)
    n = len(table) // 2
    groups = np.r_[np.arange(n), np.arange(n)]            # every problem twice
    rates = np.linspace(0.1, 0.9, len(table))
    return RateData(table, rates, "toy", groups=groups, noise=np.full(len(table), 0.004))


def test_units_are_problems_and_a_split_never_shares_one():
    data = grouped()
    assert data.n_units == len(data.rates) // 2
    order = np.random.default_rng(0).permutation(data.n_units)
    train, test = data.subset(order[:3]), data.subset(order[3:])
    assert len(train.rates) == 6 and not set(train.groups) & set(test.groups)
    boot = data.subset(np.array([0, 0, 1]))               # repeats repeat the rows
    assert list(boot.groups) == [0, 0, 0, 0, 1, 1]


def test_noise_floor_constant_and_explained_share():
    data = grouped()
    scale = data.floor()
    assert scale["noise_floor"] == pytest.approx(0.004)
    assert scale["constant_mse"] == pytest.approx(np.var(data.rates))
    assert scale["n_problems"] == data.n_units and scale["n_rows"] == len(data.rates)
    perfect = data.scored(data.rates, "test")
    assert perfect["test_mse"] == 0 and perfect["test_explained"] > 1    # below the floor
    constant = data.scored(np.full(len(data.rates), data.rates.mean()), "test")
    assert constant["test_explained"] == pytest.approx(0.0)
    assert explained_share(0.012, 0.049, 0.007) == pytest.approx(1 - 0.005 / 0.042)
    assert np.isnan(explained_share(0.01, 0.005, 0.005))


def test_bad_groups_are_refused():
    from cogsim.datasets.errors import DataError

    with pytest.raises(DataError, match="2 group labels for 8 rows"):
        RateData(gambles(), np.full(len(gambles()), 0.5), "toy", groups=[1, 2])


# ------------------------------------------------------------------ final test set
def test_final_test_set_file_is_the_rule():
    record = json.loads((ROOT / "calibration" / "choices13k" / "final_test_set.json")
                        .read_text())
    assert record["seed"] == FINAL_TEST_SEED and "default_rng" in record["rule"]
    ids = np.array(record["problem_ids"])
    assert len(ids) == record["n_problems"] == 2000
    np.testing.assert_array_equal(final_test_ids(np.arange(1, 13007)), ids)


@pytest.mark.public_data("choices13k")
def test_choices13k_calibration_data_never_holds_a_final_test_problem():
    from cogsim.calibration.holdout import final_test_data
    from cogsim.calibration.sources import load_calibration_data

    dev = load_calibration_data("choices13k")
    final = final_test_data()
    assert not set(dev.unit_ids) & set(final.unit_ids)
    assert (dev.n_units, final.n_units) == (11006, 2000)
    assert len(dev.rates) + len(final.rates) == 14568
    assert 0.0066 < dev.floor()["noise_floor"] < 0.0070


@pytest.mark.public_data("cpc15")
def test_cpc15_loads_with_people_per_problem_and_a_floor():
    from cogsim.calibration.sources import load_calibration_data

    data = load_calibration_data("cpc15")
    assert data.n_units == 90 and data.rates.shape == (90, 5) and data.protocol == "cpc"
    assert 0.0002 < data.floor()["noise_floor"] < 0.001


# ------------------------------------------------------------------------ search
def test_grid_search_recovers_a_known_temperature():
    from cogsim.baselines.prospect import ExpectedValueModel

    table = gambles()
    truth = ExpectedValueModel(temperature=4.0)
    data = RateData(table, truth.predict_rates(table), "toy")
    model = ExpectedValueModel()
    fit = fit_model(model, data, search="grid", n_grid=16)
    assert fit.params["temperature"] == pytest.approx(4.0, rel=1e-3)
    assert fit.n_evaluations < 150
    with pytest.raises(ValueError, match="search must be one of"):
        fit_model(model, data, search="random")


def test_calibrate_fits_the_baseline_with_the_same_search_and_refuses_a_bad_one():
    table = gambles()
    data = RateData(table, ExpectedValueModel_rates(table), "toy")
    result = calibrate(data, "ev", n_train=5, folds=0, n_boot=0, curve=(), search="grid")
    assert result.fidelity["search"] == "grid" and result.baseline["model"] == "cpt_scaled"
    assert "test_noise_floor" not in result.fidelity and "test_explained" in result.fidelity
    with pytest.raises(InputError, match="option --search: expected auto, de or grid"):
        calibrate(data, "ev", n_train=5, folds=0, n_boot=0, curve=(), search="bogus")
    assert model_class("beast", "rates").fit_search == "grid"


def ExpectedValueModel_rates(table):
    from cogsim.baselines.prospect import ExpectedValueModel

    return ExpectedValueModel(temperature=3.0).predict_rates(table)


def test_compare_models_scores_every_model_on_the_same_units():
    table = gambles()
    data = RateData(table, ExpectedValueModel_rates(table), "toy")
    rows = compare_models(data, ["ev", "cpt_scaled"], np.arange(5), np.arange(5, len(table)))
    assert [r["model"] for r in rows] == ["ev", "cpt_scaled"]
    assert {r["test_n_problems"] for r in rows} == {len(table) - 5}
    assert rows[0]["test_mse"] < 1e-6 and rows[0]["search"] == "grid"
