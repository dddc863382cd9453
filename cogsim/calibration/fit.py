"""Fitting a model's free parameters to data: a global search, then a local polish.

The objective is the data's loss (`RateData.loss`: MSD of choice rates; `TrialData.loss`:
negative log-likelihood per choice) as a function of the free parameters.  Simulated models
draw their random numbers from a fixed seed (common random numbers), so the objective is a
deterministic function of the parameters and a derivative-free optimizer can be used on it:
SciPy's differential evolution over the model's ``bounds`` (global), then Nelder-Mead within
the same bounds (local).  The cheaper ``search="grid"`` replaces the global search by a coarse
scrambled-Sobol grid of ``n_grid`` points over the box (plus the starting point), then polishes
the best point with Nelder-Mead; with common random numbers and fewer simulated agents while
fitting (the models' ``calibration_settings``), it fits BEAST's eight parameters in under a
minute.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import differential_evolution, minimize

__all__ = ["FitResult", "fit_model", "free_bounds", "SEARCHES"]

#: The global searches: differential evolution, or a coarse Sobol grid.
SEARCHES = ("de", "grid")


@dataclass
class FitResult:
    """The best parameters found and how they were found."""

    params: dict[str, float]
    loss: float
    n_evaluations: int
    seconds: float
    history: list[float] = field(default_factory=list, repr=False)


def free_bounds(model, names: Sequence[str] | None = None) -> list[tuple[float, float]]:
    """The search box of the model's free parameters, in ``param_names`` order."""
    names = model.param_names if names is None else names
    return [tuple(map(float, model.bounds[n])) for n in names]


def fit_model(model, data, *, seed: int = 0, maxiter: int = 30, popsize: int = 8,
              local: bool = True, local_maxiter: int = 200, x0: dict | None = None,
              global_search: bool = True, search: str = "de", n_grid: int = 64) -> FitResult:
    """Fit ``model`` (modified in place: it ends with the best parameters) to ``data``.

    Parameters
    ----------
    model
        A model with ``param_names``, ``bounds``, ``get_params`` and ``set_params``.
    data
        `RateData` or `TrialData` (anything with ``loss(model)``).
    seed : int
        Seed of the global search.
    maxiter, popsize : int
        Differential evolution's generations and population size per parameter.
    local, local_maxiter
        Polish with Nelder-Mead (bounded), at most ``local_maxiter`` iterations.
    x0 : dict, optional
        A starting point: seeds the global search's population, or starts the local
        search when ``global_search`` is False (as bootstrap refits do).
    search : {"de", "grid"}
        The global search: differential evolution (``maxiter`` x ``popsize`` x parameters
        evaluations), or ``n_grid`` scrambled-Sobol points (seeded by ``seed``) and the
        starting point, the best of which starts the local search.
    """
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {SEARCHES}, got {search!r}")
    names = list(model.param_names)
    bounds = free_bounds(model, names)
    low, high = np.array(bounds).T
    start_params = model.get_params()
    history: list[float] = []

    def objective(theta: np.ndarray) -> float:
        theta = np.clip(theta, low, high)
        model.set_params(**{n: float(v) for n, v in zip(names, theta)})
        value = data.loss(model)
        value = value if np.isfinite(value) else 1e10
        history.append(value)
        return value

    start = time.perf_counter()
    best = np.array([(x0 or start_params)[n] for n in names], dtype=float)
    best = np.clip(best, low, high)
    if global_search and search == "grid":
        from scipy.stats import qmc

        points = qmc.scale(qmc.Sobol(len(names), seed=seed).random(n_grid), low, high)
        values = [objective(best)] + [objective(x) for x in points]
        k = int(np.argmin(values))
        best = best if k == 0 else points[k - 1]
    elif global_search:
        result = differential_evolution(objective, bounds, seed=seed, maxiter=maxiter,
                                        popsize=popsize, polish=False, tol=1e-6,
                                        init="sobol" if x0 is None else _seeded_population(
                                            best, low, high, popsize * len(names), seed),
                                        updating="immediate")
        best = result.x
    if local:
        result = minimize(objective, best, method="Nelder-Mead",
                          bounds=list(zip(low, high)),
                          options={"maxiter": local_maxiter, "xatol": 1e-4, "fatol": 1e-7})
        if result.fun <= objective(best):
            best = result.x
    loss = objective(best)                      # leaves the model at the best point
    return FitResult({n: float(v) for n, v in zip(names, np.clip(best, low, high))}, loss,
                     len(history), time.perf_counter() - start, history)


def _seeded_population(x0: np.ndarray, low: np.ndarray, high: np.ndarray, size: int,
                       seed: int) -> np.ndarray:
    """A differential-evolution population: x0 plus uniform points in the box."""
    rng = np.random.default_rng(seed)
    pop = low + (high - low) * rng.random((max(size, 5), len(x0)))
    pop[0] = x0
    return pop
