"""Predictions of a calibrated model for new gamble problems, from its ``params.json``."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from cogsim.calibration.record import model_from_record, read_params
from cogsim.errors import InputError

__all__ = ["load_params", "predict_problems", "PROTOCOL_COLUMNS"]

#: Output columns per protocol: choices13k's rate over 5 trials, or the CPC's 5 blocks.
PROTOCOL_COLUMNS = {"c13k": ["bRate"], "cpc": [f"B.{b}" for b in range(1, 6)]}


def load_params(path: str | os.PathLike[str]):
    """The model that a ``params.json`` written by ``cogsim calibrate`` describes (older
    files naming a module path too; see `cogsim.calibration.record`).

    Raises
    ------
    DataError
        Naming the file and the field.
    """
    return model_from_record(read_params(path), str(path))


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
