"""Fitting model parameters to human data, with intervals and held-out fidelity.

``load_calibration_data`` reads a public set or a file as `RateData` (choice rates of
described gambles) or `TrialData` (individual repeated choices); ``calibrate`` splits it,
fits a model (`fit_model`: differential evolution, then Nelder-Mead), bootstraps intervals,
cross-validates, draws the learning curve and fits the baseline on the same split;
``write_calibration`` writes params.json, population.toml, fidelity.json, report.md and
figures; ``load_params`` and ``predict_problems`` predict new gamble problems from
params.json; ``population_from_params`` makes the population spec whose annotators are the
calibrated model.  Models are found by short name in the registry
(`cogsim.calibration.models`) and follow the protocol of :mod:`cogsim.protocol`.
"""

from cogsim.calibration.data import RateData, TrialData
from cogsim.calibration.fit import FitResult, fit_model
from cogsim.calibration.models import MODELS, build_model, model_class, registry_key
from cogsim.calibration.populations import population_from_params, population_spec
from cogsim.calibration.predict import load_params, predict_problems
from cogsim.calibration.record import read_params
from cogsim.calibration.resampling import bootstrap_intervals, cross_validate, learning_curve
from cogsim.calibration.run import Calibration, calibrate, write_calibration
from cogsim.calibration.sources import load_calibration_data

__all__ = ["RateData", "TrialData", "FitResult", "fit_model", "MODELS", "build_model",
           "model_class", "registry_key", "population_from_params", "population_spec",
           "load_params", "read_params", "predict_problems", "bootstrap_intervals",
           "cross_validate", "learning_curve", "Calibration", "calibrate",
           "write_calibration", "load_calibration_data"]
