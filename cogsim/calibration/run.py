"""One calibration from start to finish: split, fit, intervals, cross-validation, learning
curve, the baseline on the same split, and the files that record it all.

`calibrate` returns a `Calibration`; `write_calibration` writes ``params.json`` (values,
intervals, the data's hash, the seed, the cogsim version), ``population.toml`` (a population
whose annotators are the calibrated model), ``fidelity.json`` (held-out
measures under plain keys), ``report.md`` and PNG figures into a folder, atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from cogsim.calibration.data import RateData, TrialData
from cogsim.calibration.fit import SEARCHES
from cogsim.calibration.models import BASELINES, model_class
from cogsim.calibration.record import params_record, write_params
from cogsim.calibration.resampling import (
    bootstrap_intervals,
    cross_validation_result,
    cross_validation_tasks,
    fit_and_score,
    fit_task,
    learning_curve_result,
    learning_curve_tasks,
)
from cogsim.errors import InputError
from cogsim.executor import SerialExecutor
from cogsim.outputs import json_ready, output_folder

__all__ = ["Calibration", "calibrate", "write_calibration", "DEFAULT_N_TRAIN"]

#: Training units when ``n_train`` is not given: problems for rates, people for trials.
DEFAULT_N_TRAIN = {"rates": 100, "trials": 30}
#: Learning-curve sizes by default: IBL fits on hundreds of people take tens of minutes.
CURVE_SIZES = {"rates": (10, 30, 100, 300), "trials": (10, 30, 100)}


@dataclass
class Calibration:
    """Everything a calibration found (see `write_calibration` for the files)."""

    model_name: str
    model: object
    data: RateData | TrialData
    train: np.ndarray
    test: np.ndarray
    seed: int
    params: dict[str, float]
    fit_seconds: float
    n_evaluations: int
    fidelity: dict
    intervals: dict = field(default_factory=dict)
    cross_validation: dict | None = None
    curve: list[dict] = field(default_factory=list)
    baseline: dict | None = None
    model_settings: dict = field(default_factory=dict)


def _factory(name: str, kind: str, seed: int, data, purpose: str = "fit") -> Callable[[], object]:
    """Builds fresh models of ``name`` with the settings ``data`` asks for."""
    cls = model_class(name, kind)
    settings = data.settings(cls, purpose)
    return partial(cls, seed=seed, **settings)        # picklable: refits run on workers


def _scorer(name: str, kind: str, seed: int, data, fitted) -> object:
    """A model with the fitted parameters and the data's scoring settings."""
    return _factory(name, kind, seed, data, "score")().set_params(**fitted.get_params())


def _run_job(job: tuple[Callable, tuple]):
    fn, task = job
    return fn(task)


def _check_options(data, n_train: int, folds: int, n_boot: int, curve: Sequence[int],
                   baseline: str | None) -> None:
    """Refuse options that cannot work, before any fitting."""
    units = data.unit_name
    if not 1 <= n_train < data.n_units:
        raise InputError(f"option --n-train: expected between 1 and {data.n_units - 1} "
                         f"{units} (the rest are held out), got {n_train}")
    if folds == 1 or folds < 0 or folds > n_train:
        raise InputError(f"option --folds: expected 0 (no cross-validation) or 2 to "
                         f"{n_train} (the training {units}), got {folds}")
    if n_boot < 0:
        raise InputError(f"option --n-boot: expected a whole number >= 0, got {n_boot}")
    bad = [n for n in curve if not 1 <= int(n) < data.n_units]
    if bad:
        raise InputError(f"option --curve: expected training sizes between 1 and "
                         f"{data.n_units - 1} {units}, got {bad[0]}")
    if baseline:
        model_class(baseline, data.kind, option="--baseline")


def calibrate(data: RateData | TrialData, model: str, *, n_train: int | None = None,
              seed: int = 0, folds: int = 5, n_boot: int = 20,
              curve: Sequence[int] | None = None, curve_draws: int = 1,
              baseline: str | None = "auto", maxiter: int = 30, popsize: int = 8,
              search: str = "auto", progress: Callable[[str], None] | None = None,
              executor=None) -> Calibration:
    """Calibrate ``model`` on ``n_train`` random units of ``data``; score on the rest.

    Parameters
    ----------
    data : RateData or TrialData
    model : str
        ``ibl``, ``actr``, ``ev``, ``cpt`` (choice rates) or ``ibl``, ``rl`` (trials).
    n_train : int, optional
        Training units (problems or people); default 100 problems or 30 people.
    seed : int
        Seeds the split, the models' random numbers and the optimizers.
    folds : int
        k of the k-fold cross-validation on the training units (0: skip).
    n_boot : int
        Bootstrap refits for the parameter intervals (0: skip).
    curve : sequence of int, optional
        Training sizes of the learning curve (empty: skip); default 10, 30, 100, 300
        problems or 10, 30, 100 people.
    baseline : str or None
        Model fitted on the same split, with the same search, for comparison; "auto" is
        cpt_scaled for rates and rl_pop for trials (skipped when it is the model itself);
        None: none.
    maxiter, popsize : int
        Differential-evolution budget of each full fit.
    search : {"auto", "de", "grid"}
        The global search of every fit (`fit_model`); "auto": the model's ``fit_search``
        (BEAST: the coarse grid), else differential evolution.  The baseline, the folds and
        the learning curve use the same.
    executor : cogsim.executor.Executor, optional
        Runs the bootstrap refits, folds and learning-curve fits in parallel (identical
        results on any executor); default: one after the other in this process.
    """
    say = progress or (lambda stage: None)
    kind = data.kind
    make = _factory(model, kind, seed, data)          # InputError for a bad name
    n_train = DEFAULT_N_TRAIN[kind] if n_train is None else int(n_train)
    if curve is None:           # the default sizes that leave units to hold out
        curve = [n for n in CURVE_SIZES[kind] if n < data.n_units]
    name = BASELINES[kind] if baseline == "auto" else baseline
    _check_options(data, n_train, folds, n_boot, curve, name)
    order = np.random.default_rng(seed).permutation(data.n_units)
    train, test = np.sort(order[:n_train]), np.sort(order[n_train:])
    train_data, test_data = data.subset(train), data.subset(test)
    if search == "auto":
        search = getattr(model_class(model, kind), "fit_search", "de")
    if search not in SEARCHES:
        raise InputError(f"option --search: expected auto, {' or '.join(SEARCHES)}, "
                         f"got {search!r}")
    options = {"maxiter": maxiter, "popsize": popsize, "search": search}

    # Every fit that does not need another's result runs in one pass over the executor,
    # the longest first (the fits on all the training units, then the curve's largest);
    # the bootstrap, which starts from the fit, follows.
    rescore = partial(_scorer, model, kind, seed, data)     # picklable, as make
    jobs = [(fit_task, (make, train_data, seed, options))]
    with_baseline = bool(name and name != model)
    if with_baseline:
        jobs.append((fit_task, (_factory(name, kind, seed, data), train_data, seed, options)))
    cv_tasks = (cross_validation_tasks(make, train_data, folds=folds, seed=seed,
                                       scorer=rescore, **options) if folds else [])
    sizes, curve_tasks = (learning_curve_tasks(make, data, curve, draws=curve_draws,
                                               seed=seed, scorer=rescore, **options)
                          if len(curve) else ([], []))
    jobs += [(fit_and_score, t) for t in cv_tasks + curve_tasks]
    order = sorted(range(len(jobs)), key=lambda k: -jobs[k][1][1].n_units)
    say(f"fitting {model} on {n_train} {data.unit_name}"
        + (f", the baseline {name}" if with_baseline else "")
        + (f", {folds}-fold cross-validation" if folds else "")
        + (f", learning curve {list(sizes)}" if sizes else ""))
    executor = executor or SerialExecutor()
    done = dict(zip(order, executor.map(_run_job, [jobs[k] for k in order])))
    results = [done[k] for k in range(len(jobs))]
    fit, base_fit = results[0], (results[1] if with_baseline else None)
    scored = results[1 + with_baseline:]
    fitted = make().set_params(**fit.params)
    scorer = _scorer(model, kind, seed, data, fitted)
    fidelity = {"model": model, "data": data.name, "n_train": n_train,
                "n_test": int(len(test)), "units": data.unit_name,
                **train_data.measures(scorer, "train"), **test_data.measures(scorer, "test"),
                "fit_seconds": round(fit.seconds, 2), "search": search}
    result = Calibration(model, scorer, data, train, test, seed, fit.params, fit.seconds,
                         fit.n_evaluations, fidelity, model_settings=data.settings(model, "score"))
    if folds:
        result.cross_validation = cross_validation_result(folds, scored[:len(cv_tasks)])
    if sizes:
        result.curve = learning_curve_result(sizes, curve_draws, scored[len(cv_tasks):])
    if base_fit is not None:
        base = _factory(name, kind, seed, data)().set_params(**base_fit.params)
        base = _scorer(name, kind, seed, data, base)
        result.baseline = {"model": name, "params": base_fit.params,
                           "settings": data.settings(name, "score"),
                           **train_data.measures(base, "train"),
                           **test_data.measures(base, "test")}
        for key, value in result.baseline.items():
            if key.startswith("test_") and isinstance(value, float):
                fidelity[f"baseline_{key}"] = value
        fidelity["baseline"] = name
    if n_boot > 0:
        say(f"bootstrap intervals ({n_boot} refits)")
        result.intervals = bootstrap_intervals(make, train_data, fit.params, n_boot=n_boot,
                                               seed=seed, executor=executor)
    return result


def write_calibration(result: Calibration, out_dir: str | os.PathLike[str], *,
                      overwrite: bool = False) -> Path:
    """Write params.json, population.toml, fidelity.json, report.md and figures into
    ``out_dir`` through `cogsim.outputs.output_folder` (a non-empty folder is refused
    unless ``overwrite``; then only these files are replaced).

    ``population.toml`` (`cogsim.calibration.populations`) is written for the models that
    have a population counterpart (ibl, actr); EV, CPT and the delta rule have none.
    """
    from cogsim.calibration.populations import UNSUPPORTED, population_toml
    from cogsim.calibration.report import write_figures, write_report

    record = params_record(result)
    with output_folder(out_dir, overwrite=overwrite) as tmp:
        write_params(record, tmp / "params.json")
        if (record["model"], record["kind"]) not in UNSUPPORTED:
            (tmp / "population.toml").write_text(
                population_toml(record, folder=Path(out_dir), source="params.json"))
        (tmp / "fidelity.json").write_text(json.dumps(json_ready(result.fidelity), indent=2)
                                           + "\n")
        figures = write_figures(result, tmp)
        write_report(result, tmp / "report.md", figures)
    return Path(out_dir)
