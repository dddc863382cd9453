"""Lab-grade IBL: one calibration on choices13k (online) plus CPC15 1-90 (lab), a lapse per
source, and its test on lab problems against BEAST calibrated the same way.

    python calibration/lab/run.py [--data-home DIR] [--folds 10] [--beast-from RESULTS]

1. Joint fit (`cogsim.calibration.lab`): 100 choices13k development problems (seed 0) and all
   90 CPC15 problems; objective 0.5 MSE(choices13k) + 0.5 block-rate MSD(CPC15); shared
   noise, decay (0.05-2) and curvature, ``lapse_online`` and ``lapse_lab``.  BEAST.sd is fitted
   to the same objective with one parameter set (it has no lapse).  Both with the coarse-grid
   search (32 Sobol points, Nelder-Mead <= 80 iterations), IBL with 50 agents and BEAST with
   200 while fitting.  Writes ``params.json`` (an ``ibl`` rates model whose lapse is the lab's,
   for ``cogsim predict --protocol cpc``).
2. 10-fold cross-validation by problem over CPC15 (the choices13k part fixed): block-rate MSD
   of the held-out lab problems, IBL and BEAST.
3. CPC18 Track II's 58 problems (none in the training data): ``cogsim predict --params
   params.json --protocol cpc`` against the people's block rates, and BEAST's prediction.

The IBL account is `cogsim.calibration.lab.LAB_DESIGN` (chosen on development splits by
``develop.py``).  ``--beast-from`` carries BEAST's fit and cross-validation over from an
earlier ``results.json`` of the same recipe (the same online problems, search and folds;
BEAST's code unchanged) instead of refitting it 11 times (about 75 minutes); BEAST's CPC18
prediction is recomputed from its parameters and checked against the earlier figure.

Writes ``results.json``; README.md reports it.
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

from cogsim.baselines.beast import BEASTModel
from cogsim.calibration.fit import fit_model
from cogsim.calibration.lab import LAB_DESIGN, JointIBL, JointRateData, Shared, lab_record
from cogsim.calibration.sources import load_calibration_data
from cogsim.outputs import json_ready

HERE = Path(__file__).resolve().parent
SEARCH = {"search": "grid", "n_grid": 32, "local_maxiter": 80}


def fit(kind: str, data: JointRateData, seed: int = 0):
    model = (JointIBL(seed=seed, n_agents=50, **LAB_DESIGN) if kind == "ibl"
             else Shared(BEASTModel(seed=seed, n_agents=200)))
    result = fit_model(model, data, seed=seed, **SEARCH)
    return model, result


def scorer(kind: str, model, seed: int = 0, source: str = "lab"):
    """The model of ``source`` with the fitted parameters and scoring agents (IBL 500,
    BEAST 2,000)."""
    if kind == "ibl":
        joint = JointIBL(seed=seed, n_agents=500, **LAB_DESIGN)
        return joint.set_params(**model.get_params()).for_source(source)
    return BEASTModel(seed=seed, n_agents=2000).set_params(**model.get_params())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--beast-from", default=None,
                        help="an earlier results.json whose BEAST fit and CV to carry over")
    args = parser.parse_args()
    c13k = load_calibration_data("choices13k", args.data_home)
    online = c13k.subset(np.sort(np.random.default_rng(0).permutation(c13k.n_units)[:100]))
    cpc15 = load_calibration_data("cpc15", args.data_home)
    cpc18 = load_calibration_data("cpc18_track2", args.data_home)
    out: dict = {"online_problems": [int(i) for i in online.unit_ids], "search": SEARCH,
                 "ibl_design": LAB_DESIGN}
    earlier = None
    if args.beast_from:
        earlier = json.loads(Path(args.beast_from).read_text())
        same = (earlier["online_problems"] == out["online_problems"]
                and earlier["search"] == SEARCH and earlier["cv"]["folds"] == args.folds)
        if not same:
            raise SystemExit(f"{args.beast_from}: another recipe (online problems, search or "
                             f"folds differ); refit BEAST without --beast-from")
        out["beast_from"] = {"file": str(args.beast_from), "note": earlier.get(
            "beast_from", {}).get("note", "BEAST's fit and CV carried over unchanged")}
    kinds = ("ibl",) if earlier else ("ibl", "beast")

    # 1. the recommended calibration on all 90 lab problems
    joint = JointRateData(online, cpc15)
    fitted = {}
    if earlier:
        fitted["beast"] = Shared(BEASTModel(seed=0, n_agents=200)).set_params(
            **earlier["beast_params"])
        out["beast_params"] = earlier["beast_params"]
        out["beast_fit_seconds"] = earlier["beast_fit_seconds"]
    for kind in kinds:
        start = time.perf_counter()
        model, result = fit(kind, joint)
        fitted[kind] = model
        out[f"{kind}_params"] = result.params
        out[f"{kind}_fit_seconds"] = round(time.perf_counter() - start, 1)
        print(kind, result.params, result.loss, flush=True)
    # the online part of the objective, for the record (training data, not a test)
    out["online_fit"] = {kind: online.scored(online.predict(scorer(kind, fitted[kind],
                                                                   source="online")), "train")
                         for kind in ("ibl", "beast")}
    record = lab_record(fitted["ibl"], seed=0, n_agents=500,
                        data={"name": "choices13k + cpc15", "n_train": 190,
                              "online_units": out["online_problems"], "lab_units": "all 90"},
                        fit={"seconds": out["ibl_fit_seconds"], "objective":
                             "0.5 msd choices13k + 0.5 msd cpc15", **SEARCH})
    (HERE / "params.json").write_text(json.dumps(json_ready(record), indent=2) + "\n")

    # 2. CPC18 Track II through the command line
    with tempfile.TemporaryDirectory() as tmp:
        problems = Path(tmp) / "problems.csv"
        cpc18.problems.to_csv(problems, index=False)
        pred = Path(tmp) / "pred.csv"
        subprocess.run([sys.executable, "-m", "cogsim", "predict", "--params",
                        str(HERE / "params.json"), "--problems", str(problems), "--protocol",
                        "cpc", "--out", str(pred)], check=True)
        ibl_pred = pd.read_csv(pred)[[f"B.{b}" for b in range(1, 6)]].to_numpy()
    beast_pred = scorer("beast", fitted["beast"]).predict_rates(cpc18.problems, protocol="cpc")
    out["cpc18_track2"] = {"n_problems": cpc18.n_units, "ibl": cpc18.scored(ibl_pred, "test"),
                           "beast": cpc18.scored(beast_pred, "test")}
    if earlier:
        before = earlier["cpc18_track2"]["beast"]["test_mse"]
        now = out["cpc18_track2"]["beast"]["test_mse"]
        if abs(before - now) > 1e-9:
            raise SystemExit(f"BEAST's CPC18 MSD {now} differs from {before} in "
                             f"{args.beast_from}: refit BEAST without --beast-from")
    print("cpc18", out["cpc18_track2"]["ibl"]["test_mse"],
          out["cpc18_track2"]["beast"]["test_mse"], flush=True)

    # 3. k-fold cross-validation by problem over CPC15
    order = np.random.default_rng(0).permutation(cpc15.n_units)
    folds: dict = {kind: [] for kind in kinds}
    predicted = {k: np.zeros_like(cpc15.rates) for k in folds}
    for k in range(args.folds):
        test = np.sort(order[k::args.folds])
        train = np.setdiff1d(np.arange(cpc15.n_units), test)
        for kind in folds:
            model, _ = fit(kind, JointRateData(online, cpc15.subset(train)), seed=k)
            held = cpc15.subset(test)
            predicted[kind][test] = held.predict(scorer(kind, model, seed=k))
            folds[kind].append(held.loss(scorer(kind, model, seed=k)))
        print("fold", k, {kind: round(v[-1], 4) for kind, v in folds.items()}, flush=True)
    out["cv"] = {"folds": args.folds, **{kind: {"fold_msd": v, **cpc15.scored(predicted[kind],
                                                                              "test")}
                                         for kind, v in folds.items()}}
    if earlier:
        out["cv"]["beast"] = earlier["cv"]["beast"]
    (HERE / "results.json").write_text(json.dumps(json_ready(out), indent=2) + "\n")


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
