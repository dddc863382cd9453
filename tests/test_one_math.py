"""One house for the activation math: shipped calibrations predict as before.

``test_shipped_calibrations_predict_as_before`` rebuilds the model of every shipped
``calibration/*/*/params.json`` (and the baseline fitted beside it) and compares what it
predicts on small synthetic inputs with the predictions saved in
``tests/data/predictions_before/`` before the activation math was gathered into
:mod:`cogsim.memory`.  The comparison is exact (``np.array_equal``): the refactoring moved
code, it did not change arithmetic.

The inputs are synthetic and committed beside the predictions (``problems.csv``: described
gambles of every lottery shape, with and without ambiguity, correlation and feedback;
``trials-<options>.csv``: repeated-choice trial tables with forced trials and a response
that is none of the offered options).  To write the files again (only when a change of the
predictions is intended, and say so in the commit)::

    python tests/test_one_math.py --write
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.calibration.models import build_model
from cogsim.calibration.predict import load_params

ROOT = Path(__file__).resolve().parents[1]
BEFORE = Path(__file__).resolve().parent / "data" / "predictions_before"
SHIPPED = sorted(ROOT.glob("calibration/*/*/params.json"))
PROTOCOLS = {"c13k": ["c13k"], "cpc": [f"cpc.{b}" for b in range(1, 6)]}
SIMULATED_AGENTS = 3          # agents per person in the saved simulations (kept small)


# ------------------------------------------------------------------------ inputs
def synthetic_problems() -> pd.DataFrame:
    """48 described-gamble problems covering every lottery shape, Amb, Corr and Feedback."""
    rng = np.random.default_rng(20240611)
    shapes = ["-", "Symm", "R-skew", "L-skew"]
    rows = []
    for i in range(48):
        shape_b = shapes[i % 4]
        num_b = 1 if shape_b == "-" else int(rng.choice([2, 3, 5, 7, 9]))
        shape_a = "-" if i % 6 else "Symm"
        num_a = 1 if shape_a == "-" else 3
        p_hb = float(rng.choice([0.01, 0.05, 0.1, 0.2, 0.5, 0.8, 0.95, 1.0]))
        rows.append({
            "Ha": int(rng.integers(-10, 30)), "pHa": float(rng.choice([0.1, 0.5, 0.9, 1.0])),
            "La": int(rng.integers(-20, 5)), "LotShapeA": shape_a, "LotNumA": num_a,
            "Hb": int(rng.integers(-5, 60)), "pHb": p_hb, "Lb": int(rng.integers(-30, 10)),
            "LotShapeB": shape_b, "LotNumB": num_b,
            "Amb": int(i % 5 == 0), "Corr": int(rng.choice([-1, 0, 0, 1])),
            "Feedback": bool(i % 7 != 3),
        })
    return pd.DataFrame(rows)


def synthetic_trials(options: dict, subjects: list, n_trials: int, seed: int) -> pd.DataFrame:
    """A repeated-choice trial table: two-option trials over all pairs, some forced ones
    (one with a response that is none of the options), outcomes from the distributions."""
    rng = np.random.default_rng(seed)
    names = sorted(options)
    rows = []
    for s in subjects:
        for t in range(1, n_trials + 1):
            if len(names) > 2 and t % 5 == 0:           # forced trial
                a, b = names[int(rng.integers(len(names)))], None
                response = a if t % 15 else "wrongside"
            else:
                a, b = (str(x) for x in rng.choice(names, 2, replace=False))
                response = a if rng.random() < 0.5 else b
            if response in options:
                values, probs = options[response]
                outcome = float(rng.choice(values, p=probs))
            else:
                outcome = np.nan
            rows.append({"subject": s, "trial": t, "option_a": a, "option_b": b,
                         "response": response, "outcome": outcome})
    return pd.DataFrame(rows)


def trial_inputs(options: dict) -> pd.DataFrame:
    """The trial table for models whose options are ``options`` (created once, then read)."""
    key = "-".join(sorted(options))
    path = BEFORE / f"trials-{key}.csv"
    if path.exists():
        return pd.read_csv(path)
    subjects = [3, 17, 40] if len(options) > 2 else ["p-a", "p-b", "p-c"]
    return synthetic_trials(options, subjects, 45, seed=len(path.name))


def problem_inputs() -> pd.DataFrame:
    path = BEFORE / "problems.csv"
    if path.exists():
        return pd.read_csv(path, keep_default_na=False)
    return synthetic_problems()


# ------------------------------------------------------------------- predictions
def _models(path: Path) -> dict:
    """The calibrated model of a params.json and its baseline, by role."""
    record = json.loads(path.read_text())
    models = {"model": load_params(path)}
    baseline = record.get("baseline")
    if baseline:
        cls_path = baseline["class"]
        module, cls = cls_path.split(":")
        accepted = inspect.signature(getattr(__import__(module, fromlist=[cls]), cls)).parameters
        settings = {k: v for k, v in (record.get("settings") or {}).items() if k in accepted}
        models["baseline"] = build_model(cls_path, baseline["params"],
                                         int(record.get("seed", 0)), **settings)
    return models


def predictions(path: Path) -> dict[str, pd.DataFrame]:
    """Everything a shipped calibration predicts on the synthetic inputs, by file name."""
    stem = f"{path.parent.parent.name}-{path.parent.name}"
    models = _models(path)
    out: dict[str, pd.DataFrame] = {}
    if hasattr(models["model"], "predict_rates"):              # described gambles
        problems = problem_inputs()
        table = {}
        for role, model in models.items():
            for protocol, names in PROTOCOLS.items():
                rates = np.asarray(model.predict_rates(problems, protocol=protocol))
                for name, column in zip(names, rates.reshape(len(problems), -1).T):
                    table[f"{role}.{name}"] = column
        out[f"{stem}.rates.csv"] = pd.DataFrame(table)
        return out
    trials = trial_inputs(models["model"].options)                # repeated choice
    out[f"{stem}.loglik.csv"] = pd.DataFrame(
        {role: model.trial_log_likelihood(trials) for role, model in models.items()})
    for role, model in models.items():
        sim = model.simulate(trials, n_agents=SIMULATED_AGENTS)
        out[f"{stem}.{role}.simulate.csv"] = sim[["agent", "subject", "trial", "response",
                                                 "outcome", "value_a", "value_b"]]
    return out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            if not np.array_equal(x.astype(np.float64), y.astype(np.float64), equal_nan=True):
                return False
        elif not np.array_equal(x.astype(str), y.astype(str)):
            return False
    return True


def write() -> None:
    """Save the inputs, then the current predictions of every shipped calibration on them
    (computed from the files as read back, as the test reads them)."""
    BEFORE.mkdir(parents=True, exist_ok=True)
    if not (BEFORE / "problems.csv").exists():
        synthetic_problems().to_csv(BEFORE / "problems.csv", index=False)
    for path in SHIPPED:
        model = _models(path)["model"]
        if not hasattr(model, "predict_rates"):
            trials = BEFORE / f"trials-{'-'.join(sorted(model.options))}.csv"
            if not trials.exists():
                trial_inputs(model.options).to_csv(trials, index=False, float_format="%.17g")
    for path in SHIPPED:
        for name, frame in predictions(path).items():
            frame.to_csv(BEFORE / name, index=False, float_format="%.17g")
            assert _same(_read(BEFORE / name), frame), f"{name} does not round-trip"
            print(f"wrote {name}")


# ------------------------------------------------------------------------- tests
def test_every_shipped_calibration_has_saved_predictions():
    assert SHIPPED, "no calibration/*/*/params.json found"
    saved = {p.name for p in BEFORE.glob("*.csv")}
    for path in SHIPPED:
        stem = f"{path.parent.parent.name}-{path.parent.name}"
        assert any(name.startswith(stem + ".") for name in saved), stem


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_shipped_calibrations_predict_as_before(path):
    """Each shipped params.json (model and baseline) predicts exactly what it did before
    the activation math moved into cogsim.memory: rates of described gambles under both
    protocols; log-likelihoods of each choice and simulated choices, outcomes and blended
    values of repeated choice.  Exact equality, NaN equal to NaN."""
    for name, frame in predictions(path).items():
        saved = _read(BEFORE / name)
        assert _same(frame, saved), f"{name}: predictions differ from the saved ones"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write()
    else:
        sys.exit("usage: python tests/test_one_math.py --write")
