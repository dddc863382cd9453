"""Calibration: parameter recovery, intervals, resampling, and the calibrate/predict/report
commands on real files, with bad data rejected (exit 2, file/row/column named)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.baselines.prospect import ExpectedValueModel, ProspectTheoryModel
from cogsim.calibration.data import RateData
from cogsim.calibration.fit import fit_model
from cogsim.calibration.resampling import bootstrap_intervals, cross_validate, learning_curve
from cogsim.calibration.run import calibrate
from cogsim.calibration.sources import load_calibration_data
from cogsim.datasets import fetch_choices13k

PROBLEM_COLUMNS = ["Ha", "pHa", "La", "Hb", "pHb", "Lb", "LotShapeB", "LotNumB", "Amb", "Corr"]


@pytest.fixture(scope="module")
def problems(shared_data: Path) -> pd.DataFrame:
    """The first 300 choices13k problems (the tests using them are marked public_data)."""
    c13k = fetch_choices13k(shared_data)
    return c13k[["problem", *PROBLEM_COLUMNS]].iloc[:300].reset_index(drop=True)


def synthetic_rates(model, problems, n_people=0, seed=0) -> RateData:
    """Rates a known model predicts, optionally as the mean of n_people Bernoulli choices."""
    p = model.predict_rates(problems)
    if n_people:
        p = np.random.default_rng(seed).binomial(n_people, p) / n_people
    return RateData(problems, p, "synthetic")


def cogsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cogsim", *args], capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.public_data("choices13k")
def test_fit_recovers_known_prospect_theory_parameters(problems):
    """Noise-free rates from CPT (alpha 0.8, lambda 1.5, gamma 0.7, temperature 3): the fit
    recovers each parameter within 3% and the MSD is below 1e-6."""
    truth = {"alpha": 0.8, "lam": 1.5, "gamma": 0.7, "temperature": 3.0}
    data = synthetic_rates(ProspectTheoryModel(**truth), problems.iloc[:150])
    model = ProspectTheoryModel()
    fit = fit_model(model, data, seed=1, maxiter=12, popsize=8, local_maxiter=600)
    assert fit.loss < 1e-6
    for name, value in truth.items():
        assert fit.params[name] == pytest.approx(value, rel=0.03), name
    assert model.get_params() == pytest.approx(fit.params)      # left at the best point


@pytest.mark.public_data("choices13k")
def test_bootstrap_interval_covers_the_true_value(problems):
    """Rates as the mean of 20 simulated people per problem (EV model, temperature 5): the
    95% bootstrap interval of the temperature contains 5 and is narrower than [3.5, 7]."""
    data = synthetic_rates(ExpectedValueModel(temperature=5.0), problems, n_people=20)
    fit = fit_model(ExpectedValueModel(), data, seed=0, maxiter=10, popsize=5)
    boot = bootstrap_intervals(ExpectedValueModel, data, fit.params, n_boot=30, seed=0)
    low, high = boot["intervals"]["temperature"]
    assert low < 5.0 < high and 3.5 < low and high < 7.0
    assert len(boot["samples"]["temperature"]) == 30


@pytest.mark.public_data("choices13k")
def test_cross_validation_and_learning_curve(problems):
    """Held-out MSD falls with more training problems; CV scores each fold once."""
    data = synthetic_rates(ExpectedValueModel(temperature=5.0), problems, n_people=10)
    cv = cross_validate(ExpectedValueModel, data, folds=4, seed=0, maxiter=5, popsize=5)
    assert len(cv["fold_losses"]) == 4 and cv["mean_loss"] == pytest.approx(
        np.mean(cv["fold_losses"]))
    curve = learning_curve(ExpectedValueModel, data, (3, 100, 300), draws=3, seed=0,
                           maxiter=5, popsize=5)
    assert [c["n"] for c in curve] == [3, 100]               # 300 leaves nothing held out
    assert curve[1]["test_loss"] < curve[0]["test_loss"]


@pytest.mark.public_data("choices13k")
def test_calibrate_is_reproducible_and_splits_without_overlap(problems):
    data = synthetic_rates(ExpectedValueModel(temperature=5.0), problems, n_people=10)
    runs = [calibrate(data, "ev", n_train=40, seed=3, folds=0, n_boot=0, curve=(),
                      baseline=None) for _ in range(2)]
    assert runs[0].params == runs[1].params
    assert not set(runs[0].train) & set(runs[0].test)
    assert len(runs[0].train) + len(runs[0].test) == 300
    with pytest.raises(ValueError, match="--n-train"):
        calibrate(data, "ev", n_train=300)
    with pytest.raises(ValueError, match="option --model: .rl. does not model choice rates of described gambles"):
        calibrate(data, "rl")


@pytest.mark.public_data("choices13k")
def test_calibrate_predict_commands_write_their_files(tmp_path, problems):
    """cogsim calibrate on a competition-format file writes params.json (values,
    intervals, data hash, seed, version), fidelity.json (train/test MSE, counts), the
    report and figures; cogsim predict carries the id column and adds B.1..B.5."""
    truth = ExpectedValueModel(temperature=5.0)
    rates = synthetic_rates(truth, problems, n_people=15).rates
    problems.assign(bRate=rates).to_csv(tmp_path / "rates.csv", index=False)
    r = cogsim("calibrate", "rates.csv", "--model", "ev", "--n-train", "100", "--folds", "3",
               "--n-boot", "5", "--curve", "10,30", "--baseline", "cpt", "--search", "grid",
               "--out", "cal", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "cal"
    assert {p.name for p in out.iterdir()} == {
        "params.json", "fidelity.json", "report.md", "predicted_vs_observed.png",
        "learning_curve.png", ".cogsim-outputs.json"}
    params = json.loads((out / "params.json").read_text())
    assert params["params"]["temperature"] == pytest.approx(5.0, rel=0.2)
    low, high = params["intervals"]["temperature"]
    assert low <= params["params"]["temperature"] <= high
    assert len(params["data"]["sha256"]) == 64 and params["seed"] == 0
    assert params["cogsim_version"]
    fidelity = json.loads((out / "fidelity.json").read_text())
    assert (fidelity["n_train"], fidelity["n_test"]) == (100, 200)
    assert 0 < fidelity["test_mse"] < 0.05 and "baseline_test_mse" in fidelity
    report = (out / "report.md").read_text()
    assert "Learning curve" in report and "temperature" in report

    problems.rename(columns={"problem": "GameID"}).iloc[:7].to_csv(tmp_path / "new.csv",
                                                                   index=False)
    r = cogsim("predict", "--params", "cal/params.json", "--problems", "new.csv",
               "--protocol", "cpc", "--out", "pred.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    pred = pd.read_csv(tmp_path / "pred.csv")
    assert list(pred.columns[:1]) == ["GameID"] and len(pred) == 7
    blocks = pred[[f"B.{b}" for b in range(1, 6)]].to_numpy()
    assert np.all((blocks >= 0) & (blocks <= 1))
    expected = ExpectedValueModel(temperature=params["params"]["temperature"]).predict_rates(
        problems.iloc[:7])
    np.testing.assert_allclose(blocks[:, 0], expected, atol=1e-12)
    r = cogsim("predict", "--params", "cal/params.json", "--problems", "new.csv",
               "--protocol", "c13k", "--out", "pred13k.csv", cwd=tmp_path)
    assert r.returncode == 0 and "bRate" in pd.read_csv(tmp_path / "pred13k.csv").columns


GOOD_JUDGMENTS = ("annotator_id,option_a,option_b,choice,outcomes_a,probs_a,outcomes_b,probs_b\n"
                  "p1,safe,risky,A,3,1,0;4,0.2;0.8\n"
                  "p2,safe,risky,B,3,1,0;4,0.2;0.8\n"
                  "p1,sure,gamble,B,1,1,0;10,0.9;0.1\n")
BAD_DATA = {
    "missing column": ("annotator_id,option_a,choice\np1,x,A\n",
                       ["bad.csv", "option_b"]),
    "probability outside [0, 1]": (GOOD_JUDGMENTS.replace("0.2;0.8\np2", "-0.2;1.2\np2"),
                                   ["bad.csv", "row 1", "probs_b"]),
    "probabilities not summing to 1": (GOOD_JUDGMENTS.replace("0.9;0.1", "0.5;0.1"),
                                       ["bad.csv", "row 3", "probs_b", "sum"]),
    "choice naming neither option": (GOOD_JUDGMENTS.replace("risky,B,", "risky,C,"),
                                     ["bad.csv", "row 2", "choice"]),
    "empty file": ("", ["bad.csv", "empty"]),
    "rate outside [0, 1] in a problem file": (
        "Ha,pHa,La,Hb,pHb,Lb,LotShapeB,LotNumB,Amb,Corr,bRate\n3,1,3,4,0.8,0,0,1,0,0,1.4\n",
        ["bad.csv", "row 1", "bRate"]),
    "NaN rate in a problem file": (
        "Ha,pHa,La,Hb,pHb,Lb,LotShapeB,LotNumB,Amb,Corr,bRate\n3,1,3,4,0.8,0,0,1,0,0,NaN\n",
        ["bad.csv", "row 1", "bRate", "got nan"]),
    "problem probability outside [0, 1]": (
        "Ha,pHa,La,Hb,pHb,Lb,LotShapeB,LotNumB,Amb,Corr,bRate\n3,1,3,4,1.8,0,0,1,0,0,0.4\n",
        ["bad.csv", "pHb"]),
}


@pytest.mark.parametrize("case", BAD_DATA, ids=list(BAD_DATA))
def test_bad_data_exits_2_naming_file_row_and_column(tmp_path, case):
    text, expected = BAD_DATA[case]
    (tmp_path / "bad.csv").write_text(text)
    r = cogsim("calibrate", "bad.csv", "--model", "ev", "--out", "out", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    message = r.stderr.strip()
    assert "Traceback" not in message
    for part in expected:
        assert part in message, (part, message)
    assert not (tmp_path / "out").exists()


def test_generic_judgments_with_distributions_become_problems(tmp_path):
    (tmp_path / "j.csv").write_text(GOOD_JUDGMENTS)
    data = load_calibration_data(tmp_path / "j.csv")
    assert data.kind == "rates" and data.n_units == 2
    np.testing.assert_allclose(sorted(data.rates), [0.5, 1.0])
    first = data.problems.iloc[0]
    assert (first.Ha, first.pHa, first.Hb, first.pHb, first.Lb) == (3, 1, 4, 0.8, 0)


def test_report_command_compares_synthetic_and_human(tmp_path):
    """A human table that copies the synthetic choices: the same choice rates (MSD 0) and
    more agreement with the humans than they have among themselves."""
    r = cogsim("generate", "--pairs", "40", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    j = pd.read_parquet(tmp_path / "cogsim-out" / "judgments.parquet")
    human = pd.DataFrame({"annotator_id": "h" + j.annotator_id.astype(str),
                          "option_a": j.item_a, "option_b": j.item_b,
                          "choice": np.where(j.chosen == j.item_a, "A", "B"),
                          "pair_id": j.pair_id})
    human.to_csv(tmp_path / "human.csv", index=False)
    # without p_a the synthetic choice rates are the observed choices, as the human ones
    j.drop(columns="p_a").to_parquet(tmp_path / "synthetic.parquet")
    r = cogsim("report", "synthetic.parquet", "--human", "human.csv", "--out", "rep",
               cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    measures = json.loads((tmp_path / "rep" / "fidelity.json").read_text())
    assert measures["msd"] == pytest.approx(0.0)
    # each synthetic judgment equals one human's, so it agrees more than humans agree
    assert measures["agreement_with_human"] > measures["human_heldout_agreement"]
    assert measures["prefer_first"] == pytest.approx((j.chosen == j["first"]).mean())
    assert "| prefer_first |" in (tmp_path / "rep" / "report.md").read_text()
    r = cogsim("report", "nothing.parquet", "--human", "human.csv", cwd=tmp_path)
    assert r.returncode == 2 and "nothing.parquet" in r.stderr


def test_calibrate_repeated_choice_from_generic_judgments(tmp_path):
    """Judgments with trial and outcome are repeated choices: the delta rule and the IBL
    population are fitted on 8 people, scored on 4 by log-likelihood per choice and
    block-rate MSD, and the block rates are drawn."""
    rng = np.random.default_rng(0)
    rows = []
    for person in range(12):
        for trial in range(1, 41):
            risky = rng.random() < 0.4 + 0.01 * trial          # learns to take the risk
            outcome = float(rng.choice([0.0, 4.0])) if risky else 2.0
            rows.append({"annotator_id": f"p{person}", "option_a": "safe",
                         "option_b": "risky", "choice": "B" if risky else "A",
                         "trial": trial, "outcome": outcome, "outcomes_a": "2",
                         "probs_a": "1", "outcomes_b": "0;4", "probs_b": "0.5;0.5"})
    pd.DataFrame(rows).to_csv(tmp_path / "trials.csv", index=False)
    data = load_calibration_data(tmp_path / "trials.csv")
    assert data.kind == "trials" and data.n_units == 12 and data.risky == "risky"
    assert data.options["risky"] == ((0.0, 4.0), (0.5, 0.5))
    r = cogsim("calibrate", "trials.csv", "--model", "rl", "--n-train", "8", "--folds", "0",
               "--n-boot", "2", "--curve", "", "--baseline", "ibl", "--search", "grid",
               "--out", "cal",
               cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    f = json.loads((tmp_path / "cal" / "fidelity.json").read_text())
    assert (f["n_train"], f["n_test"], f["test_n_choices"]) == (8, 4, 160)
    assert -1.0 < f["test_loglik_per_choice"] < 0         # a mean log-probability
    assert len(f["test_block_rates_people"]) == 4 and f["test_block_msd"] >= 0
    assert "baseline_test_loglik_per_choice" in f
    assert (tmp_path / "cal" / "block_rates.png").is_file()
