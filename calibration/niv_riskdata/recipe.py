"""Calibrate an IBL population and the delta-rule baseline on 30 people of the
risk-from-experience data; score both on the other 533.

    python calibration/niv_riskdata/recipe.py [--data-home DIR] [--quick]

For each of three random draws of 30 people (seeds 0, 1, 2) this runs what
``cogsim calibrate niv_riskdata --model ibl --n-train 30 --seed S`` runs (fit, bootstrap
intervals, 5-fold cross-validation over people, the learning curve over 10/30/100/300
people, and the delta-rule baseline fitted on the same 30 people) and writes it to
``calibration/niv_riskdata/ibl-seedS/``; ``summary.json`` collects the held-out
log-likelihood per choice and block-rate MSD of both models.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cogsim.calibration.run import calibrate, write_calibration
from cogsim.calibration.sources import load_calibration_data

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--quick", action="store_true", help="one draw, no CV or bootstrap")
    args = parser.parse_args()
    data = load_calibration_data("niv_riskdata", args.data_home)
    summary = {"draws": []}
    for seed in ([0] if args.quick else [0, 1, 2]):
        start = time.perf_counter()
        result = calibrate(data, "ibl", n_train=30, seed=seed,
                           folds=0 if args.quick else 5, n_boot=0 if args.quick else 10,
                           curve=() if args.quick else (10, 30, 100, 300),
                           progress=lambda stage: print(f"seed {seed}: {stage}", flush=True))
        folder = write_calibration(result, HERE / f"ibl-seed{seed}")
        f = result.fidelity
        summary["draws"].append({
            "seed": seed, "folder": folder.name, "params": result.params,
            "test_loglik_per_choice": f["test_loglik_per_choice"],
            "rl_test_loglik_per_choice": f.get("baseline_test_loglik_per_choice"),
            "test_block_msd": f["test_block_msd"],
            "rl_test_block_msd": f.get("baseline_test_block_msd"),
            "n_test_people": f["n_test"], "fit_seconds": round(result.fit_seconds, 1),
            "total_seconds": round(time.perf_counter() - start, 1)})
        print(json.dumps(summary["draws"][-1]), flush=True)
    (HERE / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
