"""Simulation noise of the CPC18 Track II comparison: both committed lab calibrations scored
with several agent seeds.

    python calibration/lab/seed_spread.py [--data-home DIR] [--seeds 0 1 2 3 4]

Scores, for each agent seed, CPC18 Track II's 58 problems by block-rate MSD (the people's
block rates, `RateData.scored`), exactly as ``run.py`` does except for the seed:

* lab IBL: the model of ``params.json`` (``cogsim predict --params params.json --protocol
  cpc``: its settings, 500 agents) with the record's seed replaced;
* BEAST: ``BEASTModel(seed, n_agents=2000)`` with the fitted ``beast_params`` of
  ``results.json`` (``run.py``'s ``scorer("beast", ...)``).

``run.py`` uses seed 0 for both (IBL 0.0557, BEAST 0.0579); the script checks that seed 0
reproduces ``results.json``'s two figures exactly.  Nothing is fitted and nothing is written.
Prints one line per seed and, last, a JSON line with the figures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cogsim.baselines.beast import BEASTModel
from cogsim.calibration.predict import predict_problems
from cogsim.calibration.record import model_from_record, read_params
from cogsim.calibration.sources import load_calibration_data

HERE = Path(__file__).resolve().parent
BLOCKS = [f"B.{b}" for b in range(1, 6)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    cpc18 = load_calibration_data("cpc18_track2", args.data_home)
    record = read_params(HERE / "params.json")
    results = json.loads((HERE / "results.json").read_text())
    committed = {k: results["cpc18_track2"][k]["test_mse"] for k in ("ibl", "beast")}
    out: dict = {"n_problems": cpc18.n_units, "committed_seed0": committed,
                 "ibl": {}, "beast": {}}
    for seed in args.seeds:
        ibl = model_from_record({**record, "seed": seed}, "params.json")
        ibl_pred = predict_problems(ibl, cpc18.problems, "cpc")[BLOCKS].to_numpy()
        beast = BEASTModel(seed=seed, n_agents=2000).set_params(**results["beast_params"])
        beast_pred = beast.predict_rates(cpc18.problems, protocol="cpc")
        msd = {"ibl": cpc18.scored(ibl_pred, "test")["test_mse"],
               "beast": cpc18.scored(beast_pred, "test")["test_mse"]}
        for kind, value in msd.items():
            out[kind][seed] = value
        print(f"seed {seed}: IBL {msd['ibl']:.4f}  BEAST {msd['beast']:.4f}  "
              f"IBL better: {msd['ibl'] < msd['beast']}", flush=True)
        if seed == 0:
            for kind, value in msd.items():
                if value != committed[kind]:
                    raise SystemExit(f"seed 0: {kind} {value!r} differs from results.json's "
                                     f"{committed[kind]!r}")
    for kind in ("ibl", "beast"):
        values = list(out[kind].values())
        out[f"{kind}_range"] = [min(values), max(values)]
    out["ibl_better_every_seed"] = all(out["ibl"][s] < out["beast"][s] for s in args.seeds)
    print(json.dumps(out))


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
