"""Calibration on pairwise text preferences: the model recovers a known preference, beats or
matches the logistic baseline, writes its files, and refuses bad data with one line."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest

from cogsim.calibration.text_fit import fit_baseline, fit_text_model, score
from cogsim.calibration.text_pairs import is_text_data, load_text_pairs, text_pairs_from_judgments
from cogsim.calibration.text_run import calibrate_text, population_data, write_text_calibration
from cogsim.errors import InputError
from cogsim.generate import generate
from cogsim.spec import load_spec
from cogsim.tasks import default_text_item_set
from cogsim.text import default_text_items


def cogsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cogsim", *args], capture_output=True,
                          text=True, cwd=cwd)


def longer_wins(n_pairs: int = 160, flip: float = 0.15, seed: int = 0) -> pd.DataFrame:
    """Judgments in the generic schema of pairs of default texts: the longer response wins,
    except for a share ``flip`` of random answers; option A is shown first half the time."""
    items = default_text_items()
    rng = np.random.default_rng(seed)
    rows = []
    by_prompt = list(items.groupby("prompt", sort=False))
    for k in range(n_pairs):
        prompt, group = by_prompt[rng.integers(len(by_prompt))]
        a, b = group.sample(2, random_state=int(rng.integers(1 << 30)))["text"]
        a_longer = len(a.split()) > len(b.split())
        choice = "A" if a_longer != (rng.random() < flip) else "B"
        rows.append({"annotator_id": f"h{k % 7}", "pair_id": f"q{k}", "prompt": prompt,
                     "option_a": a, "option_b": b, "choice": choice,
                     "shown_first": "AB"[int(rng.integers(2))]})
    return pd.DataFrame(rows)


def test_the_fit_recovers_a_known_preference_and_beats_chance():
    data = text_pairs_from_judgments(longer_wins(), "synthetic")
    x, y = data.differences(), data.chose_a
    train, test = np.arange(100), np.arange(100, 160)
    model, search = fit_text_model(x[train], y[train], data.first[train], data.unit[train])
    assert search["ridge"] > 0 and 0 <= search["lapse"] <= 0.2
    weights = dict(zip(["length", "log_length", "characters"], model.w[:3]))
    assert sum(weights.values()) > 0            # longer is better
    held = score(model, x[test], y[test], data.first[test])
    assert held["accuracy"] >= 0.75
    base = score(fit_baseline(x[train], y[train], data.first[train]), x[test], y[test],
                 data.first[test])
    assert held["log_loss"] <= base["log_loss"] + 0.05


def test_calibrate_text_writes_the_files_and_a_population_that_runs(tmp_path):
    data = text_pairs_from_judgments(longer_wins(), "synthetic")
    result = calibrate_text(data, "bradley_terry", n_train=100, folds=3, curve=[30],
                            curve_draws=2)
    f = result.fidelity
    for key in ("test_accuracy", "test_log_loss", "baseline_test_accuracy", "n_train",
                "n_test", "test_human_prefer_longer", "test_model_prefer_longer",
                "test_human_prefer_lists", "test_human_prefer_first", "cv_accuracy",
                "baseline_cv_accuracy"):
        assert key in f, key
    assert f["n_train"] == 100 and f["n_test"] == 60
    assert f["test_human_prefer_longer"] > 0.7 and f["test_model_prefer_longer"] > 0.6
    assert f["test_human_prefer_first"] is not None        # shown_first is known
    assert [p["n_train"] for p in result.curve] == [30]
    out = write_text_calibration(result, tmp_path / "cal")
    assert not (out / "params.json").exists()       # that name is the registry models'
    assert {p.name for p in out.iterdir()} >= {"text_params.json", "population.toml",
                                               "fidelity.json", "report.md",
                                               "learning_curve.png"}
    spec = load_spec(out / "population.toml")
    assert spec.groups[0].model == "bradley_terry" and spec.scaling is not None
    run = generate(spec, default_text_item_set(), n_pairs=30)
    assert len(run.judgments) == 90
    again = calibrate_text(data, "bradley_terry", n_train=100, folds=3, curve=[30],
                           curve_draws=2)
    timeless = [{k: v for k, v in r.fidelity.items() if k != "fit_seconds"}
                for r in (again, result)]
    assert again.params == result.params and timeless[0] == timeless[1]       # one seed
    ibl = population_data(dataclasses.replace(result, model_name="ibl"))
    assert ibl["groups"][0]["model"] == "ibl" and ibl["groups"][0]["values"]


def test_a_generic_file_of_texts_is_calibration_data_on_the_command_line(tmp_path):
    path = tmp_path / "human.csv"
    longer_wins(120).to_csv(path, index=False)
    assert is_text_data(path) and is_text_data("hh_rlhf") and not is_text_data("choices13k")
    r = cogsim("calibrate", str(path), "--model", "bradley_terry", "--n-train", "80",
               "--folds", "0", "--curve", "30", "--out", "cal", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "test_accuracy" in r.stdout and "baseline_test_accuracy" in r.stdout
    fidelity = json.loads((tmp_path / "cal" / "fidelity.json").read_text())
    assert fidelity["n_train"] == 80 and fidelity["n_test"] == 40
    population = tomllib.loads((tmp_path / "cal" / "population.toml").read_text())
    assert population["groups"][0]["values"]


@pytest.mark.parametrize("change, args, mentions", [
    (lambda t: t.assign(option_b=t["option_b"].where(t.index != 3, None)), [],
     ["human.csv", "row 4", "option_b"]),
    (lambda t: t.assign(option_a=t["option_a"].where(t.index != 2, "x" * 1_100_000)), [],
     ["human.csv", "row 3", "option_a", "at most 1,000,000"]),
    (lambda t: t.assign(choice=t["choice"].where(t.index != 5, "C")), [],
     ["human.csv", "row 6", "choice"]),
    (lambda t: t, ["--model", "cpt"], ["--model", "bradley_terry", "'cpt'"]),
    (lambda t: t, ["--n-train", "500"], ["--n-train", "500"]),
    (lambda t: t.iloc[:1], [], ["human.csv", "1 judgments"]),
])
def test_bad_text_data_exits_2_with_one_line(tmp_path, change, args, mentions):
    change(longer_wins(40)).to_csv(tmp_path / "human.csv", index=False)
    args = args if "--model" in args else ["--model", "bradley_terry", *args]
    r = cogsim("calibrate", "human.csv", *args, "--folds", "0", "--curve", "", "--out", "cal",
               cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    message = r.stderr.strip()
    assert "Traceback" not in message and message.count("\n") == 0, message
    for part in mentions:
        assert part in message, (part, message)
    assert not (tmp_path / "cal").exists()


def test_options_are_checked_before_fitting():
    data = text_pairs_from_judgments(longer_wins(20), "synthetic")
    for options, field in (({"n_train": 20}, "--n-train"), ({"folds": 1}, "--folds"),
                           ({"curve": [100]}, "--curve"), ({"baseline": "cpt"}, "--baseline")):
        with pytest.raises(InputError, match=field):
            calibrate_text(data, "bradley_terry", **options)
    with pytest.raises(InputError, match="--model"):
        calibrate_text(data, "actr")


@pytest.mark.public_data("mt_bench_human")
def test_mt_bench_loads_and_its_humans_prefer_longer():
    data = load_text_pairs("mt_bench")
    assert data.n_units == 200 and data.n_judgments == 200
    assert not data.position_known
    assert 0.45 <= data.chose_a.mean() <= 0.55                  # A/B order drawn at random
    longer = data.features_a["length"].to_numpy() - data.features_b["length"].to_numpy()
    use = longer != 0
    assert np.mean((longer[use] > 0) == data.chose_a[use]) > 0.6


@pytest.mark.public_data("mt_bench_human")
def test_mt_bench_calibration_is_at_least_the_baseline_by_cross_validation():
    result = calibrate_text(load_text_pairs("mt_bench"), "bradley_terry", folds=5, curve=[])
    f = result.fidelity
    assert f["cv_accuracy"] >= 0.65
    assert f["cv_accuracy"] >= f["baseline_cv_accuracy"] - 0.01
