"""``params.json``: what a calibration found, with its model named by registry key.

The record (JSON object)::

    {
      "model": "ibl", "kind": "rates",          # registry key and kind of data
      "params": {"noise": 1.29, ...},            # the fitted free parameters
      "intervals": {"level": 0.95, "n_boot": 20, "noise": [low, high], ...},
      "data": {"name", "sha256", "kind", "n_units", "n_train", "train_units"},
      "settings": {...},                         # constructor settings of the model
      "seed": 0, "cogsim_version": "...",
      "fit": {"seconds", "evaluations", "objective"},
      "baseline": {"model": "cpt", "kind": "rates", "params": {...}, "settings": {...}}
    }

Module paths are never written.  Files written before carry ``"class":
"module:Class"`` instead of ``"kind"`` (and a baseline without settings); `read_params`
maps a known path to its key (`cogsim.calibration.models.LEGACY_CLASSES`) and
`upgrade_record` turns such a record into the form above.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any

from cogsim import __version__
from cogsim.calibration.models import build_model, model_class, resolve
from cogsim.errors import DataError, InputError

__all__ = ["params_record", "read_params", "upgrade_record", "model_from_record",
           "baseline_from_record", "write_params"]

_WHAT = "the params.json of a calibration"
#: The fields after model and kind, in the order written.
_ORDER = ("params", "intervals", "data", "settings", "seed", "cogsim_version", "fit",
          "baseline")


def params_record(result: Any) -> dict:
    """The params.json record of a `cogsim.calibration.Calibration`."""
    intervals = result.intervals.get("intervals", {})
    base = result.baseline
    return {
        "model": result.model_name, "kind": result.data.kind,
        "params": result.params,
        "intervals": {"level": result.intervals.get("level", 0.95),
                      "n_boot": result.intervals.get("n_boot", 0),
                      **{n: intervals.get(n) for n in result.params}},
        "data": {"name": result.data.name, "sha256": result.data.hash(),
                 "kind": result.data.kind, "n_units": result.data.n_units,
                 "n_train": int(len(result.train)),
                 "train_units": [int(u) for u in result.train]},
        "settings": result.model_settings,
        "seed": result.seed, "cogsim_version": __version__,
        "fit": {"seconds": round(result.fit_seconds, 2),
                "evaluations": result.n_evaluations,
                "objective": "msd" if result.data.kind == "rates" else "nll_per_choice"},
        "baseline": ({"model": base["model"], "kind": result.data.kind,
                      "params": base["params"], "settings": base.get("settings", {})}
                     if base else None),
    }


def read_params(path: str | os.PathLike[str]) -> dict:
    """The record of a params.json, checked and in the current form (see the module doc).

    Raises
    ------
    DataError
        Naming the file and the field: no such file, not JSON, no model, no parameters.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file; expected {_WHAT}")
    try:
        record = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: not valid JSON ({e}); expected {_WHAT}") from None
    return upgrade_record(record, str(path))


def upgrade_record(record: Any, source: str = "params") -> dict:
    """A params.json record in the current form: model and baseline named by (key, kind),
    no module paths; everything else kept in order."""
    if not isinstance(record, dict):
        raise DataError(f"{source}: expected a JSON object ({_WHAT}), got a "
                        f"{type(record).__name__}")
    if "model" not in record and "class" not in record:
        raise DataError(f"{source}: no 'model' field; expected {_WHAT} (model, kind, params, "
                        f"intervals, data, seed)")
    if "params" not in record:
        raise DataError(f"{source}: no 'params' field; expected {_WHAT} (model, kind, "
                        f"params, intervals, data, seed)")
    params = record["params"]
    if not isinstance(params, dict) or not params:
        raise DataError(f"{source}: field 'params': expected the fitted parameter values "
                        f"(an object of name: number), got {params!r}")
    key, kind = _resolve(record, source, "")
    rest = {k: v for k, v in record.items() if k not in ("model", "kind", "class")}
    rest["settings"] = dict(record.get("settings") or {})
    out = {"model": key, "kind": kind}
    out.update({k: rest.pop(k) for k in _ORDER if k in rest})
    out.update(rest)
    base = record.get("baseline")
    if base:
        if not isinstance(base, dict) or not isinstance(base.get("params"), dict):
            raise DataError(f"{source}: field 'baseline': expected an object with model, "
                            f"kind and params, got {base!r}")
        b_key, b_kind = _resolve(base, source, "baseline.")
        settings = base.get("settings")
        if settings is None:                     # older files: the model's settings it takes
            accepted = inspect.signature(model_class(b_key, b_kind)).parameters
            settings = {k: v for k, v in out["settings"].items() if k in accepted}
        out["baseline"] = {"model": b_key, "kind": b_kind, "params": base["params"],
                           "settings": settings}
    return out


def _resolve(record: dict, source: str, prefix: str) -> tuple[str, str]:
    try:
        return resolve(record.get("model"), record.get("kind"), record.get("class"),
                       source=source)
    except InputError as e:
        message = str(e).replace("field '", f"field '{prefix}") if prefix else str(e)
        raise DataError(message) from None


def model_from_record(record: dict, source: str = "params") -> Any:
    """The calibrated model of a record (`read_params`), parameters set."""
    return _build(record, source, "params")


def baseline_from_record(record: dict, source: str = "params") -> Any | None:
    """The baseline fitted beside the model, parameters set (None if there was none)."""
    base = record.get("baseline")
    if not base:
        return None
    return _build({**base, "seed": record.get("seed", 0)}, source, "baseline.params")


def _build(record: dict, source: str, field: str) -> Any:
    try:
        seed = int(record.get("seed", 0))
        return build_model(record["model"], record["params"], seed, kind=record["kind"],
                           **(record.get("settings") or {}))
    except (ValueError, TypeError) as e:
        raise DataError(f"{source}: field {field!r}: {e}") from None


def write_params(record: dict, path: str | os.PathLike[str]) -> None:
    """Write a record as indented JSON (NaN and NumPy values made plain)."""
    from cogsim.outputs import json_ready
    Path(path).write_text(json.dumps(json_ready(record), indent=2) + "\n")
