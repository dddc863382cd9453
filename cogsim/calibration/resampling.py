"""Uncertainty and generalisation of a fit: bootstrap, k-fold cross-validation, learning curve.

All three resample *units* (problems for choice rates, people for individual choices):

* bootstrap: refit on units drawn with replacement, starting the local search from the
  full fit (a standard shortcut: the resampled optimum lies near the original one); the
  2.5% and 97.5% percentiles of each parameter form its 95% interval;
* k-fold cross-validation: k full fits, each scored on the fold it did not see;
* learning curve: for each training size n, a full fit on n random units, scored on all
  the held-out units given.

Every refit is an independent task run on an :class:`~cogsim.executor.Executor` (default:
this process; ``calibrate --workers N`` gives N local processes).  The random units of every
task are drawn in this process, in the same order as one after the other, and the results
come back in submission order: the outcome is identical on any executor.  Tasks are pickled
by the local pool, so ``make_model`` and ``scorer`` must be picklable (a class or a
``functools.partial`` of one, not a lambda) when an executor with workers is given.  The
``*_tasks`` and ``*_result`` halves let a caller run the tasks of several of them in one
pass over its executor (``calibrate`` does: no worker waits for a stage to finish).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from cogsim.calibration.fit import FitResult, fit_model
from cogsim.executor import Executor, SerialExecutor

__all__ = ["bootstrap_intervals", "cross_validate", "cross_validation_result",
           "cross_validation_tasks", "fit_and_score", "fit_task", "learning_curve",
           "learning_curve_result", "learning_curve_tasks"]

ModelFactory = Callable[[], object]


def _refit_bootstrap(task) -> dict[str, float]:
    make_model, data, best, local_maxiter = task
    return fit_model(make_model(), data, global_search=False, x0=best,
                     local_maxiter=local_maxiter).params


def _identity(model):
    return model


def fit_task(task) -> FitResult:
    """A full fit of a fresh model: task ``(make_model, data, seed, fit_options)``."""
    make_model, data, seed, fit_options = task
    return fit_model(make_model(), data, seed=seed, **fit_options)


def fit_and_score(task) -> tuple[float, float]:
    """Fit on ``train``; return (training loss, loss of ``scorer(model)`` on ``test``)."""
    make_model, train, test, scorer, seed, fit_options = task
    model = make_model()
    fit = fit_model(model, train, seed=seed, **fit_options)
    return fit.loss, test.loss((scorer or _identity)(model))


def bootstrap_intervals(make_model: ModelFactory, data, best: dict[str, float], *,
                        n_boot: int = 20, seed: int = 0, level: float = 0.95,
                        local_maxiter: int = 100, executor: Executor | None = None) -> dict:
    """Percentile intervals of every free parameter from ``n_boot`` bootstrap refits.

    Returns ``{"level": level, "n_boot": n_boot, "intervals": {name: [low, high]},
    "samples": {name: [...]}}``.
    """
    rng = np.random.default_rng(seed)
    tasks = [(make_model, data.subset(rng.integers(0, data.n_units, data.n_units)), best,
              local_maxiter) for _ in range(n_boot)]
    samples: dict[str, list[float]] = {n: [] for n in best}
    for params in (executor or SerialExecutor()).map(_refit_bootstrap, tasks):
        for n, v in params.items():
            samples[n].append(v)
    tail = (1 - level) / 2 * 100
    intervals = {n: ([float(np.percentile(v, tail)), float(np.percentile(v, 100 - tail))]
                     if v else [float("nan"), float("nan")]) for n, v in samples.items()}
    return {"level": level, "n_boot": n_boot, "intervals": intervals, "samples": samples}


def cross_validate(make_model: ModelFactory, data, *, folds: int = 5, seed: int = 0,
                   scorer: Callable[[object], object] | None = None,
                   executor: Executor | None = None, **fit_options) -> dict:
    """k-fold cross-validation: mean and per-fold held-out loss (MSD or NLL per choice).

    ``scorer`` turns a fitted model into the one that scores held-out data (e.g. with more
    simulated draws); default: the fitted model itself.
    """
    tasks = cross_validation_tasks(make_model, data, folds=folds, seed=seed, scorer=scorer,
                                   **fit_options)
    return cross_validation_result(
        folds, (executor or SerialExecutor()).map(fit_and_score, tasks))


def cross_validation_tasks(make_model: ModelFactory, data, *, folds: int, seed: int,
                           scorer: Callable[[object], object] | None = None,
                           **fit_options) -> list[tuple]:
    """The k fits of :func:`cross_validate`, as tasks for :func:`fit_and_score`."""
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if data.n_units < folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {folds} "
                         f"{data.unit_name}, got {data.n_units}")
    order = np.random.default_rng(seed).permutation(data.n_units)
    return [(make_model, data.subset(np.setdiff1d(order, test)), data.subset(test), scorer,
             seed + k, fit_options) for k, test in enumerate(np.array_split(order, folds))]


def cross_validation_result(folds: int, results: Sequence[tuple[float, float]]) -> dict:
    """:func:`cross_validate`'s record from the results of its tasks, in task order."""
    losses = [test for _, test in results]
    return {"folds": folds, "fold_losses": [float(x) for x in losses],
            "mean_loss": float(np.mean(losses))}


def learning_curve(make_model: ModelFactory, data, sizes: Sequence[int], test=None, *,
                   draws: int = 1, seed: int = 0,
                   scorer: Callable[[object], object] | None = None,
                   executor: Executor | None = None, **fit_options) -> list[dict]:
    """Held-out loss against the number of training units.

    For each size n (less than the units in ``data``) and each of ``draws`` random draws,
    fit on n units drawn from ``data`` and score on ``test`` (default: all the units of
    ``data`` not drawn).  Returns one record per size:
    ``n``, ``test_loss`` (mean over draws), ``test_losses`` and ``train_losses``.
    ``scorer`` as in `cross_validate`.
    """
    sizes, tasks = learning_curve_tasks(make_model, data, sizes, test, draws=draws, seed=seed,
                                        scorer=scorer, **fit_options)
    return learning_curve_result(sizes, draws,
                                 (executor or SerialExecutor()).map(fit_and_score, tasks))


def learning_curve_tasks(make_model: ModelFactory, data, sizes: Sequence[int], test=None, *,
                         draws: int = 1, seed: int = 0,
                         scorer: Callable[[object], object] | None = None,
                         **fit_options) -> tuple[list[int], list[tuple]]:
    """The sizes kept and the fits of :func:`learning_curve`, as tasks for
    :func:`fit_and_score` (the units of every draw are drawn here, in order)."""
    rng = np.random.default_rng(seed)
    kept, tasks = [], []
    for n in sizes:
        n = int(n)
        if n > data.n_units or (test is None and n >= data.n_units):
            continue
        kept.append(n)
        for d in range(draws):
            units = rng.choice(data.n_units, n, replace=False)
            held_out = (data.subset(np.setdiff1d(np.arange(data.n_units), units))
                        if test is None else test)
            tasks.append((make_model, data.subset(units), held_out, scorer, seed + d,
                          fit_options))
    return kept, tasks


def learning_curve_result(sizes: Sequence[int], draws: int,
                          results: Sequence[tuple[float, float]]) -> list[dict]:
    """:func:`learning_curve`'s records from the results of its tasks, in task order."""
    out = []
    for i, n in enumerate(sizes):
        mine = results[i * draws:(i + 1) * draws]
        out.append({"n": n, "test_loss": float(np.mean([t for _, t in mine])),
                    "test_losses": [float(t) for _, t in mine],
                    "train_losses": [float(f) for f, _ in mine]})
    return out
