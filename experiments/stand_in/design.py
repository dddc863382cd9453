"""The design of (b), chosen on development data only (never the final test set).

    python experiments/stand_in/design.py [--data-home DIR] [--draws 2]

choices13k's development set (the 11,006 problems outside the final test set) is split once:
2,000 problems (``default_rng(DESIGN_SEED).permutation`` of the development units, first
2,000) are the *design validation* set, and the N training problems are drawn from the other
9,006 by ``default_rng(100 + draw).permutation`` (seeds the final table does not use).  For
N = 30, 100, 300 and each draw this compares, on the design validation set:

* the number of simulated agents per fresh problem behind the synthetic rates (100, 1,000);
* the learner of the synthetic rates: (a)'s fixed settings (`combine.learner`) against
  `combine.synthetic_learner` (more capacity, early stopping on synthetic rows);
* the correction on the N human problems: none, the earlier gated residual boosting, and
  `combine.Stacked` (candidate chosen by inner cross-validation on the N problems), whose
  choices are recorded;
* the calibrated IBL alone with 100 and 1,000 agents, (a), and the learner on all 9,006
  non-validation problems (for the share of the gap closed).

Writes ``design.json`` (every draw, and means per N); NOTES.md reads it.  ``--capacity-only``
adds to it the learner of (c) with `combine.synthetic_learner`'s settings (is (c) fair?)
and the synthetic learner's capacity compared (`capacity`; run after the first pass).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from cogsim.calibration.fit import fit_model
from cogsim.calibration.sources import load_calibration_data
from cogsim.ibl.described import IBLDescriptionModel
from cogsim.outputs import json_ready

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from combine import Stacked, fine_tune, helps, learner, synthetic_learner  # noqa: E402
from problems import generate_problems  # noqa: E402
from run import features, mse  # noqa: E402

DESIGN_SEED = 2026
SIZES = (30, 100, 300)


def one(dev, val, x_val, pool, n: int, draw: int, fresh: int) -> dict:
    """Every variant's MSE on the design validation set for one draw."""
    units = np.sort(pool[np.random.default_rng(100 + draw).permutation(len(pool))[:n]])
    train = dev.subset(units)
    x, y = features(train.problems), train.rates
    out = {"n": n, "draw": draw, "human_only": mse(learner(n).fit(x, y).predict(x_val),
                                                    val.rates)}
    ibl = IBLDescriptionModel(seed=draw)
    out["ibl_params"] = fit_model(ibl, train, seed=draw).params
    out["model_only_100"] = mse(val.predict(ibl), val.rates)
    many = IBLDescriptionModel(seed=draw, n_agents=1000).set_params(**ibl.get_params())
    out["model_only_1000"] = mse(val.predict(many), val.rates)
    new = generate_problems(fresh, seed=5000 + draw)
    x_new = features(new)
    for agents, model in ((100, ibl), (1000, many)):
        y_new = model.predict_rates(new, protocol="c13k")
        old = learner(fresh).fit(x_new, y_new)
        out[f"old_learner_{agents}"] = mse(old.predict(x_val), val.rates)
        syn = synthetic_learner().fit(x_new, y_new)
        out[f"synthetic_learner_{agents}"] = mse(syn.predict(x_val), val.rates)
        out[f"rounds_{agents}"] = int(syn.n_iter_)
        residual = y - syn.predict(x)
        gated = fine_tune(n).fit(x, residual).predict(x_val) if helps(x, residual, draw) \
            else 0.0
        out[f"gated_{agents}"] = mse(syn.predict(x_val) + gated, val.rates)
        stacked = Stacked(syn, seed=draw).fit(x, y)
        out[f"stacked_{agents}"] = mse(stacked.predict(x_val), val.rates)
        out[f"stacked_choice_{agents}"] = stacked.chosen
    return out


def capacity(dev, val, x_val, pool, summary: dict, agents: int) -> list[dict]:
    """The synthetic learner with more capacity (leaves, round cap) on N = 30 and 100, draws
    0 and 1, with the IBL parameters ``one`` fitted (the fit is deterministic), to compare
    with ``one``'s ``synthetic_learner_<agents>`` and ``stacked_<agents>``."""
    rows = []
    for d in summary["draws"]:
        if d["n"] > 100 or d["draw"] > 1:
            continue
        units = np.sort(pool[np.random.default_rng(100 + d["draw"]).permutation(len(pool))
                             [:d["n"]]])
        train = dev.subset(units)
        x, y = features(train.problems), train.rates
        model = IBLDescriptionModel(seed=d["draw"], n_agents=agents).set_params(
            **d["ibl_params"])
        new = generate_problems(100_000, seed=5000 + d["draw"])
        x_new, y_new = features(new), model.predict_rates(new, protocol="c13k")
        row = {"n": d["n"], "draw": d["draw"], "agents": agents}
        for leaves, cap in ((127, 6000),):  # (63, 3000) is `one`'s synthetic_learner
            syn = synthetic_learner(leaves, cap).fit(x_new, y_new)
            key = f"leaves{leaves}_cap{cap}"
            row[key] = mse(syn.predict(x_val), val.rates)
            row[key + "_rounds"] = int(syn.n_iter_)
            row[key + "_stacked"] = mse(Stacked(syn, seed=d["draw"]).fit(x, y).predict(x_val),
                                        val.rates)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--draws", type=int, default=2)
    parser.add_argument("--fresh", type=int, default=100_000)
    parser.add_argument("--capacity-only", action="store_true",
                        help="only add the capacity comparison (`capacity`) to design.json")
    parser.add_argument("--agents", type=int, default=100,
                        help="agents per fresh problem in the capacity comparison")
    args = parser.parse_args()
    dev = load_calibration_data("choices13k", args.data_home)
    order = np.random.default_rng(DESIGN_SEED).permutation(dev.n_units)
    val, pool = dev.subset(np.sort(order[:2000])), np.sort(order[2000:])
    x_val = features(val.problems)
    rest = dev.subset(pool)
    x_rest = features(rest.problems)
    if args.capacity_only:  # the synthetic learner's capacity; would (c) gain from it?
        summary = json.loads((HERE / "design.json").read_text())
        summary["all_human_high_capacity"] = mse(
            synthetic_learner().fit(x_rest, rest.rates).predict(x_val), val.rates)
        summary["capacity"] = capacity(dev, val, x_val, pool, summary, args.agents)
        (HERE / "design.json").write_text(json.dumps(json_ready(summary), indent=1) + "\n")
        return
    all_rest = mse(learner(len(rest.rates)).fit(x_rest, rest.rates).predict(x_val),
                   val.rates)
    summary = {"all_human": all_rest, **val.floor(), "draws": []}
    for n in SIZES:
        for draw in range(args.draws):
            start = time.perf_counter()
            row = one(dev, val, x_val, pool, n, draw, args.fresh)
            row["seconds"] = round(time.perf_counter() - start, 1)
            summary["draws"].append(row)
            print(json.dumps(json_ready(row)), flush=True)
            means = {}
            for m in SIZES:
                rows = [r for r in summary["draws"] if r["n"] == m]
                if rows:
                    means[str(m)] = {k: float(np.mean([r[k] for r in rows]))
                                     for k, v in rows[0].items()
                                     if isinstance(v, float)}
            summary["per_n"] = means
            (HERE / "design.json").write_text(json.dumps(json_ready(summary), indent=1) + "\n")


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
