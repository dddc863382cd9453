"""Quick check: fit EV, CPT and the ACT-R description model on 100 choices13k rows.

For each of a few random draws of ``--n-train`` rows, each model is fitted by least squares on
bRate (SciPy ``differential_evolution`` over the model's ``bounds``, then a local optimizer
from its best point: L-BFGS-B for the smooth EV/CPT objectives, Nelder-Mead for the simulated
ACT-R objective, which is piecewise constant under common random numbers) and scored by the
MSE on all other rows.  A constant predictor (the training mean) is the floor to beat.

    python experiments/choices13k/baselines.py                  # EV, CPT, ACT-R; 3 draws
    python experiments/choices13k/baselines.py --models ev,cpt  # without the simulation

Prints one line per draw and model, the median fitted parameters, and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from scipy.optimize import differential_evolution, minimize

from cogsim.actr.described import ACTRDescriptionModel
from cogsim.baselines.prospect import ExpectedValueModel, ProspectTheoryModel
from cogsim.datasets import fetch_choices13k

MODELS = {
    "ev": (ExpectedValueModel, {}, {"popsize": 15, "maxiter": 100}, "L-BFGS-B"),
    "cpt": (ProspectTheoryModel, {}, {"popsize": 15, "maxiter": 100}, "L-BFGS-B"),
    "actr": (ACTRDescriptionModel, {"n_agents": 100}, {"popsize": 8, "maxiter": 15}, "Nelder-Mead"),
}


def fit(name: str, train, seed: int) -> tuple[object, float]:
    """Fit model ``name`` to ``train`` (rows with b_rate); returns the model and seconds."""
    cls, settings, de_options, local = MODELS[name]
    model = cls(seed=seed, **settings)
    names = cls.param_names
    bounds = [cls.bounds[k] for k in names]
    target = train["b_rate"].to_numpy()

    def loss(theta: np.ndarray) -> float:
        theta = np.clip(theta, [b[0] for b in bounds], [b[1] for b in bounds])
        model.set_params(**dict(zip(names, theta)))
        return float(np.mean((model.predict_rates(train) - target) ** 2))

    start = time.perf_counter()
    de = differential_evolution(loss, bounds, seed=seed, polish=False, tol=1e-6, **de_options)
    options = {"xatol": 1e-3, "fatol": 1e-6, "maxfev": 200} if local == "Nelder-Mead" else {}
    res = minimize(
        loss, de.x, method=local, bounds=bounds if local == "L-BFGS-B" else None, options=options
    )
    best = res.x if res.fun <= de.fun else de.x
    loss(best)  # leaves the model at the best point
    return model, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="ev,cpt,actr")
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-home", default=os.environ.get("COGSIM_DATA_HOME", "/work/shared/data")
    )
    args = parser.parse_args()
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = set(names) - set(MODELS)
    if unknown:
        parser.error(f"unknown model(s) {sorted(unknown)}; choose from {sorted(MODELS)}")

    data = fetch_choices13k(args.data_home)
    rng = np.random.default_rng(args.seed)
    results: list[dict] = []
    for draw in range(args.draws):
        train_idx = rng.choice(len(data), size=args.n_train, replace=False)
        mask = np.zeros(len(data), dtype=bool)
        mask[train_idx] = True
        train, test = data[mask], data[~mask]
        const = float(np.mean((test["b_rate"] - train["b_rate"].mean()) ** 2))
        print(f"draw {draw}: constant predictor held-out MSE {const:.4f}")
        results.append({"draw": draw, "model": "constant", "test_mse": const})
        for name in names:
            model, seconds = fit(name, train, seed=args.seed + draw)
            train_mse = float(np.mean((model.predict_rates(train) - train["b_rate"]) ** 2))
            test_mse = float(np.mean((model.predict_rates(test) - test["b_rate"]) ** 2))
            params = model.get_params()
            shown = ", ".join(f"{k}={v:.4g}" for k, v in params.items())
            print(
                f"draw {draw}: {name:5s} train MSE {train_mse:.4f}  held-out MSE {test_mse:.4f}"
                f"  fit {seconds:6.1f} s  ({shown})",
                flush=True,
            )
            results.append(
                {"draw": draw, "model": name, "train_mse": train_mse, "test_mse": test_mse,
                 "fit_seconds": seconds, "params": params}
            )  # fmt: skip
    for name in names:
        rows = [r for r in results if r["model"] == name]
        medians = {k: float(np.median([r["params"][k] for r in rows])) for k in rows[0]["params"]}
        mses = [r["test_mse"] for r in rows]
        per_draw = ", ".join(f"{m:.4f}" for m in mses)
        print(
            f"{name:5s} held-out MSE {np.mean(mses):.4f} (per draw {per_draw})"
            f"; median params {json.dumps({k: round(v, 4) for k, v in medians.items()})}"
        )
    print(json.dumps({"n_train": args.n_train, "seed": args.seed, "results": results}))


if __name__ == "__main__":
    from cogsim.exits import run_script

    run_script(main)
