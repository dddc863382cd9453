"""calibrate's bootstrap refits, cross-validation folds and learning curve on worker
processes: the same results as one after the other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cogsim.baselines.prospect import ExpectedValueModel
from cogsim.calibration.data import RateData
from cogsim.calibration.run import calibrate
from cogsim.datasets import fetch_choices13k
from cogsim.executor import ProcessExecutor, SerialExecutor

PROBLEM_COLUMNS = ["Ha", "pHa", "La", "Hb", "pHb", "Lb", "LotShapeB", "LotNumB", "Amb", "Corr"]


@pytest.mark.public_data("choices13k")
def test_resampling_on_workers_is_identical(shared_data: Path) -> None:
    problems = fetch_choices13k(shared_data)[["problem", *PROBLEM_COLUMNS]].iloc[:200]
    problems = problems.reset_index(drop=True)
    rates = ExpectedValueModel(temperature=5.0).predict_rates(problems)
    rates = np.random.default_rng(0).binomial(10, rates) / 10
    data = RateData(problems, rates, "synthetic")
    options = dict(n_train=60, seed=2, folds=3, n_boot=4, curve=(10, 30), curve_draws=2,
                   baseline=None, maxiter=5, popsize=5)
    with SerialExecutor() as one:
        serial = calibrate(data, "ev", executor=one, **options)
    with ProcessExecutor(2) as two:
        parallel = calibrate(data, "ev", executor=two, **options)
    assert serial.params == parallel.params
    assert serial.intervals == parallel.intervals and len(serial.intervals["samples"]) == 1
    assert serial.cross_validation == parallel.cross_validation
    assert len(serial.cross_validation["fold_losses"]) == 3
    assert serial.curve == parallel.curve and [c["n"] for c in serial.curve] == [10, 30]
