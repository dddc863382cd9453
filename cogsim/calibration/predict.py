"""Predictions of a calibrated model for new gamble problems, from its ``params.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim.calibration.models import build_model
from cogsim.datasets.errors import DataError
from cogsim.errors import InputError

__all__ = ["load_params", "predict_problems", "PROTOCOL_COLUMNS"]

#: Output columns per protocol: choices13k's rate over 5 trials, or the CPC's 5 blocks.
PROTOCOL_COLUMNS = {"c13k": ["bRate"], "cpc": [f"B.{b}" for b in range(1, 6)]}


def load_params(path: str | os.PathLike[str]):
    """The model that a ``params.json`` written by ``cogsim calibrate`` describes."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file; expected the params.json of a calibration")
    try:
        record = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: not valid JSON ({e}); expected the params.json of a "
                        f"calibration") from None
    if not isinstance(record, dict):
        raise DataError(f"{path}: expected a JSON object (the params.json of a calibration), "
                        f"got a {type(record).__name__}")
    for key in ("class", "params"):
        if key not in record:
            raise DataError(f"{path}: no {key!r} field; expected the params.json of a "
                            f"calibration (model, class, params, intervals, data, seed)")
    params = record["params"]
    if not isinstance(params, dict) or not params:
        raise DataError(f"{path}: field 'params': expected the fitted parameter values "
                        f"(an object of name: number), got {params!r}")
    try:
        return build_model(record["class"], record["params"], int(record.get("seed", 0)),
                           **(record.get("settings") or {}))
    except (ValueError, TypeError) as e:
        raise DataError(f"{path}: field 'params': {e}") from None


def predict_problems(model, problems: pd.DataFrame, protocol: str = "cpc") -> pd.DataFrame:
    """The input's columns plus the predicted P(B): ``bRate`` (c13k) or ``B.1``..``B.5``
    (cpc).  Models of repeated choice between named options cannot predict gambles."""
    if protocol not in PROTOCOL_COLUMNS:
        raise InputError(f"option --protocol: expected one of {list(PROTOCOL_COLUMNS)}, "
                         f"got {protocol!r}")
    if not hasattr(model, "predict_rates"):
        raise InputError(f"the model in the params file ({type(model).__name__}) models "
                         f"repeated choice between named options; it does not predict gamble "
                         f"problems")
    rates = np.asarray(model.predict_rates(problems, protocol=protocol), dtype=float)
    out = problems.reset_index(drop=True).copy()
    cols = PROTOCOL_COLUMNS[protocol]
    out[cols] = rates.reshape(len(out), len(cols))
    return out
