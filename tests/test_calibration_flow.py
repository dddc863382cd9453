"""Calibration flows into populations: ``cogsim calibrate`` writes population.toml, and
``cogsim generate --population`` (the TOML, or the params.json itself) runs annotators
whose parameters are the calibrated ones -- for a population calibration, with the fitted
spread.  Real processes on real files, on small synthetic data made here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.calibration.populations import (
    MAPPING,
    UNSUPPORTED,
    population_from_params,
    population_toml,
)
from cogsim.calibration.record import read_params
from cogsim.errors import InputError
from cogsim.generate import generate
from cogsim.ibl.described import IBLDescriptionModel
from cogsim.ibl.repeated import IBLRepeatedModel
from cogsim.spec import Dist, load_spec, parse_spec
from cogsim.tasks import load_items

ROOT = Path(__file__).resolve().parents[1]
GAMBLES = ROOT / "populations" / "gambles.csv"
FAST = ["--folds", "0", "--n-boot", "0", "--curve", "", "--baseline", "none"]
#: Annotators drawn for the statistical check of a fitted spread.
N_DRAWN = 4000


def cogsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cogsim", *args], capture_output=True,
                          text=True, cwd=cwd)


def synthetic_rates(path: Path) -> None:
    """40 described-gamble problems and the rates a known IBL model predicts for them."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(40):
        rows.append({"Ha": int(rng.integers(1, 30)), "pHa": float(rng.choice([0.5, 1.0])),
                     "La": int(rng.integers(-10, 1)), "LotShapeA": "-", "LotNumA": 1,
                     "Hb": int(rng.integers(1, 60)), "pHb": float(rng.choice([0.1, 0.5, 0.9])),
                     "Lb": int(rng.integers(-20, 1)), "LotShapeB": "-", "LotNumB": 1,
                     "Amb": 0, "Corr": 0, "Feedback": bool(i % 2)})
    problems = pd.DataFrame(rows)
    truth = IBLDescriptionModel(noise=0.8, decay=3.0, curvature=0.6, lapse=0.2, n_agents=200,
                                seed=5)
    problems.assign(bRate=np.round(truth.predict_rates(problems), 4)).to_csv(path, index=False)


def synthetic_trials(path: Path) -> None:
    """Repeated choices of 5 people, 12 trials each (safe 2 vs risky 0/4), in the generic
    judgments schema, from an IBL population whose noise varies across people."""
    options = {"safe": ((2.0,), (1.0,)), "risky": ((0.0, 4.0), (0.5, 0.5))}
    design = pd.DataFrame([{"subject": f"p{s}", "trial": t, "option_a": "safe",
                            "option_b": "risky"} for s in range(5) for t in range(1, 13)])
    truth = IBLRepeatedModel(noise=0.6, noise_spread=0.8, decay=0.5, default_utility=3.0,
                             prior=(0.0, 4.0), options=options, seed=3)
    sim = truth.simulate(design, n_agents=1)
    pd.DataFrame({"annotator_id": sim["subject"], "option_a": "safe", "option_b": "risky",
                  "choice": np.where(sim["response"] == "risky", "B", "A"),
                  "trial": sim["trial"], "outcome": sim["outcome"],
                  "outcomes_a": "2", "probs_a": "1", "outcomes_b": "0;4",
                  "probs_b": "0.5;0.5"}).to_csv(path, index=False)


@pytest.fixture(scope="module")
def rates_cal(tmp_path_factory) -> Path:
    """``cogsim calibrate rates.csv --model ibl --n-train 24 --out cal`` (the IBL account of
    described gambles: one parameter set for everybody)."""
    work = tmp_path_factory.mktemp("rates")
    synthetic_rates(work / "rates.csv")
    r = cogsim("calibrate", "rates.csv", "--model", "ibl", "--n-train", "24", *FAST,
               "--out", "cal", cwd=work)
    assert r.returncode == 0, r.stderr
    assert "population.toml" in r.stdout
    return work


@pytest.fixture(scope="module")
def trials_cal(tmp_path_factory) -> Path:
    """``cogsim calibrate trials.csv --model ibl --n-train 3 --out cal`` (the IBL population
    of repeated choice: a fitted lognormal spread of noise across people)."""
    work = tmp_path_factory.mktemp("trials")
    synthetic_trials(work / "trials.csv")
    r = cogsim("calibrate", "trials.csv", "--model", "ibl", "--n-train", "3", *FAST,
               "--out", "cal", cwd=work)
    assert r.returncode == 0, r.stderr
    return work


def _generate_cli(work: Path, population: str, out: str) -> pd.DataFrame:
    r = cogsim("generate", "--population", population, "--items", str(GAMBLES), "--out", out,
               "--quiet", cwd=work)
    assert r.returncode == 0, r.stderr
    return pd.read_parquet(work / out / "judgments.parquet")


def test_calibrated_rates_model_generates_annotators_with_its_parameters(rates_cal):
    """population.toml carries the fitted noise and decay to every annotator, the lapse
    rate to [fatigue], the model's 3 imagined draws to prior_instances; generate runs on
    gamble items from the TOML and from params.json alike."""
    cal = rates_cal / "cal"
    record = read_params(cal / "params.json")
    fitted = record["params"]
    judgments = _generate_cli(rates_cal, "cal/population.toml", "g")
    assert len(judgments) > 0 and set(judgments["model"]) == {"ibl"}
    from_params = _generate_cli(rates_cal, "cal/params.json", "g2")
    pd.testing.assert_frame_equal(judgments, from_params)      # the same population

    spec = load_spec(cal / "population.toml")
    assert spec == population_from_params(cal / "params.json")
    result = generate(spec, load_items(GAMBLES), seed=3)
    pop = result.population
    assert len(pop.ibl_rows) == spec.n_annotators
    assert np.all(pop.ibl.noise == fitted["noise"])
    assert np.all(pop.ibl.decay == fitted["decay"])
    assert pop.ibl.temperature is None                         # PyIBL's rule, as fitted
    assert spec.fatigue.base == spec.fatigue.maximum == fitted["lapse"]
    assert spec.fatigue.per_judgment == 0
    assert spec.groups[0].prior_instances == 3                 # the model's n_samples
    # the lapse shows: the share of judgments that were random is near the fitted rate
    lapses = (result.judgments["strategy"] == "lapse").mean()
    n = len(result.judgments)
    assert abs(lapses - fitted["lapse"]) < 4 * np.sqrt(fitted["lapse"] / n) + 0.01
    text = (cal / "population.toml").read_text()
    assert f"not carried: curvature {fitted['curvature']:.4g}" in text


def test_population_calibration_generates_the_fitted_spread(trials_cal):
    """The repeated-choice IBL population's fitted noise spread becomes a lognormal noise
    across annotators: over N_DRAWN annotators the mean and standard deviation of log noise
    match ln(median) and sigma within 4 standard errors (sigma/sqrt(n) for the mean,
    sigma/sqrt(2n) for the sd)."""
    cal = trials_cal / "cal"
    fitted = read_params(cal / "params.json")["params"]
    _generate_cli(trials_cal, "cal/population.toml", "g")
    _generate_cli(trials_cal, "cal/params.json", "g2")

    spec = load_spec(cal / "population.toml")
    noise = spec.groups[0].noise
    median, sigma = fitted["noise"], fitted["noise_spread"]
    if sigma == 0:
        assert noise == median
    else:
        assert isinstance(noise, Dist) and noise.dist == "lognormal"
        assert (noise.median, noise.sigma) == (median, sigma)
    spec = spec.model_copy(update={"n_annotators": N_DRAWN})
    pop = generate(spec, load_items(GAMBLES), n_pairs=20, seed=11).population
    assert np.all(pop.ibl.decay == fitted["decay"])
    log_noise = np.log(pop.ibl.noise)
    n = len(log_noise)
    assert n == N_DRAWN
    if sigma == 0:
        assert np.all(pop.ibl.noise == median)
    else:
        assert abs(log_noise.mean() - np.log(median)) < 4 * sigma / np.sqrt(n)
        assert abs(log_noise.std(ddof=1) - sigma) < 4 * sigma / np.sqrt(2 * n)
    assert "not carried: default_utility" in (cal / "population.toml").read_text()


def test_known_spread_reaches_the_annotators(tmp_path):
    """A params.json with a known spread (noise median 0.9, sigma 0.6): the annotators' log
    noise has that mean and sd (4 standard errors)."""
    record = {"model": "ibl", "kind": "trials",
              "params": {"noise": 0.9, "noise_spread": 0.6, "decay": 0.4,
                         "default_utility": 2.0},
              "data": {"name": "known"}, "settings": {"n_agents": 10}, "seed": 2}
    (tmp_path / "params.json").write_text(json.dumps(record))
    spec = population_from_params(tmp_path / "params.json", n_annotators=N_DRAWN)
    pop = generate(spec, load_items(GAMBLES), n_pairs=20).population
    log_noise = np.log(pop.ibl.noise)
    se = 0.6 / np.sqrt(N_DRAWN)
    assert abs(log_noise.mean() - np.log(0.9)) < 4 * se
    assert abs(log_noise.std(ddof=1) - 0.6) < 4 * se / np.sqrt(2)
    assert np.all(pop.ibl.decay == 0.4)


def test_population_toml_round_trips_and_old_params_files_work(rates_cal, tmp_path):
    """population.toml is spec_to_toml output: it parses back to the spec; a params.json in
    the old form (a module path in 'class') gives the same population."""
    record = read_params(rates_cal / "cal" / "params.json")
    text = population_toml(record, folder=tmp_path)
    (tmp_path / "population.toml").write_text(text)
    assert load_spec(tmp_path / "population.toml") == population_from_params(
        rates_cal / "cal" / "params.json")
    old = {k: v for k, v in record.items() if k != "kind"}
    old["class"] = "cogsim.ibl.description:IBLDescriptionModel"
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert population_from_params(tmp_path / "old.json") == population_from_params(
        rates_cal / "cal" / "params.json")


def test_models_without_a_population_counterpart_say_so(rates_cal, tmp_path):
    """EV, CPT and the delta rule have no population counterpart: calibrate writes no
    population.toml and says why; generate --population with their params.json exits 2
    with one line naming the file and the model."""
    r = cogsim("calibrate", "rates.csv", "--model", "ev", "--n-train", "24", *FAST,
               "--out", str(tmp_path / "ev"), cwd=rates_cal)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "ev" / "population.toml").exists()
    assert "no population.toml: ev has no population counterpart" in r.stdout
    record = json.loads((tmp_path / "ev" / "params.json").read_text())
    assert (record["model"], record["kind"]) == ("ev", "rates")
    cpt = {**record, "model": "cpt",
           "params": {"alpha": 0.8, "lam": 1.2, "gamma": 0.7, "temperature": 2.0}}
    (tmp_path / "cpt.json").write_text(json.dumps(cpt))
    for name in ("ev/params.json", "cpt.json"):
        r = cogsim("generate", "--population", str(tmp_path / name), "--items", str(GAMBLES),
                   "--out", str(tmp_path / "never"), cwd=rates_cal)
        assert r.returncode == 2
        line = r.stderr.strip()
        assert "\n" not in line and name.split("/")[-1] in line
        assert "has no population counterpart" in line
        assert not (tmp_path / "never").exists()
    assert set(UNSUPPORTED) == {("ev", "rates"), ("cpt", "rates"), ("rl", "trials"),
                                ("beast", "rates"), ("cpt_scaled", "rates"),
                                ("rl_pop", "trials")}


def test_every_mapping_row_names_a_population_field():
    """The one table maps onto fields a population spec has (or says what is dropped)."""
    spec = parse_spec({"groups": [{"name": "g", "share": 1.0, "values": {"ev": 1.0}}]})
    spec_fields = set(type(spec).model_fields)
    group_fields = set(type(spec.groups[0]).model_fields)
    for row in MAPPING:
        if row.rule == "dropped":
            assert row.field == "" and row.note
            continue
        target, _, name = row.field.partition(".")
        assert (name in group_fields) if target == "groups" else (target in spec_fields), row


SHIPPED = sorted(ROOT.glob("calibration/*/*/params.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_shipped_calibrations_have_their_population(path):
    """Each shipped calibration has a population.toml beside params.json, equal to what
    the calibration gives now, and it runs on gamble items -- unless its model has no
    population counterpart (BEAST): then there is none and asking for one says why."""
    toml = path.parent / "population.toml"
    record = json.loads(path.read_text())
    if (record["model"], record["kind"]) in UNSUPPORTED:
        assert not toml.exists()
        with pytest.raises(InputError, match="has no population counterpart"):
            population_from_params(path)
        return
    assert toml.is_file()
    spec = load_spec(toml)
    assert spec == population_from_params(path)
    result = generate(spec, load_items(GAMBLES), n_pairs=20)
    assert len(result.judgments) == 20 * spec.assignment.annotators_per_pair


def test_trial_table_without_distributions_is_refused_before_fitting(tmp_path):
    """A plain trial table is simulated with the Niv task's options; other option names are
    refused when the data are loaded (naming the file and the options), not after a fit."""
    from cogsim.calibration.sources import load_calibration_data
    from cogsim.errors import DataError

    pd.DataFrame({"subject": ["a", "a"], "trial": [1, 2], "option_a": ["safe", "safe"],
                  "option_b": ["risky", "risky"], "response": ["safe", "risky"],
                  "outcome": [2.0, 4.0]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(DataError, match=r"t\.csv: options \['risky', 'safe'\] have no "
                                        r"outcome distribution"):
        load_calibration_data(tmp_path / "t.csv")
