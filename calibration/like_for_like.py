"""The like-for-like table: every model and baseline fitted on the same units with the same
search and scored on the same held-out units, per data set.

    python calibration/like_for_like.py [--data-home DIR] [--sets a,b] [--draws 3]

Per data set and draw (seed 0, 1, 2): a random draw of training units (problems or people)
by ``numpy.random.default_rng(seed).permutation``; every model is fitted on them with the
coarse-grid search (`cogsim.calibration.fit_model(search="grid")`: 64 Sobol points and
Nelder-Mead) and scored on the held-out units -- for choices13k the fixed final test set
(2,000 problems, ``choices13k/final_test_set.json``), for the others the units not drawn.
Writes ``like_for_like.json`` (every draw) and ``like_for_like.md`` (means over draws),
each set as it finishes.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from cogsim.calibration.compare import compare_models
from cogsim.calibration.holdout import final_test_data
from cogsim.calibration.sources import load_calibration_data
from cogsim.outputs import json_ready

HERE = Path(__file__).resolve().parent
RATE_MODELS = ("ibl", "beast", "cpt_scaled", "cpt", "ev")
TRIAL_MODELS = ("ibl", "rl_pop", "rl")
SETS = {  # name: (training units, models)
    "choices13k": (100, RATE_MODELS),
    "cpc15": (60, RATE_MODELS),
    "cpc18_track2": (30, RATE_MODELS),
    "niv_riskdata": (30, TRIAL_MODELS),
    "choice_engineering": (30, TRIAL_MODELS),
}


def run_set(name: str, draws: int, data_home) -> dict:
    data = load_calibration_data(name, data_home)
    n_train, models = SETS[name]
    final = final_test_data(data_home) if name == "choices13k" else None
    out = {"data": name, "n_train": n_train, "units": data.unit_name, "draws": []}
    for seed in range(draws):
        order = np.random.default_rng(seed).permutation(data.n_units)
        train = np.sort(order[:n_train])
        test = final if final is not None else data.subset(np.sort(order[n_train:]))
        start = time.perf_counter()
        rows = compare_models(data, models, train, test, seed=seed, search="grid",
                              progress=lambda m, s=seed: print(f"{name} seed {s}: {m}",
                                                                flush=True))
        out["draws"].append({"seed": seed, "train_units": [int(u) for u in train],
                             "seconds": round(time.perf_counter() - start, 1), "rows": rows})
    out["test"] = ("choices13k's fixed final test set" if final is not None
                   else f"the {data.n_units - n_train} {data.unit_name} not drawn")
    return out


def mean_row(result: dict, model: str) -> dict:
    rows = [r for d in result["draws"] for r in d["rows"] if r["model"] == model]
    keys = [k for k, v in rows[0].items() if k.startswith("test_") and isinstance(v, float)]
    return {k: float(np.mean([r[k] for r in rows])) for k in keys}


def table(results: dict) -> str:
    lines = []
    for name, res in results.items():
        first = res["draws"][0]["rows"][0]
        rates = "test_mse" in first
        lines += [f"### {name}", "",
                  f"Fitted on {res['n_train']} {res['units']} (mean of {len(res['draws'])} "
                  f"draws); scored on {res['test']}."]
        if rates:
            floor = first.get("test_noise_floor")
            lines[-1] += (f"  Held out: {first['test_n_problems']} distinct problems "
                          f"({first['test_n_rows']} rows); noise floor "
                          f"{floor:.4f}; a constant scores {first['test_constant_mse']:.4f}.")
            lines += ["", "| model | held-out MSE | explained share | fit (s) |",
                      "|---|---|---|---|"]
        else:
            lines += ["", "| model | held-out LL per choice | block-rate MSD | fit (s) |",
                      "|---|---|---|---|"]
        for model in dict.fromkeys(r["model"] for d in res["draws"] for r in d["rows"]):
            m = mean_row(res, model)
            secs = np.mean([r["fit_seconds"] for d in res["draws"] for r in d["rows"]
                            if r["model"] == model])
            if rates:
                lines.append(f"| {model} | {m['test_mse']:.4f} | {m['test_explained']:.3f} | "
                             f"{secs:.0f} |")
            else:
                lines.append(f"| {model} | {m['test_loglik_per_choice']:.4f} | "
                             f"{m['test_block_msd']:.4f} | {secs:.0f} |")
        lines.append("")
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "like_for_like.json"))
    args = parser.parse_args()
    path = Path(args.out)
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in args.sets.split(","):
        if name not in SETS:
            parser.error(f"--sets: expected names among {', '.join(SETS)}, got {name!r}")
        results[name] = run_set(name, args.draws, args.data_home)
        ordered = {k: results[k] for k in SETS if k in results}
        write(path, json.dumps(json_ready(ordered), indent=1) + "\n")
        write(path.with_suffix(".md"), table(ordered))


if __name__ == "__main__":
    main()
