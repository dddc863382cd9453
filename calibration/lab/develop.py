"""Design choices of the lab IBL account, made on development data only.

    python calibration/lab/develop.py [--data-home DIR] [--variants NAME ...]

Each variant of the IBL description account (settings of `IBLDescriptionModel`, extra
fitted parameters of `JointIBL`) is fitted as ``run.py`` fits the final one (the same 100
choices13k development problems, the same search, 50 agents) on one half of CPC15's 90
problems and scored (500 agents) on the other half, both ways: 2-fold splits by problem
with their own seeds (1, 2, 3: three repeats), not the 10-fold split of the final test.
Reported: the held-out block-rate MSD pooled over the 90 problems (mean of the repeats),
per block, and per problem class (ambiguous, correlated,
multi-outcome lottery, rare outcome <= 0.1), with the noise floor beside it.
Appends to ``develop.json``; README.md reports it.  CPC18 and the 10-fold CV are not used.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from cogsim.calibration.fit import fit_model
from cogsim.calibration.lab import LAB_SETTINGS, JointIBL, JointRateData, problem_classes
from cogsim.calibration.sources import load_calibration_data
from cogsim.outputs import json_ready

HERE = Path(__file__).resolve().parent
SEARCH = {"search": "grid", "n_grid": 32, "local_maxiter": 80}

#: The options each variant's name lists (joined by "+") and what they set.
OPTIONS: dict[str, tuple[dict, tuple, tuple]] = {
    "stop": ({"imagine_after_feedback": False}, (), ()),     # no imagining after feedback
    "paired": ({"paired": True}, (), ()),                    # one instance per event
    "rank": ({"coupling": "rank"}, (), ()),                  # events paired by rank
    "dir": ({"ambiguity": "dirichlet"}, (), ()),             # per-agent ambiguity beliefs
    "prob": ({"described": "probability"}, (), ()),          # description by probability
    "power": ({"described": "power"}, ("frequency_power",), ()),  # weight p^gamma, fitted
    "s1": ({"n_samples": 1}, (), ()),                        # imagined draws per trial
    "s6": ({"n_samples": 6}, (), ()),
    "loss": ({}, ("loss_aversion",), ()),                    # fitted loss aversion
    "redescribe": ({"redescribe": True}, (), ()),            # description on screen
    "share": ({"described": "share"}, (), ()),              # one unit per description
    "pow5": ({"described": "power"}, (), ()),                # weight p^0.5
    "temp": ({}, ("temperature",), ()),                      # blending temperature apart
    "inertia": ({}, ("inertia",), ()),                       # fitted inertia
    "weight": ({}, ("weight",), ()),                         # fitted description weight
    "noise": ({}, (), ("noise",)),                           # noise per source
    "psi": ({}, ("pessimism",), ()),                         # fitted alpha-maxmin pessimism
    "psi2": ({}, (), ("pessimism",)),                        # a pessimism per source
    "like": ({"ambiguity": "like_other"}, (), ()),           # ambiguous B like A (BEAST)
    "dirlike": ({"ambiguity": "dirichlet_like_other"}, (), ()),  # the same, per-agent spread
}


def variant(name: str) -> tuple[dict, tuple, tuple]:
    """Settings, fitted extras and per-source parameters of ``name`` ("base" or options
    joined by "+", e.g. "paired+stop+noise")."""
    settings, fitted, per_source = dict(LAB_SETTINGS), (), ()
    for option in ([] if name == "base" else name.split("+")):
        more, f, p = OPTIONS[option]
        settings, fitted, per_source = {**settings, **more}, fitted + f, per_source + p
    return settings, fitted, per_source


def run(name: str, online, cpc15, repeats: int = 3) -> dict:
    settings, fitted, per_source = variant(name)
    predicted = np.zeros((repeats,) + cpc15.rates.shape)
    params, start = [], time.perf_counter()
    for r in range(repeats):
        order = np.random.default_rng(1 + r).permutation(cpc15.n_units)
        halves = [np.sort(order[:45]), np.sort(order[45:])]
        for k in range(2):
            test, train = halves[k], halves[1 - k]
            model = JointIBL(settings, seed=k, n_agents=50, fitted=fitted,
                             per_source=per_source)
            fit_model(model, JointRateData(online, cpc15.subset(train)), seed=k, **SEARCH)
            params.append(model.get_params())
            score = JointIBL(settings, seed=k, n_agents=500, fitted=fitted,
                             per_source=per_source).set_params(**model.get_params())
            predicted[r, test] = cpc15.subset(test).predict(score.for_source("lab"))
    error = ((predicted - cpc15.rates) ** 2).mean(axis=0)
    scored = [cpc15.scored(p, "dev") for p in predicted]
    out = {"variant": name, "settings": settings, "fitted": list(fitted),
           "per_source": list(per_source), "params": params, "repeats": repeats,
           "seconds": round(time.perf_counter() - start, 1),
           **{k: float(np.mean([s[k] for s in scored])) for k in scored[0]},
           "dev_mse_repeats": [s["dev_mse"] for s in scored]}
    for cls, mask in problem_classes(cpc15.problems).items():
        out[f"dev_mse_{cls}"] = float(error[mask].mean())
        out[f"dev_mse_not_{cls}"] = float(error[~mask].mean())
    out["dev_bias_block"] = (predicted - cpc15.rates).mean(axis=(0, 1)).tolist()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--variants", nargs="+", default=["base"])
    args = parser.parse_args()
    c13k = load_calibration_data("choices13k", args.data_home)
    online = c13k.subset(np.sort(np.random.default_rng(0).permutation(c13k.n_units)[:100]))
    cpc15 = load_calibration_data("cpc15", args.data_home)
    path = HERE / "develop.json"
    done = json.loads(path.read_text()) if path.exists() else []
    for name in args.variants:
        result = run(name, online, cpc15)
        done = [r for r in done if r["variant"] != name] + [result]
        path.write_text(json.dumps(json_ready(done), indent=2) + "\n")
        print(f"{name:24s} dev MSD {result['dev_mse']:.4f} (explained "
              f"{result['dev_explained']:.2f}; floor {result['dev_noise_floor']:.4f}) blocks "
              + " ".join(f"{result[f'dev_mse_block{b}']:.4f}" for b in range(1, 6))
              + f"  {result['seconds']} s", flush=True)


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
