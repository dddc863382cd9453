"""From a calibration to a population: the spec whose annotators are the calibrated model.

`population_spec` turns a ``params.json`` record into a `cogsim.spec.PopulationSpec` with
one group, by the one table `MAPPING`: each row says where a population field comes from
(a fitted parameter, a model setting, or a value the mapping fixes) or which calibrated
parameter is not carried and why.  A population calibration (the repeated-choice IBL model
fits a lognormal spread of activation noise across people: median ``noise``, standard
deviation of log noise ``noise_spread``) becomes a lognormal distribution of ``noise``
across the annotators.  `write_calibration` writes the spec beside params.json as
``population.toml`` (`population_toml`); ``cogsim generate --population`` takes either file.

Models whose parameters have no population counterpart (`UNSUPPORTED`: EV, CPT (plain and
scaled), BEAST, the delta rule with or without a population) raise
`cogsim.errors.InputError` saying so.

The calibrated models know gambles; the annotators value gamble items (``--items`` with
gambles, e.g. ``populations/gambles.csv``) by payoffs sampled from the descriptions and
learn from the payoffs they experience (``experience_rate = 1``).  Their value weights
(``ev = 1``) set only the gold values, the expected values.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, NamedTuple

from cogsim.calibration.models import model_class
from cogsim.calibration.record import read_params
from cogsim.errors import InputError
from cogsim.protocol import constructor_defaults
from cogsim.spec import PopulationSpec, parse_spec, spec_to_toml

__all__ = ["MAPPING", "UNSUPPORTED", "GROUP_MODEL", "N_ANNOTATORS", "Row", "population_spec",
           "not_carried", "population_from_params", "population_toml", "mapping_table"]

#: Annotators in a population made from a calibration.
N_ANNOTATORS = 100


class Row(NamedTuple):
    """One row of `MAPPING`.

    ``source`` is ``params.<name>`` (a fitted parameter), ``settings.<name>`` (a model
    setting; its constructor default when params.json has none) or ``-`` (fixed here).
    ``rule``: ``value`` (the value itself), ``lognormal`` (two sources: median, sigma;
    a plain number when sigma is 0), ``lapse`` (a random choice at that rate: the spec's
    ``[fatigue]`` with base = maximum = rate and no growth), ``fixed`` (``value``), or
    ``dropped`` (not carried; ``note`` says why).
    """

    model: str
    kind: str
    source: str
    field: str
    rule: str
    value: Any = None
    note: str = ""


_GAMBLES = "gamble items are valued by their payoffs; the weights set the gold values (EV)"
_MISMATCH = ("an option's value blends only its own instances in the calibrated model; "
             "a large penalty keeps other gambles' instances out of the blend")
_EXPERIENCE = "annotators learn from the payoffs of the gambles they choose"

#: The one table: (model, kind) x population field.
MAPPING: tuple[Row, ...] = (
    # IBL account of described gambles (choices13k, CPC)
    Row("ibl", "rates", "params.noise", "groups.noise", "value"),
    Row("ibl", "rates", "params.decay", "groups.decay", "value"),
    Row("ibl", "rates", "params.lapse", "fatigue", "lapse"),
    Row("ibl", "rates", "settings.temperature", "groups.temperature", "value",
        note="None: PyIBL's rule from the noise, in both"),
    Row("ibl", "rates", "settings.n_samples", "groups.prior_instances", "value",
        note="imagined draws before a choice -> payoffs sampled from the descriptions "
             "before the first judgment"),
    Row("ibl", "rates", "params.curvature", "", "dropped",
        note="the population stores payoffs as they are (no utility curvature)"),
    Row("ibl", "rates", "-", "groups.mismatch_penalty", "fixed", 20.0, _MISMATCH),
    Row("ibl", "rates", "-", "groups.values", "fixed", {"ev": 1.0}, _GAMBLES),
    Row("ibl", "rates", "-", "experience_rate", "fixed", 1.0, _EXPERIENCE),
    # ACT-R account of described gambles
    Row("actr", "rates", "params.noise", "groups.noise", "value"),
    Row("actr", "rates", "params.decay", "groups.decay", "value",
        note="the calibrated model's clock runs in trials, the population's in seconds"),
    Row("actr", "rates", "settings.temperature", "groups.temperature", "value"),
    Row("actr", "rates", "settings.retrieval_threshold", "groups.retrieval_threshold",
        "value", note="None: no threshold (the population's default -10)"),
    Row("actr", "rates", "-", "groups.heuristics", "fixed", [],
        "the calibrated model always evaluates both options"),
    Row("actr", "rates", "-", "groups.utility_noise", "fixed", 0.0,
        "one strategy: nothing to choose between"),
    Row("actr", "rates", "-", "groups.prior_instances", "fixed", 3,
        "payoffs sampled from the descriptions, as the IBL account's default n_samples"),
    Row("actr", "rates", "-", "groups.mismatch_penalty", "fixed", 20.0, _MISMATCH),
    Row("actr", "rates", "-", "groups.values", "fixed", {"ev": 1.0}, _GAMBLES),
    Row("actr", "rates", "-", "experience_rate", "fixed", 1.0, _EXPERIENCE),
    # IBL population of repeated choice (Niv risk task, choice engineering)
    Row("ibl", "trials", "params.noise+params.noise_spread", "groups.noise", "lognormal",
        note="median noise, sigma = sd of log noise across people"),
    Row("ibl", "trials", "params.decay", "groups.decay", "value"),
    Row("ibl", "trials", "settings.lapse", "fatigue", "lapse"),
    Row("ibl", "trials", "settings.temperature", "groups.temperature", "value"),
    Row("ibl", "trials", "params.default_utility", "", "dropped",
        note="population annotators have no default utility: an unexperienced item is "
             "valued from the instances of similar ones"),
    Row("ibl", "trials", "-", "groups.prior_instances", "fixed", 3,
        "payoffs sampled before the first judgment, standing in for the calibrated "
        "model's instances of the payoff range at time 0"),
    Row("ibl", "trials", "-", "groups.mismatch_penalty", "fixed", 20.0, _MISMATCH),
    Row("ibl", "trials", "-", "groups.values", "fixed", {"ev": 1.0}, _GAMBLES),
    Row("ibl", "trials", "-", "experience_rate", "fixed", 1.0, _EXPERIENCE),
)

#: Registered models without a population counterpart, and why.
UNSUPPORTED: dict[tuple[str, str], str] = {
    ("ev", "rates"): "its temperature is in payoff units, while a population's "
                     "Bradley-Terry values are in standard units of the item set",
    ("cpt", "rates"): "its value and probability-weighting functions (alpha, lam, gamma) "
                      "have no counterpart in a population's annotators",
    ("rl", "trials"): "the delta rule (alpha, beta, q0) is not an annotator model of a "
                      "population (ibl, actr, bradley_terry, thurstone)",
    ("beast", "rates"): "BEAST's sampling tools (kapa, beta, gamma, psi, theta) are a "
                        "baseline for choice rates, not an annotator model of a population",
    ("cpt_scaled", "rates"): "its value and probability-weighting functions (alpha, lam, "
                             "gamma) have no counterpart in a population's annotators",
    ("rl_pop", "trials"): "the delta rule (alpha, beta, q0, beta_spread) is not an annotator "
                          "model of a population (ibl, actr, bradley_terry, thurstone)",
}
#: The population model kind of each supported calibrated model.
GROUP_MODEL: dict[tuple[str, str], str] = {("ibl", "rates"): "ibl", ("actr", "rates"): "actr",
                                           ("ibl", "trials"): "ibl"}


def _lookup(source: str, record: dict, defaults: dict) -> Any:
    where, _, name = source.partition(".")
    if where == "params":
        return record["params"][name]
    settings = record.get("settings") or {}
    return settings.get(name, defaults.get(name))


def _carry(row: Row, record: dict, defaults: dict, group: dict, spec: dict,
           dropped: dict) -> None:
    """Apply one row of `MAPPING` to the group and spec dicts being built."""
    if row.rule == "dropped":
        name = row.source.partition(".")[2]
        dropped[name] = (_lookup(row.source, record, defaults), row.note)
        return
    if row.rule == "fixed":
        value = row.value
    elif row.rule == "lognormal":
        median, sigma = (float(_lookup(s, record, defaults)) for s in row.source.split("+"))
        value = median if sigma == 0 else {"dist": "lognormal", "median": median,
                                            "sigma": sigma}
    else:
        value = _lookup(row.source, record, defaults)
    if value is None:
        return                                     # the population's default rule
    if row.rule == "lapse":
        rate = float(value)
        if rate > 0:
            spec["fatigue"] = {"base": rate, "per_judgment": 0.0, "maximum": rate}
        return
    target, _, name = row.field.partition(".")
    (group if target == "groups" else spec)[name or target] = value


def population_spec(record: dict, source: str = "params.json",
                    n_annotators: int = N_ANNOTATORS) -> PopulationSpec:
    """The population spec of a params.json record (`read_params`): one group whose
    annotators are the calibrated model, by `MAPPING`.

    Raises
    ------
    InputError
        The model has no population counterpart (`UNSUPPORTED`), naming ``source``.
    """
    return _build(record, source, n_annotators)[0]


def not_carried(record: dict) -> dict[str, tuple[Any, str]]:
    """What of a calibration a population leaves out: name -> (value, why)."""
    return _build(record, "params.json", N_ANNOTATORS)[1]


def _build(record: dict, source: str, n_annotators: int) -> tuple[PopulationSpec, dict]:
    key, kind = record["model"], record["kind"]
    if (key, kind) in UNSUPPORTED:
        raise InputError(f"{source}: model {key!r} ({kind}) has no population counterpart: "
                         f"{UNSUPPORTED[key, kind]}; a population can be made from a "
                         f"calibration of {', '.join(sorted({k for k, _ in GROUP_MODEL}))}")
    defaults = constructor_defaults(model_class(key, kind))
    data = record.get("data") or {}
    data_name = Path(str(data.get("name", "data"))).stem or "data"
    group: dict = {"name": f"{key}_{data_name}", "share": 1.0,
                   "model": GROUP_MODEL[key, kind]}
    spec: dict = {"name": f"calibrated-{key}-{data_name}",
                  "description": f"Annotators drawn from the calibration of {key} on "
                                 f"{data_name} ({kind}, seed {record.get('seed', 0)}).",
                  "n_annotators": int(n_annotators), "seed": int(record.get("seed", 0))}
    dropped: dict = {}
    for row in MAPPING:
        if (row.model, row.kind) == (key, kind):
            _carry(row, record, defaults, group, spec, dropped)
    spec["groups"] = [group]
    return parse_spec(spec, source), dropped


def population_from_params(path: str | os.PathLike[str],
                           n_annotators: int = N_ANNOTATORS) -> PopulationSpec:
    """The population of the calibration whose ``params.json`` is at ``path`` (what
    ``cogsim generate --population params.json`` runs).

    Raises
    ------
    DataError
        The file is not a readable params.json (naming the file and field).
    InputError
        The model has no population counterpart.
    """
    return population_spec(read_params(path), str(path), n_annotators)


def population_toml(record: dict, folder: str | os.PathLike[str] | None = None,
                    source: str = "params.json") -> str:
    """``population.toml`` for a calibration record: the spec (`spec_to_toml`, so that it
    reads back equal) under comment lines naming the calibration and what it leaves out."""
    spec, dropped = _build(record, source, N_ANNOTATORS)
    data = record.get("data") or {}
    header = {"cogsim population from a calibration":
              f"{record['model']} ({record['kind']}) on {data.get('name', '?')}, "
              f"seed {record.get('seed', 0)}, data sha256 {str(data.get('sha256', '?'))[:16]}",
              "fitted": ", ".join(f"{k} {_fmt(v)}" for k, v in record["params"].items())}
    for name, (value, why) in dropped.items():
        header[f"not carried: {name} {_fmt(value)}"] = why
    header["run"] = ("cogsim generate --population population.toml --items "
                     "populations/gambles.csv (any gamble items)")
    return spec_to_toml(spec, header, Path(folder) if folder is not None else None)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}"
    return str(value)


def mapping_table() -> str:
    """`MAPPING` and `UNSUPPORTED` as a Markdown table (for the docs)."""
    lines = ["| model | calibrated | population field | rule | note |",
             "|---|---|---|---|---|"]
    for r in MAPPING:
        rule = f"fixed {r.value!r}" if r.rule == "fixed" else r.rule
        lines.append(f"| {r.model} ({r.kind}) | {r.source} | {r.field or '-'} | {rule} | "
                     f"{r.note} |")
    for (key, kind), why in UNSUPPORTED.items():
        lines.append(f"| {key} ({kind}) | all | - | InputError | {why} |")
    return "\n".join(lines)
