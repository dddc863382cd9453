"""Uncertainty and generalisation of a fit: bootstrap, k-fold cross-validation, learning curve.

All three resample *units* (problems for choice rates, people for individual choices):

* bootstrap: refit on units drawn with replacement, starting the local search from the
  full fit (a standard shortcut: the resampled optimum lies near the original one); the
  2.5% and 97.5% percentiles of each parameter form its 95% interval;
* k-fold cross-validation: k full fits, each scored on the fold it did not see;
* learning curve: for each training size n, a full fit on n random units, scored on all
  the held-out units given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from cogsim.calibration.fit import fit_model

__all__ = ["bootstrap_intervals", "cross_validate", "learning_curve"]

ModelFactory = Callable[[], object]


def bootstrap_intervals(make_model: ModelFactory, data, best: dict[str, float], *,
                        n_boot: int = 20, seed: int = 0, level: float = 0.95,
                        local_maxiter: int = 100) -> dict:
    """Percentile intervals of every free parameter from ``n_boot`` bootstrap refits.

    Returns ``{"level": level, "n_boot": n_boot, "intervals": {name: [low, high]},
    "samples": {name: [...]}}``.
    """
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {n: [] for n in best}
    for _ in range(n_boot):
        units = rng.integers(0, data.n_units, data.n_units)
        model = make_model()
        fit = fit_model(model, data.subset(units), global_search=False, x0=best,
                        local_maxiter=local_maxiter)
        for n, v in fit.params.items():
            samples[n].append(v)
    tail = (1 - level) / 2 * 100
    intervals = {n: ([float(np.percentile(v, tail)), float(np.percentile(v, 100 - tail))]
                     if v else [float("nan"), float("nan")]) for n, v in samples.items()}
    return {"level": level, "n_boot": n_boot, "intervals": intervals, "samples": samples}


def cross_validate(make_model: ModelFactory, data, *, folds: int = 5, seed: int = 0,
                   scorer: Callable[[object], object] | None = None, **fit_options) -> dict:
    """k-fold cross-validation: mean and per-fold held-out loss (MSD or NLL per choice).

    ``scorer`` turns a fitted model into the one that scores held-out data (e.g. with more
    simulated draws); default: the fitted model itself.
    """
    scorer = scorer or (lambda m: m)
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if data.n_units < folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {folds} "
                         f"{data.unit_name}, got {data.n_units}")
    order = np.random.default_rng(seed).permutation(data.n_units)
    losses = []
    for k, test in enumerate(np.array_split(order, folds)):
        train = np.setdiff1d(order, test)
        model = make_model()
        fit_model(model, data.subset(train), seed=seed + k, **fit_options)
        losses.append(data.subset(test).loss(scorer(model)))
    return {"folds": folds, "fold_losses": [float(x) for x in losses],
            "mean_loss": float(np.mean(losses))}


def learning_curve(make_model: ModelFactory, data, sizes: Sequence[int], test=None, *,
                   draws: int = 1, seed: int = 0,
                   scorer: Callable[[object], object] | None = None,
                   **fit_options) -> list[dict]:
    """Held-out loss against the number of training units.

    For each size n (less than the units in ``data``) and each of ``draws`` random draws,
    fit on n units drawn from ``data`` and score on ``test`` (default: all the units of
    ``data`` not drawn).  Returns one record per size:
    ``n``, ``test_loss`` (mean over draws), ``test_losses`` and ``train_losses``.
    ``scorer`` as in `cross_validate`.
    """
    scorer = scorer or (lambda m: m)
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        n = int(n)
        if n > data.n_units or (test is None and n >= data.n_units):
            continue
        test_losses, train_losses = [], []
        for d in range(draws):
            units = rng.choice(data.n_units, n, replace=False)
            model = make_model()
            fit = fit_model(model, data.subset(units), seed=seed + d, **fit_options)
            train_losses.append(fit.loss)
            held_out = (data.subset(np.setdiff1d(np.arange(data.n_units), units))
                        if test is None else test)
            test_losses.append(held_out.loss(scorer(model)))
        out.append({"n": n, "test_loss": float(np.mean(test_losses)),
                    "test_losses": [float(x) for x in test_losses],
                    "train_losses": [float(x) for x in train_losses]})
    return out
