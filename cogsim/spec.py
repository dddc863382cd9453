"""Population specs: who the annotators are, read from TOML and validated.

A spec names the groups of annotators (share, model kind, parameter distributions, value
weights over item attributes, prior experience), how pairs are assigned, and which realism
effects are on.  Every error names the file, the field and what was expected.  See
``populations/default.toml`` for an annotated example.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Literal, Union

import numpy as np
from cogsim.errors import SpecError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = ["SpecError", "Dist", "Group", "PopulationSpec", "load_spec", "parse_spec",
           "sample", "spec_to_toml"]



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Dist(_Strict):
    """A distribution of a parameter across the annotators of a group.

    ``dist`` is one of: fixed (value), normal (mean, sd), lognormal (median, sigma: the
    log is normal with mean ln(median) and sd sigma), uniform (low, high), beta (a, b,
    scaled to [low, high], default [0, 1]).
    """

    dist: Literal["fixed", "normal", "lognormal", "uniform", "beta"]
    value: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    median: float | None = Field(default=None, gt=0)
    sigma: float | None = Field(default=None, ge=0)
    low: float | None = None
    high: float | None = None
    a: float | None = Field(default=None, gt=0)
    b: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _needs(self):
        needed = {"fixed": ("value",), "normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
                  "uniform": ("low", "high"), "beta": ("a", "b")}[self.dist]
        missing = [k for k in needed if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(needed)}; "
                             f"missing {', '.join(missing)}")
        if self.dist == "uniform" and not self.low < self.high:
            raise ValueError(f"uniform needs low < high, got low={self.low}, high={self.high}")
        return self


Param = Union[float, Dist]


def sample(param: Param, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw n values of a parameter (a number means every annotator has that value)."""
    if not isinstance(param, Dist):
        return np.full(n, float(param))
    if param.dist == "fixed":
        return np.full(n, param.value)
    if param.dist == "normal":
        return rng.normal(param.mean, param.sd, n)
    if param.dist == "lognormal":
        return param.median * np.exp(rng.normal(0.0, param.sigma, n))
    if param.dist == "uniform":
        return rng.uniform(param.low, param.high, n)
    low = 0.0 if param.low is None else param.low
    high = 1.0 if param.high is None else param.high
    return low + (high - low) * rng.beta(param.a, param.b, n)


class Group(_Strict):
    """A group of annotators sharing a model kind and parameter distributions."""

    name: str = Field(min_length=1)
    share: float = Field(gt=0)
    model: Literal["ibl", "actr", "bradley_terry", "thurstone"] = "ibl"
    values: dict[str, Param] = Field(min_length=1)
    value_noise: Param = 0.3
    prior_instances: Param = 30
    noise: Param = 0.25
    decay: Param = 0.5
    temperature: Param | None = None
    mismatch_penalty: Param = 10.0
    scale: Param = 1.0
    # ACT-R annotators only (filled with these defaults when model = "actr"):
    heuristics: list[str] | None = None          # ["prefer_first"]
    evaluate_utility: Param | None = None        # 1.0: initial utility of evaluating
    utility_noise: Param | None = None           # 0.5: noise in strategy selection
    utility_learning: bool | None = None         # False: gold feedback rewards strategies
    retrieval_threshold: Param | None = None     # -10.0
    latency_factor: Param | None = None          # 0.2 s
    encoding_time: Param | None = None           # 2.0 s: reading both options and responding

    @model_validator(mode="after")
    def _actr_fields(self):
        given = [k for k in ACTR_DEFAULTS if getattr(self, k) is not None]
        if self.model != "actr":
            if given:
                raise ValueError(f"{given[0]} applies only to model = 'actr' "
                                 f"(this group's model is {self.model!r})")
            return self
        for k, v in ACTR_DEFAULTS.items():
            if getattr(self, k) is None:
                setattr(self, k, list(v) if isinstance(v, list) else v)
        for h in self.heuristics:
            kind, _, attr = h.partition(":")
            if not ((kind in ("prefer_first", "prefer_second") and not attr)
                    or (kind in ("prefer_larger", "prefer_smaller") and attr)):
                raise ValueError(f"unknown heuristic {h!r}; expected prefer_first, "
                                 f"prefer_second, prefer_larger:<attribute> or "
                                 f"prefer_smaller:<attribute>")
        return self


#: Defaults of the ACT-R fields of a group (see :class:`cogsim.actr.ACTRBatch`).
ACTR_DEFAULTS: dict[str, object] = {
    "heuristics": ["prefer_first"], "evaluate_utility": 1.0, "utility_noise": 0.5,
    "utility_learning": False, "retrieval_threshold": -10.0, "latency_factor": 0.2,
    "encoding_time": 2.0}


class Assignment(_Strict):
    """How pairs reach annotators: k annotators per pair, at most ``workload`` each."""

    pairs: int = Field(default=200, ge=1)
    sampler: Literal["random", "all"] = "random"
    annotators_per_pair: int = Field(default=3, ge=1)
    workload: int | None = Field(default=None, ge=1)


class PositionBias(_Strict):
    """Annotators choose the option shown first with probability ``p_first`` when their
    judgment alone would be a coin flip: a shortcut taken at rate 2 p_first - 1."""

    p_first: float = Field(ge=0.5, le=1.0)


class Fatigue(_Strict):
    """Lapse rate (a random answer) = min(maximum, base + per_judgment * judgments done)."""

    base: float = Field(default=0.0, ge=0, le=1)
    per_judgment: float = Field(default=0.002, ge=0)
    maximum: float = Field(default=0.5, ge=0, le=1)


class Feedback(_Strict):
    """After a judgment, with probability ``rate`` the annotator sees the gold value of the
    chosen item and learns from it.  Gold weights default to the share-weighted mean of the
    groups' mean value weights."""

    rate: float = Field(ge=0, le=1)
    gold: dict[str, float] | None = None


class Social(_Strict):
    """Each step, with probability ``weight`` an annotator stores a random neighbour's latest
    judgment (both items, valued as the neighbour valued them) as its own experience."""

    network: Literal["watts_strogatz", "erdos_renyi", "complete"] = "watts_strogatz"
    degree: int = Field(default=4, ge=1)
    rewire: float = Field(default=0.1, ge=0, le=1)
    weight: float = Field(default=0.5, ge=0, le=1)


class Drift(_Strict):
    """Value weights take a Gaussian random-walk step of sd ``sd`` after every step."""

    sd: float = Field(ge=0)


class PopulationSpec(_Strict):
    """A whole population: annotators, assignment and realism effects."""

    name: str = "population"
    description: str = ""
    items: str | None = None
    n_annotators: int = Field(default=60, ge=1)
    seed: int = Field(default=0, ge=0)
    experience_rate: float = Field(default=0.0, ge=0, le=1)
    groups: list[Group] = Field(min_length=1)
    assignment: Assignment = Assignment()
    position_bias: PositionBias | None = None
    fatigue: Fatigue | None = None
    feedback: Feedback | None = None
    social: Social | None = None
    drift: Drift | None = None

    @field_validator("groups")
    @classmethod
    def _distinct_names(cls, groups):
        names = [g.name for g in groups]
        if len(set(names)) != len(names):
            raise ValueError(f"group names must be distinct, got {names}")
        return groups

    def check_attributes(self, attributes: list[str], source: str) -> None:
        """Raise SpecError if a group or the gold weights name an attribute items lack."""
        for i, g in enumerate(self.groups):
            for a in g.values:
                if a not in attributes:
                    raise SpecError(f"{source}: field 'groups[{i}].values.{a}': unknown "
                                    f"attribute {a!r}; expected one of {attributes}")
            for k, h in enumerate(g.heuristics or []):
                a = h.partition(":")[2]
                if a and a not in attributes:
                    raise SpecError(f"{source}: field 'groups[{i}].heuristics[{k}]': unknown "
                                    f"attribute {a!r} in {h!r}; expected one of {attributes}")
        if self.feedback and self.feedback.gold:
            for a in self.feedback.gold:
                if a not in attributes:
                    raise SpecError(f"{source}: field 'feedback.gold.{a}': unknown attribute "
                                    f"{a!r}; expected one of {attributes}")


def _field(loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("float", "Dist", "function-after[_needs(), Dist]", "int",
                      "function-after[_distinct_names(), list[Group]]"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_spec(data: dict, source: str = "spec") -> PopulationSpec:
    """Validate a spec given as a dict; errors name ``source`` and the field."""
    try:
        return PopulationSpec.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        field = _field(err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field is missing"
        got = err.get("input")
        got = "" if err["type"] == "missing" or isinstance(got, dict) else f", got {got!r}"
        raise SpecError(f"{source}: field {field!r}: {msg}{got}") from None


def load_spec(path: str | Path) -> PopulationSpec:
    """Read and validate a population spec from a TOML file."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such file; expected a population spec (TOML)")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: not valid TOML ({e})") from None
    return parse_spec(data, str(path))


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"cannot write {v} to TOML")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise ValueError(f"cannot write {v!r} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else _toml_value(k)


def spec_to_toml(spec: PopulationSpec, header: dict | None = None) -> str:
    """The fully resolved spec as TOML (defaults filled in, unset sections left out)."""
    data = spec.model_dump(exclude_none=True)
    lines = [f"# {k}: {v}" for k, v in (header or {}).items()]
    tables = {}
    for k, v in data.items():
        if isinstance(v, dict) and k != "values":
            tables[k] = v
        elif k == "groups":
            continue
        else:
            lines.append(f"{_key(k)} = {_toml_value(v)}")
    for name, table in tables.items():
        lines += ["", f"[{name}]"] + [f"{_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    for g in data["groups"]:
        lines += ["", "[[groups]]"]
        lines += [f"{_key(k)} = {_toml_value(v)}" for k, v in g.items() if k != "values"]
        lines += ["[groups.values]"] + [f"{_key(k)} = {_toml_value(v)}" for k, v in g["values"].items()]
    return "\n".join(lines) + "\n"
