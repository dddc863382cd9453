"""Fit helper for the IBL description model on choices13k (exploration only).

Calibrate on 100 random rows (differential evolution on the MSE against bRate, then
Nelder-Mead from the best point) and report the held-out MSE on all other rows.

    python experiments/choices13k/fit.py            # the class defaults, 3 draws
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution, minimize

from cogsim.datasets import fetch_choices13k
from cogsim.ibl.described import IBLDescriptionModel

DATA_HOME = "/work/shared/data"


def load() -> pd.DataFrame:
    """All 14,568 choices13k rows."""
    return fetch_choices13k(DATA_HOME)


def split(data: pd.DataFrame, draw: int, n_train: int = 100) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 100 training rows of a draw and the held-out rest."""
    rng = np.random.default_rng(1000 + draw)
    train = np.zeros(len(data), bool)
    train[rng.choice(len(data), n_train, replace=False)] = True
    return data[train], data[~train]


def calibrate(
    model: IBLDescriptionModel,
    train: pd.DataFrame,
    *,
    maxiter: int = 30,
    popsize: int = 10,
    seed: int = 0,
    local: bool = True,
) -> tuple[dict[str, float], float, float]:
    """Fit the free parameters; returns (params, training MSE, seconds)."""
    names = model.param_names
    box = [model.bounds[n] for n in names]
    y = train["b_rate"].to_numpy()

    def loss(x: np.ndarray) -> float:
        model.set_params(**dict(zip(names, np.clip(x, [b[0] for b in box], [b[1] for b in box]))))
        return float(np.mean((model.predict_rates(train) - y) ** 2))

    start = time.perf_counter()
    res = differential_evolution(
        loss, box, maxiter=maxiter, popsize=popsize, seed=seed, tol=1e-6, polish=False,
        init="sobol",
    )  # fmt: skip
    x, fx = res.x, res.fun
    if local:
        loc = minimize(loss, x, method="Nelder-Mead", bounds=box,
                       options={"xatol": 1e-3, "fatol": 1e-6, "maxfev": 300})  # fmt: skip
        if loc.fun < fx:
            x, fx = loc.x, loc.fun
    seconds = time.perf_counter() - start
    params = dict(zip(names, map(float, x)))
    model.set_params(**params)
    return params, fx, seconds


def heldout(model: IBLDescriptionModel, test: pd.DataFrame) -> float:
    """Held-out MSE against bRate."""
    return float(np.mean((model.predict_rates(test) - test["b_rate"].to_numpy()) ** 2))


def run(make: Callable[[], IBLDescriptionModel], label: str, draws=(0, 1, 2), data=None,
        eval_agents: int | None = None, **kw) -> list[dict]:
    """Calibrate ``make()`` on each draw and print one line per draw."""
    data = load() if data is None else data
    out = []
    for draw in draws:
        train, test = split(data, draw)
        model = make()
        params, fit_mse, secs = calibrate(model, train, **kw)
        if eval_agents:
            model = rescored(model, eval_agents)
        mse = heldout(model, test)
        out.append({"label": label, "draw": draw, **params, "train": fit_mse, "heldout": mse,
                    "seconds": secs})
        print(f"{label:40s} draw {draw}: " + " ".join(f"{k}={v:.3f}" for k, v in params.items())
              + f"  train {fit_mse:.4f}  held-out {mse:.4f}  ({secs:.1f} s)", flush=True)
    return out


def rescored(model: IBLDescriptionModel, n_agents: int) -> IBLDescriptionModel:
    """The same model (free and fixed parameters, settings) with ``n_agents`` agents."""
    fixed = {p.name: getattr(model, p.name) for p in type(model).parameters
             if p.name not in model.param_names}
    settings = {"seed": model.seed, "n_samples": model.n_samples, "resample": model.resample,
                "described": model.described, "redescribe": model.redescribe,
                "temperature": model.temperature, "dtype": str(model.dtype)}
    clone = type(model)(**fixed, **settings, n_agents=n_agents)
    return clone.set_params(**model.get_params())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--maxiter", type=int, default=30)
    args = parser.parse_args()
    run(IBLDescriptionModel, "defaults", maxiter=args.maxiter)
