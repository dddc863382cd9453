"""A calibration on pairwise text preferences, from data to files.

:func:`calibrate_text` splits the pairs (``n_train`` random pairs to fit, the rest held out),
fixes the standard units of the features on the training responses
(:func:`cogsim.text.fit_scaling`), fits the text-preference model
(:mod:`cogsim.calibration.text_fit`: value weights, position bias, lapses; ridge chosen by
inner cross-validation) and the logistic Bradley-Terry baseline on the same split, and
measures both on the held-out pairs: accuracy, log-loss, and the biases P(prefer longer),
P(prefer lists) and P(prefer first) of the model beside the humans'.  It adds a k-fold
cross-validation over all pairs and a learning curve (N = 30, 100, 300, 1000 training pairs,
several random draws each).  :func:`write_text_calibration` writes ``text_params.json`` (the
fitted values, the scaling, the data's hash; not ``params.json``, whose models are the
registry's gamble and repeated-choice models), ``population.toml`` (a population whose
annotators carry the fitted values), ``fidelity.json``, ``report.md`` and
``learning_curve.png``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim import __version__
from cogsim.calibration.text_fit import TextModel, fit_baseline, fit_text_model, score
from cogsim.calibration.text_pairs import TextPairs
from cogsim.errors import InputError
from cogsim.outputs import json_ready, output_folder
from cogsim.text import TextScaling, fit_scaling

__all__ = ["TextCalibration", "calibrate_text", "write_text_calibration", "TEXT_MODELS",
           "CURVE_SIZES", "population_data"]

#: Model names for text data: the population's annotators are Bradley-Terry (the fitted
#: model itself) or IBL annotators with the fitted values.
TEXT_MODELS = {"bradley_terry": "bradley_terry", "bt": "bradley_terry", "ibl": "ibl"}
#: Learning-curve sizes (training pairs) by default.
CURVE_SIZES = (30, 100, 300, 1000)


@dataclass
class TextCalibration:
    """What a text calibration found (see :func:`write_text_calibration`)."""

    model_name: str
    data: TextPairs
    seed: int
    scaling: TextScaling
    model: TextModel
    baseline: TextModel
    search: dict
    fidelity: dict
    fit_seconds: float
    curve: list[dict] = field(default_factory=list)

    @property
    def params(self) -> dict[str, float]:
        """Fitted values: a weight per feature, then position_bias and lapse."""
        out = dict(zip(self.scaling.features, map(float, self.model.w)))
        return {**out, "position_bias": self.model.b, "lapse": self.model.lapse}


def _design(data: TextPairs, scaling: TextScaling) -> np.ndarray:
    return data.differences(scaling)


def _scaling(data: TextPairs, units: np.ndarray) -> TextScaling:
    rows = data.rows(units)
    return fit_scaling(pd.concat([data.features_a.iloc[rows], data.features_b.iloc[rows]]))


def _split(n_units: int, n_train: int, key: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(list(key)).permutation(n_units)
    return np.sort(order[:n_train]), np.sort(order[n_train:])


def _fit_split(data: TextPairs, train: np.ndarray, seed: int):
    """Scaling, model (with its search) and baseline fitted on the pairs ``train``."""
    scaling = _scaling(data, train)
    x = _design(data, scaling)
    rows = data.rows(train)
    model, search = fit_text_model(x[rows], data.chose_a[rows], data.first[rows],
                                   data.unit[rows], seed=seed)
    base = fit_baseline(x[rows], data.chose_a[rows], data.first[rows])
    return scaling, x, model, search, base


def _biases(data: TextPairs, rows: np.ndarray, p_a: np.ndarray) -> dict[str, float | None]:
    """Human and model P(prefer longer), P(prefer lists), P(prefer first) on ``rows``."""
    out: dict[str, float | None] = {}
    y = data.chose_a[rows]
    for name, column in (("prefer_longer", "length"), ("prefer_lists", "has_list")):
        d = (data.features_a[column].to_numpy()[rows] - data.features_b[column].to_numpy()[rows])
        use = d != 0
        more_a = d[use] > 0
        out[f"human_{name}"] = float(np.mean(y[use] == more_a)) if use.any() else None
        out[f"model_{name}"] = (float(np.mean(np.where(more_a, p_a[use], 1 - p_a[use])))
                                if use.any() else None)
    first = data.first[rows]
    use = first != 0
    out["human_prefer_first"] = (float(np.mean(y[use] == (first[use] > 0))) if use.any()
                                 else None)
    out["model_prefer_first"] = (float(np.mean(np.where(first[use] > 0, p_a[use],
                                                         1 - p_a[use]))) if use.any() else None)
    return out


def _measures(data, x, rows, model, base) -> dict:
    y, first = data.chose_a[rows], data.first[rows]
    m, b = score(model, x[rows], y, first), score(base, x[rows], y, first)
    return {"accuracy": m["accuracy"], "log_loss": m["log_loss"],
            "baseline_accuracy": b["accuracy"], "baseline_log_loss": b["log_loss"]}


def _curve(data: TextPairs, sizes: Sequence[int], draws: int, seed: int) -> list[dict]:
    points = []
    for n in sizes:
        runs = []
        for draw in range(draws):
            train, test = _split(data.n_units, n, (seed, n, draw))
            _, x, model, _, base = _fit_split(data, train, seed + draw)
            runs.append(_measures(data, x, data.rows(test), model, base))
        point = {"n_train": int(n), "draws": draws}
        for key in runs[0]:
            values = np.array([r[key] for r in runs])
            point[f"test_{key}"] = float(values.mean())
            point[f"test_{key}_sd"] = float(values.std(ddof=1)) if draws > 1 else 0.0
        points.append(point)
    return points


def _cross_validate(data: TextPairs, folds: int, seed: int) -> dict:
    """k-fold cross-validation over all pairs: pooled held-out measures."""
    parts = np.array_split(np.random.default_rng([seed, 1]).permutation(data.n_units), folds)
    p_model, p_base = np.empty(data.n_judgments), np.empty(data.n_judgments)
    for k, part in enumerate(parts):
        train = np.setdiff1d(np.arange(data.n_units), part)
        _, x, model, _, base = _fit_split(data, train, seed + k)
        rows = data.rows(part)
        p_model[rows] = model.probability(x[rows], data.first[rows])
        p_base[rows] = base.probability(x[rows], data.first[rows])
    y = data.chose_a
    out = {"folds": folds}
    for name, p in (("", p_model), ("baseline_", p_base)):
        right = np.where(p == 0.5, 0.5, (p > 0.5) == y)
        p_obs = np.clip(np.where(y, p, 1 - p), 1e-12, None)
        out[f"{name}accuracy"] = float(right.mean())
        out[f"{name}log_loss"] = float(-np.log(p_obs).mean())
    return out


def calibrate_text(data: TextPairs, model: str = "bradley_terry", *, n_train: int | None = None,
                   seed: int = 0, folds: int = 5, curve: Sequence[int] | None = None,
                   curve_draws: int = 3, baseline: str | None = "auto",
                   progress: Callable[[str], None] | None = None) -> TextCalibration:
    """Calibrate text annotators on ``n_train`` random pairs of ``data``; score on the rest.

    Parameters
    ----------
    data : TextPairs
    model : str
        ``bradley_terry`` (or ``bt``) or ``ibl``: the annotators of ``population.toml``.
    n_train : int, optional
        Training pairs; default min(300, 80% of the pairs).
    seed : int
        Seeds the split, the inner folds, the cross-validation and the learning curve.
    folds : int
        k of a k-fold cross-validation over all pairs (0: skip).
    curve : sequence of int, optional
        Training sizes of the learning curve (default 30, 100, 300, 1000, those below the
        number of pairs; empty: skip), ``curve_draws`` random splits each.
    baseline : str or None
        ``auto`` or ``logistic``: the logistic Bradley-Terry baseline (always fitted on the
        same split; the option exists for the command line's sake).
    """
    say = progress or (lambda stage: None)
    if model not in TEXT_MODELS:
        raise InputError(f"option --model: for pairwise text data expected one of "
                         f"{sorted(TEXT_MODELS)}, got {model!r}")
    if baseline not in (None, "auto", "logistic", "none"):
        raise InputError(f"option --baseline: for pairwise text data expected auto, logistic "
                         f"or none, got {baseline!r}")
    n = data.n_units
    if n < 4:
        raise InputError(f"{data.name}: {n} pairs; expected at least 4 to fit and hold out")
    n_train = min(300, n - n // 5) if n_train is None else int(n_train)
    if not 2 <= n_train < n:
        raise InputError(f"option --n-train: expected between 2 and {n - 1} pairs (the rest "
                         f"are held out), got {n_train}")
    if folds == 1 or folds < 0 or folds > n:
        raise InputError(f"option --folds: expected 0 (no cross-validation) or 2 to {n} "
                         f"(the pairs), got {folds}")
    sizes = [s for s in (CURVE_SIZES if curve is None else curve) if 2 <= s < n]
    if curve is not None and len(sizes) < len(curve):
        bad = [s for s in curve if not 2 <= s < n][0]
        raise InputError(f"option --curve: expected training sizes between 2 and {n - 1} "
                         f"pairs, got {bad}")
    say(f"fitting on {n_train} pairs")
    start = time.perf_counter()
    train, test = _split(n, n_train, (seed,))
    scaling, x, fitted, search, base = _fit_split(data, train, seed)
    seconds = time.perf_counter() - start
    test_rows = data.rows(test)
    held = _measures(data, x, test_rows, fitted, base)
    fidelity = {"model": TEXT_MODELS[model], "data": data.name, "kind": "pairs",
                "units": "pairs", "n_train": int(n_train), "n_test": int(len(test)),
                "n_test_judgments": int(len(test_rows)),
                "test_accuracy": held["accuracy"], "test_log_loss": held["log_loss"],
                "baseline": "logistic", "baseline_test_accuracy": held["baseline_accuracy"],
                "baseline_test_log_loss": held["baseline_log_loss"],
                "ridge": search["ridge"], "lapse": search["lapse"],
                "position_bias": fitted.b if data.position_known else None,
                **{f"test_{k}": v for k, v in
                   _biases(data, test_rows,
                           fitted.probability(x[test_rows], data.first[test_rows])).items()},
                "fit_seconds": round(seconds, 2)}
    if folds:
        say(f"{folds}-fold cross-validation over all {n} pairs")
        cv = _cross_validate(data, folds, seed)
        fidelity.update({f"cv_{k}": v for k, v in cv.items() if not k.startswith("baseline")})
        fidelity.update({f"baseline_cv_{k[len('baseline_'):]}": v for k, v in cv.items()
                         if k.startswith("baseline")})
    result = TextCalibration(TEXT_MODELS[model], data, seed, scaling, fitted, base, search,
                             fidelity, seconds)
    if sizes:
        say(f"learning curve {sizes} x {curve_draws} draws")
        result.curve = _curve(data, sizes, curve_draws, seed)
        fidelity["learning_curve"] = result.curve
    return result


def population_data(result: TextCalibration) -> dict:
    """The population spec (as a dict for :func:`cogsim.spec.parse_spec`) whose annotators
    carry the fitted values: one group, value weights = w (features with weight 0 left
    out), the lapse rate as a constant ``[fatigue]``, the position bias as
    ``[position_bias] p_first`` = sigma(b) (when the data record the order and b > 0), and
    the calibration's standard units as ``[scaling]``."""
    values = {f: round(float(w), 6) for f, w in zip(result.scaling.features, result.model.w)
              if round(float(w), 6) != 0}
    group = {"name": "calibrated", "share": 1.0, "model": result.model_name,
             "values": values or {result.scaling.features[0]: 0.0}}
    if result.model_name == "bradley_terry":
        group["scale"] = 1.0
    else:
        group.update(prior_instances=100, noise=0.25, decay=0.5, mismatch_penalty=20.0,
                     value_noise=0.0)
    data = {"name": f"calibrated-{result.data.name}",
            "description": f"Text annotators calibrated on {result.fidelity['n_train']} pairs "
                           f"of {result.data.name} (seed {result.seed})",
            "n_annotators": 100, "seed": result.seed, "groups": [group],
            "scaling": result.scaling.to_dict()}
    if result.model.lapse > 0:
        data["fatigue"] = {"base": result.model.lapse, "per_judgment": 0.0,
                           "maximum": result.model.lapse}
    p_first = 1 / (1 + np.exp(-result.model.b))
    if result.data.position_known and p_first > 0.5:
        data["position_bias"] = {"p_first": round(float(p_first), 6)}
    return data


def params_record(result: TextCalibration) -> dict:
    """The text_params.json record of a text calibration."""
    return {"model": result.model_name, "kind": "pairs", "params": result.params,
            "ridge": result.search["ridge"], "search": result.search,
            "baseline": {"model": "logistic", "params": dict(zip(
                result.scaling.features, map(float, result.baseline.w))),
                "position_bias": result.baseline.b},
            "scaling": result.scaling.to_dict(),
            "data": {"name": result.data.name, "sha256": result.data.hash(),
                     "n_pairs": result.data.n_units,
                     "n_judgments": result.data.n_judgments},
            "seed": result.seed, "cogsim_version": __version__,
            "fit": {"seconds": round(result.fit_seconds, 2)}}


def write_text_calibration(result: TextCalibration, out_dir: str | os.PathLike[str], *,
                           overwrite: bool = False) -> Path:
    """Write text_params.json, population.toml, fidelity.json, report.md and learning_curve.png
    into ``out_dir`` through :func:`cogsim.outputs.output_folder`."""
    from cogsim.calibration.text_report import write_curve, write_report
    from cogsim.spec import parse_spec, spec_to_toml

    spec = parse_spec(population_data(result), "population.toml")
    header = {"calibrated on": f"{result.data.name}, {result.fidelity['n_train']} pairs",
              "held-out accuracy": f"{result.fidelity['test_accuracy']:.3f}",
              "cogsim version": __version__}
    with output_folder(out_dir, overwrite=overwrite) as tmp:
        (tmp / "text_params.json").write_text(json.dumps(json_ready(params_record(result)),
                                                    indent=2) + "\n")
        (tmp / "population.toml").write_text(spec_to_toml(spec, header))
        (tmp / "fidelity.json").write_text(json.dumps(json_ready(result.fidelity), indent=2)
                                           + "\n")
        figures = [write_curve(result, tmp / "learning_curve.png")] if result.curve else []
        write_report(result, tmp / "report.md", figures)
    return Path(out_dir)


def calibrate_and_write(data: str, model: str, *, out: str | os.PathLike[str],
                        data_home: str | os.PathLike[str] | None = None,
                        overwrite: bool = False, progress: Callable[[str], None] | None = None,
                        **options) -> str:
    """``cogsim calibrate`` on pairwise text data: load (:func:`~cogsim.calibration.
    text_pairs.load_text_pairs`), :func:`calibrate_text` with ``options``,
    :func:`write_text_calibration`; returns the summary lines to print."""
    from cogsim.calibration.text_pairs import load_text_pairs

    if model not in TEXT_MODELS:         # before the featurizing
        raise InputError(f"option --model: for pairwise text data expected one of "
                         f"{sorted(TEXT_MODELS)}, got {model!r}")
    result = calibrate_text(load_text_pairs(data, data_home), model, progress=progress,
                            **options)
    write_text_calibration(result, out, overwrite=overwrite)
    f = result.fidelity
    lines = [f"{result.model_name} on {f['n_train']} pairs of {data} "
             f"({result.fit_seconds:.1f} s): test_accuracy {f['test_accuracy']:.4g}, "
             f"test_log_loss {f['test_log_loss']:.4g}, baseline_test_accuracy "
             f"{f['baseline_test_accuracy']:.4g}, baseline_test_log_loss "
             f"{f['baseline_test_log_loss']:.4g}"]
    if "cv_accuracy" in f:
        lines.append(f"  {f['cv_folds']}-fold CV accuracy {f['cv_accuracy']:.4g} "
                     f"(baseline {f['baseline_cv_accuracy']:.4g})")
    for p in result.curve:
        lines.append(f"  N={p['n_train']}: accuracy {p['test_accuracy']:.3f} "
                     f"(baseline {p['test_baseline_accuracy']:.3f}), {p['draws']} draws")
    lines.append(f"  wrote {out}/: text_params.json, population.toml, fidelity.json, report.md"
                 + (", learning_curve.png" if result.curve else ""))
    lines.append(f"  annotators from it: cogsim generate --population {out}/population.toml "
                 f"--items <texts: item_id, prompt, text>")
    return "\n".join(lines)
