"""Like-for-like comparison: several models fitted on the same units with the same search and
scored on the same held-out units.

`compare_models` fits each model on ``train`` (`fit_model`, one search for all, each model
with its own fitting settings, e.g. fewer simulated agents) and scores it on ``test`` with
its scoring settings.  Rates are scored by MSE beside the noise floor, the constant's MSE and
the explained share (`RateData.measures`); trials by log-likelihood per choice and block-rate
MSD (`TrialData.measures`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from cogsim.calibration.data import RateData, TrialData
from cogsim.calibration.fit import fit_model
from cogsim.calibration.models import model_class

__all__ = ["compare_models", "fit_and_score"]


def fit_and_score(model: str, train: RateData | TrialData, test: RateData | TrialData, *,
                  seed: int = 0, search: str = "grid", maxiter: int = 30,
                  popsize: int = 8) -> dict:
    """Fit ``model`` on ``train`` and score it on ``test``.

    Returns ``{"model", "params", "fit_seconds", "evaluations", "train_loss", "search",
    test_*}`` where ``test_*`` are the held-out measures of the data's kind.
    """
    cls = model_class(model, train.kind)
    fitted = cls(seed=seed, **train.settings(cls, "fit"))
    start = time.perf_counter()
    fit = fit_model(fitted, train, seed=seed, search=search, maxiter=maxiter,
                    popsize=popsize)
    seconds = time.perf_counter() - start
    scorer = cls(seed=seed, **test.settings(cls, "score")).set_params(**fitted.get_params())
    return {"model": model, "params": fit.params, "fit_seconds": round(seconds, 1),
            "evaluations": fit.n_evaluations, "train_loss": fit.loss, "search": search,
            **test.measures(scorer, "test")}


def compare_models(data: RateData | TrialData, models: Sequence[str], train, test, *,
                   seed: int = 0, search: str = "grid",
                   progress: Callable[[str], None] | None = None) -> list[dict]:
    """`fit_and_score` of every model on the units ``train`` and ``test`` of ``data`` (or
    on two data sets given directly as ``train`` and ``test``)."""
    say = progress or (lambda message: None)
    train_data = train if hasattr(train, "kind") else data.subset(train)
    test_data = test if hasattr(test, "kind") else data.subset(test)
    rows = []
    for name in models:
        say(f"{name}: fitting on {train_data.n_units} {train_data.unit_name}")
        rows.append(fit_and_score(name, train_data, test_data, seed=seed, search=search))
        say(f"{name}: {({k: v for k, v in rows[-1].items() if k.startswith('test_')})}")
    return rows
