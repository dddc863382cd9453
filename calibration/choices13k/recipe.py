"""Calibrate IBL (and the CPT baseline, on the same problems) on choices13k; predict CPC18.

    python calibration/choices13k/recipe.py [--data-home DIR] [--quick]

For each of three random draws of 100 training problems (seeds 0, 1, 2) this runs what
``cogsim calibrate choices13k --model ibl --n-train 100 --seed S`` runs -- the fit, 20
bootstrap refits, 5-fold cross-validation, the learning curve over 10/30/100/300 problems,
and the CPT baseline fitted on the same 100 problems -- and writes each calibration to
``calibration/choices13k/ibl-seedS/``.  It then predicts the CPC18 Track II problems, which
the model has never seen, under the 25-trial competition protocol with ``cogsim predict``
and scores the predicted block rates against the people's.  ``summary.json`` collects the
numbers that README.md reports.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim.baselines.prospect import ProspectTheoryModel
from cogsim.calibration.run import calibrate, write_calibration
from cogsim.calibration.sources import load_calibration_data

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--quick", action="store_true", help="one draw, no CV or bootstrap")
    args = parser.parse_args()
    data = load_calibration_data("choices13k", args.data_home)
    seeds = [0] if args.quick else [0, 1, 2]
    summary = {"draws": []}
    for seed in seeds:
        start = time.perf_counter()
        result = calibrate(data, "ibl", n_train=100, seed=seed,
                           folds=0 if args.quick else 5, n_boot=0 if args.quick else 20,
                           curve=() if args.quick else (10, 30, 100, 300),
                           progress=lambda stage, seed=seed: print(f"seed {seed}: {stage}",
                                                                  flush=True))
        folder = write_calibration(result, HERE / f"ibl-seed{seed}")
        f = result.fidelity
        summary["draws"].append({
            "seed": seed, "folder": folder.name, "params": result.params,
            "train_mse": f["train_mse"], "test_mse": f["test_mse"],
            "cpt_test_mse": f.get("baseline_test_mse"), "n_test": f["n_test"],
            "fit_seconds": round(result.fit_seconds, 1),
            "total_seconds": round(time.perf_counter() - start, 1),
            "learning_curve": {c["n"]: c["test_loss"] for c in result.curve}})
        print(json.dumps(summary["draws"][-1]), flush=True)
    cpt = ProspectTheoryModel(**result_params(HERE / "ibl-seed0", "baseline"))
    summary["cpc18"] = predict_cpc18(HERE / "ibl-seed0" / "params.json", args.data_home, cpt)
    (HERE / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary["cpc18"]))


def result_params(folder: Path, which: str) -> dict:
    """The fitted parameters of the model or of its baseline, from a calibration folder."""
    record = json.loads((folder / "params.json").read_text())
    return record["baseline"]["params"] if which == "baseline" else record["params"]


def predict_cpc18(params: Path, data_home, cpt: ProspectTheoryModel) -> dict:
    """`cogsim predict` on the CPC18 Track II problems (25-trial protocol), scored against
    the people's block rates (their mean per game and block), next to the CPT baseline
    calibrated on the same choices13k problems and a constant at the observed mean."""
    cpc = load_calibration_data("cpc18_track2", data_home)
    with tempfile.TemporaryDirectory() as tmp:
        problems = Path(tmp) / "problems.csv"
        cpc.problems.to_csv(problems, index=False)
        out = Path(tmp) / "predictions.csv"
        subprocess.run([sys.executable, "-m", "cogsim", "predict", "--params", str(params),
                        "--problems", str(problems), "--protocol", "cpc", "--out", str(out)],
                       check=True)
        predicted = pd.read_csv(out)[[f"B.{b}" for b in range(1, 6)]].to_numpy()
    observed = cpc.rates
    constant = observed.mean()
    cpt_predicted = cpt.predict_rates(cpc.problems, protocol="cpc")
    return {"n_problems": int(len(observed)),
            "mse": float(np.mean((predicted - observed) ** 2)),
            "cpt_mse": float(np.mean((cpt_predicted - observed) ** 2)),
            "mse_per_block": np.mean((predicted - observed) ** 2, axis=0).round(5).tolist(),
            "constant_mse": float(np.mean((observed - constant) ** 2)),
            "predicted_mean_per_block": predicted.mean(axis=0).round(4).tolist(),
            "observed_mean_per_block": observed.mean(axis=0).round(4).tolist()}


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
