"""Population specs: who the annotators are, read from TOML and validated.

A spec names the groups of annotators (share, model kind, parameter distributions, value
weights over item attributes, prior experience), how pairs are assigned, and which realism
effects are on.  See ``populations/default.toml`` for an annotated example.

Every number is checked against the range the engines accept (NaN and infinity are refused
everywhere), group shares must sum to 1, and a population or a number of judgments that
cannot fit in memory is refused before anything is allocated.  Every error is one line
naming the file, the field, what was expected and what was found, e.g.
``spec.toml: field 'groups[0].noise': expected a number >= 0, got -1``.
"""

from __future__ import annotations

import math
import os
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cogsim.errors import JUDGMENT_BYTES, SizeError, SpecError, check_fits
from cogsim.memory import MINIMUM_TEMPERATURE

__all__ = [
    "Dist",
    "AttributeScale",
    "Group",
    "Memory",
    "PopulationSpec",
    "Range",
    "SpecError",
    "SpecSizeError",
    "load_spec",
    "mean",
    "parse_spec",
    "sample",
    "spec_to_toml",
]


class SpecSizeError(SpecError, SizeError):
    """A spec whose population or judgments cannot fit in memory (both a SpecError and a
    SizeError, so that either handler catches it)."""


# --------------------------------------------------------------------------- ranges
@dataclass(frozen=True)
class Range:
    """The values a number may take: ``low <= x <= high`` (``low < x`` when
    ``strict_low``), always finite."""

    low: float = -math.inf
    high: float = math.inf
    strict_low: bool = False

    def __contains__(self, x: float) -> bool:
        return (math.isfinite(x) and (x > self.low if self.strict_low else x >= self.low)
                and x <= self.high)

    def describe(self, what: str = "a number") -> str:
        """``'a number >= 0'``, ``'a number > 0'``, ``'a number in [0, 1]'``, ..."""
        if math.isfinite(self.low) and math.isfinite(self.high):
            return f"{what} in {'(' if self.strict_low else '['}{self.low:g}, {self.high:g}]"
        if math.isfinite(self.low):
            return f"{what} {'>' if self.strict_low else '>='} {self.low:g}"
        if math.isfinite(self.high):
            return f"{what} <= {self.high:g}"
        return f"a finite {what.removeprefix('a ')}"


FINITE = Range()
NON_NEGATIVE = Range(0.0)
POSITIVE = Range(0.0, strict_low=True)
PROBABILITY = Range(0.0, 1.0)
#: Largest integer a count may be (TOML's integers are 64-bit).
MAX_INTEGER = 2**63 - 1


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _fail(message: str, path: str = "") -> None:
    """Raise a validation error whose message is final; ``path`` extends the field."""
    raise PydanticCustomError("spec", "{message}", {"message": message, "path": path})


def _expect(rng: Range, got: Any, what: str = "a number", note: str = "",
            path: str = "", after: str = "") -> None:
    _fail(f"expected {rng.describe(what)}{note}, got {_show(got)}{after}", path)


def _check_number(value: Any, rng: Range) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        _expect(rng, value)
    try:
        number = float(value)
    except OverflowError:                   # an integer beyond the range of floats
        _expect(rng, value)
    if number not in rng:
        _expect(rng, value)
    return number


def _check_integer(value: Any, rng: Range) -> int:
    what = "a whole number"
    if isinstance(value, np.number):
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        _expect(rng, value, what)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        _expect(rng, value, what)
    if abs(value) > MAX_INTEGER:
        _fail(f"expected {what} from {rng.low:g} to 2**63 - 1, got {_show(value)}")
    if int(value) not in rng:
        _expect(rng, value, what)
    return int(value)


def Number(rng: Range) -> Any:
    """A float field that must lie in ``rng`` (a number in TOML, never NaN or infinite)."""
    return Annotated[float, BeforeValidator(partial(_check_number, rng=rng))]


def Count(rng: Range) -> Any:
    """An integer field in ``rng``; a float with no fractional part (``1e6``) is accepted."""
    return Annotated[int, BeforeValidator(partial(_check_integer, rng=rng))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- distributions
_NEEDS = {"fixed": ("value",), "normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
          "uniform": ("low", "high"), "beta": ("a", "b")}
_OPTIONAL = {"beta": ("low", "high")}
#: Draws beyond this many standard deviations never happen (probability below 1e-300).
_TAIL_SDS = 40.0
_LOG_MAX = math.log(np.finfo(float).max)


class Dist(_Strict):
    """A distribution of a parameter across the annotators of a group.

    ``dist`` is one of: fixed (value), normal (mean, sd), lognormal (median, sigma: the
    log is normal with mean ln(median) and sd sigma), uniform (low, high), beta (a, b,
    scaled to [low, high], default [0, 1]).  Every number is finite; sd and sigma are >= 0;
    median, a and b are > 0; low < high.

    Against the range of the parameter it describes (see :class:`Group`): a fixed value
    must lie in it; so must the whole of a uniform or beta range, the mean of a normal and
    the median of a lognormal distribution.  The tails of a normal or lognormal
    distribution may reach beyond the range; the population clips those draws to the
    lower end of the range (:func:`cogsim.population.parameters.draw`), so an engine never gets a
    value it refuses.  A spread so wide that draws could overflow to infinity is refused.
    """

    dist: Literal["fixed", "normal", "lognormal", "uniform", "beta"]
    value: Number(FINITE) | None = None
    mean: Number(FINITE) | None = None
    sd: Number(NON_NEGATIVE) | None = None
    median: Number(POSITIVE) | None = None
    sigma: Number(NON_NEGATIVE) | None = None
    low: Number(FINITE) | None = None
    high: Number(FINITE) | None = None
    a: Number(POSITIVE) | None = None
    b: Number(POSITIVE) | None = None

    @model_validator(mode="after")
    def _needs(self):
        needed = _NEEDS[self.dist]
        allowed = needed + _OPTIONAL.get(self.dist, ())
        missing = [k for k in needed if getattr(self, k) is None]
        if missing:
            _fail(f"a {self.dist} distribution needs {' and '.join(needed)}; "
                  f"missing {' and '.join(missing)}")
        for k in type(self).model_fields:
            if k not in (*allowed, "dist") and getattr(self, k) is not None:
                _fail(f"{k} does not apply to a {self.dist} distribution; expected only "
                      f"{', '.join(allowed)}", k)
        low, high = self.support_range()
        if self.dist in ("uniform", "beta") and not low < high:
            _fail(f"expected low < high, got low={low:g}, high={high:g}", "high")
        if self.dist in ("uniform", "beta") and not math.isfinite(high - low):
            _fail(f"expected a range whose width (high - low) is finite, got low={low:g}, "
                  f"high={high:g}", "high")
        if self.dist == "normal" and not math.isfinite(abs(self.mean) + _TAIL_SDS * self.sd):
            _fail(f"expected an sd small enough that draws stay finite, got {self.sd:g}", "sd")
        if self.dist == "lognormal" and math.log(self.median) + _TAIL_SDS * self.sigma >= _LOG_MAX:
            _fail(f"expected a sigma small enough that draws stay finite (ln(median) + "
                  f"{_TAIL_SDS:g} sigma < {_LOG_MAX:.1f}), got {self.sigma:g}", "sigma")
        return self

    def support_range(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (normal and lognormal: the range
        within :data:`_TAIL_SDS` standard deviations)."""
        if self.dist == "fixed":
            return self.value, self.value
        if self.dist == "normal":
            return self.mean - _TAIL_SDS * self.sd, self.mean + _TAIL_SDS * self.sd
        if self.dist == "lognormal":
            return (self.median * math.exp(-_TAIL_SDS * self.sigma),
                    self.median * math.exp(min(_TAIL_SDS * self.sigma, _LOG_MAX)))
        if self.dist == "uniform":
            return self.low, self.high
        return (0.0 if self.low is None else self.low), (1.0 if self.high is None else self.high)


def _fits(param: float | Dist, rng: Range) -> float | Dist:
    """Check that a distribution suits the range of its parameter (see :class:`Dist`)."""
    if not isinstance(param, Dist):
        return param
    if param.dist in ("fixed", "normal", "lognormal"):
        key = {"fixed": "value", "normal": "mean", "lognormal": "median"}[param.dist]
        if getattr(param, key) not in rng:
            _expect(rng, getattr(param, key), path=key)
        return param
    for key, bound in zip(("low", "high"), param.support_range()):
        if bound not in rng:
            default = " (the default)" if getattr(param, key) is None else ""
            _expect(rng, bound, note=f" (the whole range of a {param.dist} distribution "
                    f"must fit)", path=key, after=default)
    return param


def _param_kind(value: Any) -> str:
    return "distribution" if isinstance(value, (dict, Dist)) else "number"


_TAGS = ("number", "distribution")


def Param(rng: Range) -> Any:
    """A parameter: a number in ``rng`` (every annotator has it) or a :class:`Dist`."""
    return Annotated[Annotated[Number(rng), Tag("number")] | Annotated[Dist, Tag("distribution")],
                     Discriminator(_param_kind), AfterValidator(partial(_fits, rng=rng))]


def sample(param: float | Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw n values of a parameter (a number means every annotator has that value).

    Draws are not clipped here: the population clips them to the parameter's range.
    """
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
    low, high = param.support_range()
    return low + (high - low) * rng.beta(param.a, param.b, n)


def mean(param: float | Dist) -> float:
    """The mean of a parameter's distribution across annotators (a number is its own mean).

    Parameters
    ----------
    param : float or Dist

    Returns
    -------
    float
        fixed: value; normal: mean; lognormal: median exp(sigma^2 / 2); uniform:
        (low + high) / 2; beta: low + (high - low) a / (a + b).
    """
    if not isinstance(param, Dist):
        return float(param)
    if param.dist == "fixed":
        return param.value
    if param.dist == "normal":
        return param.mean
    if param.dist == "lognormal":
        return param.median * np.exp(param.sigma ** 2 / 2)
    if param.dist == "uniform":
        return (param.low + param.high) / 2
    low, high = param.support_range()
    return low + (high - low) * param.a / (param.a + param.b)


def _upper(param: float | Dist) -> float:
    """A value that (almost) every draw of a parameter stays below, for size estimates."""
    if not isinstance(param, Dist):
        return float(param)
    if param.dist == "normal":
        return param.mean + 5 * param.sd
    if param.dist == "lognormal":
        return param.median * math.exp(5 * param.sigma)
    return param.support_range()[1]


# ------------------------------------------------------------------------ groups
class Group(_Strict):
    """A group of annotators sharing a model kind and parameter distributions.

    Ranges (those of the engines, :class:`cogsim.ibl.IBLBatch` and
    :class:`cogsim.actr.ACTRBatch`): share > 0; value weights any finite number;
    value_noise, prior_instances, noise, decay and mismatch_penalty >= 0; temperature
    >= 0.01; scale > 0; and for ACT-R, evaluate_utility and retrieval_threshold any finite
    number, utility_noise, latency_factor and encoding_time >= 0.  A parameter is a number
    or a :class:`Dist`; how a distribution must fit its range is described there.

    Each default here (and in :data:`ACTR_DEFAULTS`) is the parameter's one default on its
    way to the engines: the population draws every parameter from its field and passes it
    to the engine explicitly, under the engine's name
    (:data:`cogsim.population.parameters.ARGUMENTS`, e.g. ``noise`` is ACT-R's
    ``instantaneous_noise``), so an engine's own default never applies to a population.
    """

    name: str = Field(min_length=1)
    share: Number(POSITIVE)
    model: Literal["ibl", "actr", "bradley_terry", "thurstone"] = "ibl"
    values: dict[str, Param(FINITE)] = Field(min_length=1)
    value_noise: Param(NON_NEGATIVE) = 0.3
    prior_instances: Param(NON_NEGATIVE) = 30
    noise: Param(NON_NEGATIVE) = 0.25
    decay: Param(NON_NEGATIVE) = 0.5
    temperature: Param(Range(MINIMUM_TEMPERATURE)) | None = None
    mismatch_penalty: Param(NON_NEGATIVE) = 10.0
    scale: Param(POSITIVE) = 1.0
    # ACT-R annotators only; their defaults are ACTR_DEFAULTS, filled in when model = "actr":
    heuristics: list[str] | None = None
    evaluate_utility: Param(FINITE) | None = None            # initial utility of evaluating
    utility_noise: Param(NON_NEGATIVE) | None = None         # noise in strategy selection
    utility_learning: bool | None = None                     # gold feedback rewards strategies
    retrieval_threshold: Param(FINITE) | None = None
    latency_factor: Param(NON_NEGATIVE) | None = None        # seconds
    encoding_time: Param(NON_NEGATIVE) | None = None         # s: reading both options, responding

    @model_validator(mode="after")
    def _actr_fields(self):
        given = [k for k in ACTR_DEFAULTS if getattr(self, k) is not None]
        if self.model != "actr":
            if given:
                _fail(f"{given[0]} applies only to model = 'actr' "
                      f"(this group's model is {self.model!r})")
            return self
        for k, v in ACTR_DEFAULTS.items():
            if getattr(self, k) is None:
                setattr(self, k, list(v) if isinstance(v, list) else v)
        for i, h in enumerate(self.heuristics):
            kind, _, attr = h.partition(":")
            if not ((kind in ("prefer_first", "prefer_second") and not attr)
                    or (kind in ("prefer_larger", "prefer_smaller") and attr)):
                _fail(f"unknown heuristic {h!r}; expected prefer_first, prefer_second, "
                      f"prefer_larger:<attribute> or prefer_smaller:<attribute>",
                      f"heuristics[{i}]")
        return self


#: Defaults of the ACT-R fields of a group (see :class:`cogsim.actr.ACTRBatch`).
ACTR_DEFAULTS: dict[str, object] = {
    "heuristics": ["prefer_first"], "evaluate_utility": 1.0, "utility_noise": 0.5,
    "utility_learning": False, "retrieval_threshold": -10.0, "latency_factor": 0.2,
    "encoding_time": 2.0}


# ---------------------------------------------------------------- other sections
class Assignment(_Strict):
    """How pairs reach annotators: k annotators per pair, at most ``workload`` each."""

    pairs: Count(Range(1)) = 200
    sampler: Literal["random", "all"] = "random"
    annotators_per_pair: Count(Range(1)) = 3
    workload: Count(Range(1)) | None = None


class PositionBias(_Strict):
    """Annotators choose the option shown first with probability ``p_first`` when their
    judgment alone would be a coin flip: a shortcut taken at rate 2 p_first - 1."""

    p_first: Number(Range(0.5, 1.0))


class Fatigue(_Strict):
    """Lapse rate (a random answer) = min(maximum, base + per_judgment * judgments done)."""

    base: Number(PROBABILITY) = 0.0
    per_judgment: Number(NON_NEGATIVE) = 0.002
    maximum: Number(PROBABILITY) = 0.5


class Feedback(_Strict):
    """After a judgment, with probability ``rate`` the annotator sees the gold value of the
    chosen item and learns from it.  Gold weights default to the share-weighted mean of the
    groups' mean value weights."""

    rate: Number(PROBABILITY)
    gold: dict[str, Number(FINITE)] | None = None


class Social(_Strict):
    """Each step, with probability ``weight`` an annotator stores a random neighbour's latest
    judgment (both items, valued as the neighbour valued them) as its own experience."""

    network: Literal["watts_strogatz", "erdos_renyi", "complete"] = "watts_strogatz"
    degree: Count(Range(1)) = 4
    rewire: Number(PROBABILITY) = 0.1
    weight: Number(PROBABILITY) = 0.5


class Drift(_Strict):
    """Value weights take a Gaussian random-walk step of sd ``sd`` after every step."""

    sd: Number(NON_NEGATIVE)


class Memory(_Strict):
    """How IBL and ACT-R annotators keep their experience (all groups of a population).

    ``optimized_learning``: ``false`` is exact base-level learning, B = ln sum_k (t -
    t_k)^-d over every reference (its cost grows with the references); ``true`` is PyIBL's
    full approximation B = ln(n / (1 - d)) - d ln L (n references over a life L); an
    integer k keeps the k most recent references exact and approximates the older ones,
    as PyIBL 5.2 does.  Both approximations need every decay below 1.

    ``max_instances``: at most this many instances per annotator; learning a new one when
    full forgets the instance whose latest reference is oldest (fewest references on a
    tie).  With optimized learning and a bound, an annotator's memory and the cost of a
    judgment stay flat however long it judges.
    """

    optimized_learning: bool | Count(Range(1)) = False
    max_instances: Count(Range(2)) | None = None


class AttributeScale(_Strict):
    """How an item attribute is put in standard units: z = (x - center) / scale; partial
    matching counts a difference of ``span`` standard units (or more) as wholly unlike."""

    center: Number(FINITE)
    scale: Number(Range(0.0, strict_low=True))
    span: Number(Range(0.0, strict_low=True))


#: Measured memory (peak resident) of ``cogsim generate``: per annotator (Mesa agent and
#: per-annotator arrays, about 0.9 KiB), per prior instance slot of an IBL or ACT-R annotator
#: (about 65 B and 140 B; slots double as they grow), per network link (networkx, about
#: 300 B) and per judgment (engine records about 0.6 KiB, the judgments table and
#: the written outputs about 1.3 KiB more: :data:`cogsim.errors.JUDGMENT_BYTES`).
BYTES_PER_ANNOTATOR = 1024
BYTES_PER_INSTANCE = {"ibl": 130, "actr": 280}
BYTES_PER_LINK = 320


class PopulationSpec(_Strict):
    """A whole population: annotators, assignment and realism effects.

    Group shares must sum to 1 (within 1e-9).  :func:`parse_spec` also refuses a
    population or a number of judgments that cannot fit in memory (:meth:`check_size`).
    """

    name: str = "population"
    description: str = ""
    items: str | None = None
    n_annotators: Count(Range(1)) = 60
    seed: Count(Range(0)) = 0
    experience_rate: Number(PROBABILITY) = 0.0
    groups: list[Group] = Field(min_length=1)
    assignment: Assignment = Assignment()
    position_bias: PositionBias | None = None
    fatigue: Fatigue | None = None
    feedback: Feedback | None = None
    social: Social | None = None
    drift: Drift | None = None
    memory: Memory | None = None
    scaling: dict[str, AttributeScale] | None = None

    @field_validator("groups")
    @classmethod
    def _groups(cls, groups):
        names = [g.name for g in groups]
        if len(set(names)) != len(names):
            _fail(f"group names must be distinct, got {names}")
        total = math.fsum(g.share for g in groups)
        if abs(total - 1.0) > 1e-9:
            shares = " + ".join(f"{g.share:g}" for g in groups)
            _fail(f"expected group shares that sum to 1, got {total:.12g} ({shares})")
        return groups

    @model_validator(mode="after")
    def _optimized_decay(self):
        if self.memory is None or self.memory.optimized_learning is False:
            return self
        for i, g in enumerate(self.groups):
            if g.model in ("ibl", "actr") and _upper(g.decay) >= 1:
                _fail(f"memory.optimized_learning needs a decay below 1 (draws of "
                      f"groups[{i}].decay reach {_upper(g.decay):g}); expected "
                      f"optimized_learning = false or a smaller decay",
                      f"groups[{i}].decay")
        return self

    def check_attributes(self, attributes: list[str], source: str) -> None:
        """Raise SpecError if a group or the gold weights name an attribute items lack."""
        for i, g in enumerate(self.groups):
            for a in g.values:
                if a not in attributes:
                    raise SpecError(f"{source}: field 'groups[{i}].values{_part(a)}': "
                                    f"unknown attribute {a!r}; expected one of {attributes}")
            for k, h in enumerate(g.heuristics or []):
                a = h.partition(":")[2]
                if a and a not in attributes:
                    raise SpecError(f"{source}: field 'groups[{i}].heuristics[{k}]': unknown "
                                    f"attribute {a!r} in {h!r}; expected one of {attributes}")
        for a in self.scaling or {}:
            if a not in attributes:
                raise SpecError(f"{source}: field 'scaling{_part(a)}': unknown attribute "
                                f"{a!r}; expected one of {attributes}")
        missing = [a for a in attributes if self.scaling is not None and a not in self.scaling]
        if missing:
            raise SpecError(f"{source}: field 'scaling': no scale for attribute "
                            f"{missing[0]!r}; expected one for each of {attributes}")
        if self.feedback and self.feedback.gold:
            for a in self.feedback.gold:
                if a not in attributes:
                    raise SpecError(f"{source}: field 'feedback.gold{_part(a)}': unknown "
                                    f"attribute {a!r}; expected one of {attributes}")

    def bytes_per_annotator(self) -> float:
        """Estimated memory per annotator: its arrays and the instance slots of its prior
        experience (the fullest annotator of a model sets the width for all)."""
        total = float(BYTES_PER_ANNOTATOR)
        for kind, per_instance in BYTES_PER_INSTANCE.items():
            groups = [g for g in self.groups if g.model == kind]
            if groups:
                widest = max(max(_upper(g.prior_instances), 0.0) for g in groups)
                total += sum(g.share for g in groups) * widest * per_instance
        return total

    def network_links(self) -> int:
        """Links (both directions) of the social network: n (n - 1) when complete."""
        if self.social is None:
            return 0
        n, degree = self.n_annotators, self.social.degree
        complete = self.social.network == "complete" or n <= degree + 1
        return n * (n - 1 if complete else max(2, degree))

    def check_size(self, source: str = "spec", n_pairs: int | None = None,
                   annotators_per_pair: int | None = None) -> None:
        """Refuse, before anything is allocated, a population or a number of judgments
        that cannot fit in memory (see :func:`cogsim.errors.check_fits`).

        ``n_pairs`` and ``annotators_per_pair`` override the spec's (command-line options);
        with sampler = "all" and no ``n_pairs`` the judgments are not checked here.

        Raises
        ------
        SpecSizeError
            A :class:`SpecError` and a :class:`~cogsim.errors.SizeError`.
        """
        a = self.assignment
        k = a.annotators_per_pair if annotators_per_pair is None else annotators_per_pair
        pairs = n_pairs if n_pairs is not None else a.pairs if a.sampler == "random" else None
        try:
            check_fits(f"{source}: field 'n_annotators'", "annotators", self.n_annotators,
                       self.bytes_per_annotator())
            if self.social is not None:
                check_fits(f"{source}: field 'social' ({self.social.network} network of "
                           f"{self.n_annotators:,} annotators)", "network links",
                           self.network_links(), BYTES_PER_LINK)
            if pairs is not None:
                check_fits(f"{source}: field 'assignment.pairs' ({pairs:,} pairs x {k} "
                           f"annotators per pair)", "judgments", pairs * k, JUDGMENT_BYTES)
        except SizeError as e:
            raise SpecSizeError(str(e)) from None


# ------------------------------------------------------------------ reading
def _part(key: str | int) -> str:
    """One step of a field path: ``[0]``, ``.noise``, or ``['odd name']``."""
    if isinstance(key, int):
        return f"[{key}]"
    return f".{key}" if key.isidentifier() else f"[{key!r}]"


def _field(loc: tuple) -> str:
    """The dotted path of a pydantic error location, e.g. ``groups[1].noise.sd``."""
    loc = list(loc)
    # A parameter's location carries the branch of its union (number or distribution),
    # right after groups[i].<parameter> or groups[i].values.<attribute>: drop it.
    if loc[:1] == ["groups"] and len(loc) > 3:
        at = 4 if loc[2] == "values" else 3
        if len(loc) > at and loc[at] in _TAGS:
            del loc[at]
    return "".join(_part(p) for p in loc if p != "[key]").removeprefix(".")


def _message(err: dict, source: str) -> str:
    ctx = err.get("ctx") or {}
    path = ctx.get("path", "") if err["type"] == "spec" else ""
    field = _field(err["loc"])
    if path:
        field = f"{field}.{path}" if field else path
    field = field or "(top level)"
    if err["type"] == "spec":
        return f"{source}: field {field!r}: {ctx['message']}"
    if err["type"] == "extra_forbidden":
        return f"{source}: field {field!r}: unknown field"
    if err["type"] == "missing":
        return f"{source}: field {field!r}: required field is missing"
    msg = (err["msg"].removeprefix("Value error, ").replace("Input should be", "expected")
           .replace("String should have at least 1 character", "expected a non-empty string"))
    got = err.get("input")
    got = "" if isinstance(got, dict) else f", got {_show(got)}"
    return f"{source}: field {field!r}: {msg}{got}"


def parse_spec(data: dict, source: str = "spec") -> PopulationSpec:
    """Validate a spec given as a dict (as read from TOML).

    Raises
    ------
    SpecError
        Naming ``source``, the field, what was expected and what was found; a
        :class:`SpecSizeError` when the population or its judgments cannot fit in memory.
    """
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a table of spec fields, got {type(data).__name__}")
    try:
        spec = PopulationSpec.model_validate(data)
    except ValidationError as e:
        raise SpecError(_message(e.errors()[0], source)) from None
    spec.check_size(source)
    return spec


def load_spec(path: str | Path) -> PopulationSpec:
    """Read and validate a population spec from a TOML file.

    A relative ``items`` path is relative to the spec's folder; it is returned absolute.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such file; expected a population spec (TOML)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise SpecError(f"{path}: not UTF-8 text (byte {e.start}); expected a TOML file") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: not valid TOML ({e})") from None
    spec = parse_spec(data, str(path))
    if spec.items:
        spec = spec.model_copy(update={"items": os.path.abspath(path.parent / spec.items)})
    return spec


# ------------------------------------------------------------------ writing
def _comment(text: Any) -> str:
    """``text`` as one line fit for a TOML comment (control characters become spaces)."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") and c != "\t" else c
                   for c in str(text))


def spec_to_toml(spec: PopulationSpec, header: dict | None = None,
                 relative_to: Path | None = None) -> str:
    """The fully resolved spec as TOML (defaults filled in, unset sections left out).

    Parameters
    ----------
    spec : PopulationSpec
    header : dict, optional
        Written first, one ``# key: value`` comment line per entry.
    relative_to : Path, optional
        The folder the TOML will be saved in: an absolute ``items`` path is written
        relative to it, so that the spec does not point at its author's disk.

    Returns
    -------
    str
        TOML that :func:`parse_spec` reads back to an equal spec.
    """
    data = spec.model_dump(exclude_none=True)
    data["groups"] = data.pop("groups")                 # the groups last, as people write them
    if relative_to is not None and spec.items and os.path.isabs(spec.items):
        try:
            data["items"] = Path(os.path.relpath(spec.items, relative_to)).as_posix()
        except ValueError:                              # another drive (Windows): keep it
            pass
    lines = [f"# {_comment(k)}: {_comment(v)}\n" for k, v in (header or {}).items()]
    return "".join(lines) + tomli_w.dumps(data)
