"""Where the lab IBL account and BEAST miss on CPC18 Track II: MSD by problem class and block.

    python calibration/lab/residuals.py [--data-home DIR]

A post-hoc reading of the final test (after it was run once; nothing here feeds back into
the design): IBL from ``params.json`` (as ``cogsim predict --protocol cpc`` runs it), BEAST
from ``results.json``'s parameters with 2,000 agents, both against the people's block rates
of the 58 CPC18 Track II problems.  Classes of `cogsim.calibration.lab.problem_classes`
(ambiguous, correlated, multi-outcome lottery in B, a rare outcome <= 0.1), plus "A risky"
(A not a sure payoff).
Writes ``residuals.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from cogsim.baselines.beast import BEASTModel
from cogsim.calibration import read_params
from cogsim.calibration.lab import problem_classes
from cogsim.calibration.record import model_from_record
from cogsim.calibration.sources import load_calibration_data
from cogsim.outputs import json_ready
from cogsim.tasks.gambles import check_problems, pad_problems

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()
    cpc18 = load_calibration_data("cpc18_track2", args.data_home)
    results = json.loads((HERE / "results.json").read_text())
    predicted = {
        "ibl": model_from_record(read_params(HERE / "params.json")).predict_rates(
            cpc18.problems, protocol="cpc"),
        "beast": BEASTModel(seed=0, n_agents=2000).set_params(
            **results["beast_params"]).predict_rates(cpc18.problems, protocol="cpc"),
    }
    masks = problem_classes(cpc18.problems)
    pad = pad_problems(check_problems(cpc18.problems))
    masks["A risky"] = (pad.pa > 0).sum(axis=1) > 1
    out: dict = {"n_problems": cpc18.n_units}
    for kind, p in predicted.items():
        error = (p - cpc18.rates) ** 2
        row = {"msd": float(error.mean()), "bias_block": (p - cpc18.rates).mean(0).tolist(),
               "msd_block": error.mean(0).tolist()}
        for name, mask in masks.items():
            row[f"msd_{name}"] = [float(error[mask].mean()) if mask.any() else None,
                                  float(error[~mask].mean()), int(mask.sum())]
        out[kind] = row
    worst = np.argsort(-((predicted["ibl"] - cpc18.rates) ** 2).mean(1))[:10]
    out["worst_ibl"] = [{"row": int(i), **{c: cpc18.problems.iloc[i][c] for c in
                                           ("Ha", "pHa", "La", "Hb", "pHb", "Lb", "LotShapeB",
                                            "LotNumB", "Amb", "Corr")},
                         "people": cpc18.rates[i].round(3).tolist(),
                         "ibl": predicted["ibl"][i].round(3).tolist(),
                         "beast": predicted["beast"][i].round(3).tolist()} for i in worst]
    (HERE / "residuals.json").write_text(json.dumps(json_ready(out), indent=2) + "\n")
    for kind in predicted:
        r = out[kind]
        print(kind, f"{r['msd']:.4f}", "blocks", np.round(r["msd_block"], 4),
              {k[4:]: [None if v is None else round(v, 4) for v in r[k][:2]] + r[k][2:]
               for k in r if k.startswith("msd_") and k != "msd_block"})


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
