"""Reading a sweep spec and planning its runs (the format: :mod:`cogsim.sweep`).

Every check that does not need a run happens here, before any run starts, and fails with a
:class:`~cogsim.errors.SpecError` naming the sweep file and the field, e.g.
``sweep.toml: field 'grid."assignment.nope"': unknown parameter path: the population spec's
[assignment] has no field 'nope' (it has pairs, sampler, annotators_per_pair, workload)``.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cogsim.errors import SpecError
from cogsim.sweep.paths import load_function, resolve_path, set_path, split_path

__all__ = ["GENERATE_MEASURES", "RunPlan", "Sweep", "load_sweep"]

#: The scalar measures of a generate run (its summary, :func:`cogsim.generate.summarize`).
GENERATE_MEASURES = ("n_judgments", "n_pairs", "n_annotators", "n_items",
                     "inter_annotator_agreement", "position_bias_rate", "lapse_rate",
                     "prefer_longer", "prefer_lists", "kendall_tau_vs_true_values",
                     "kendall_tau_vs_gold_values")
MAX_SEED = 2**63 - 1
VARIANT = "variant"
Scalar = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Workload(_Strict):
    kind: Literal["generate", "analysis"] = "generate"
    items: str | None = None
    pairs: int | None = Field(None, ge=1)
    annotators_per_pair: int | None = Field(None, ge=1)
    keep_judgments: bool = False
    function: str | None = None
    options: dict[str, Any] = {}


class Draw(_Strict):
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    choices: list[Scalar] | None = Field(None, min_length=1)


class Random(_Strict):
    draws: int = Field(ge=1)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    parameters: dict[str, Draw] = Field(min_length=1)


class Plot(_Strict):
    x: str
    y: str


class SweepModel(_Strict):
    name: str = Field("sweep", min_length=1)
    description: str = ""
    population: str | dict[str, Any] | None = None
    seeds: list[int] | dict[str, int] = [0]
    measures: list[str] | None = Field(None, min_length=1)
    plots: Literal["auto", "none"] | list[Plot] = "auto"
    workload: Workload = Workload()
    variants: dict[str, dict[str, Any]] | None = Field(None, min_length=1)
    grid: dict[str, list[Any]] = {}
    random: Random | None = None


@dataclass
class RunPlan:
    """One run: what a worker needs (picklable), and the id it is filed under."""

    run_id: str
    index: int
    seed: int
    parameters: dict[str, Any]
    population: dict[str, Any]
    workload: dict[str, Any]
    options: dict[str, Any]
    items: str | None
    function: str | None
    measures: list[str] | None
    out: str = ""                         # DIR/runs, set when the sweep runs


@dataclass
class Sweep:
    """A checked sweep spec and its runs, in plan order."""

    path: Path
    name: str
    runs: list[RunPlan]
    varied: list[str]
    measures: list[str] | None
    plots: list[tuple[str, str]] | None       # None: every measure vs every varied parameter
    raw: dict = field(repr=False, default_factory=dict)


def _field_name(loc: tuple) -> str:
    loc = list(loc)
    if len(loc) > 1 and loc[0] in ("seeds", "population", "plots", "variants"):
        del loc[1]                           # the branch of a union ("list[int]", ...)
    parts = []
    for p in loc:
        parts.append(f"[{p}]" if isinstance(p, int) else
                     (f".{p}" if str(p).isidentifier() else f'."{p}"'))
    return "".join(parts).lstrip(".")


def _pydantic_message(e: ValidationError, source: str) -> str:
    err = e.errors()[0]
    where = _field_name(err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{source}: field {where!r}: unknown field"
    if err["type"] == "missing":
        return f"{source}: field {where!r}: required field is missing"
    got = err.get("input")
    shown = "" if isinstance(got, dict) else f", got {got!r}"
    msg = err["msg"].replace("Input should be", "expected")
    return f"{source}: field {where!r}: {msg}{shown}"


def _seeds(raw: list[int] | dict[str, int], source: str) -> list[int]:
    if isinstance(raw, dict):
        unknown = set(raw) - {"count", "start"}
        if unknown or "count" not in raw:
            raise SpecError(f"{source}: field 'seeds': expected a list of whole numbers or "
                            f"{{ count = N, start = S }}, got {raw!r}")
        count, start = raw["count"], raw.get("start", 0)
        if not (isinstance(count, int) and count >= 1 and isinstance(start, int)
                and 0 <= start and start + count - 1 <= MAX_SEED):
            raise SpecError(f"{source}: field 'seeds': expected count >= 1 and 0 <= start, "
                            f"start + count - 1 <= 2**63 - 1, got {raw!r}")
        return list(range(start, start + count))
    if not raw:
        raise SpecError(f"{source}: field 'seeds': expected at least one seed, got []")
    bad = [s for s in raw if not 0 <= s <= MAX_SEED]
    if bad:
        raise SpecError(f"{source}: field 'seeds': expected whole numbers from 0 to "
                        f"2**63 - 1, got {bad[0]}")
    if len(set(raw)) < len(raw):
        dup = next(s for s in raw if raw.count(s) > 1)
        raise SpecError(f"{source}: field 'seeds': expected distinct seeds, {dup} is repeated")
    return list(raw)


def _draws(random: Random, source: str) -> list[dict[str, Any]]:
    rng = np.random.default_rng(random.seed)
    for path, d in random.parameters.items():
        field_ = f'random.parameters."{path}"'
        if d.choices is None and (d.low is None or d.high is None or not
                                  (math.isfinite(d.low) and math.isfinite(d.high)
                                   and d.low <= d.high) or (d.log and d.low <= 0)):
            raise SpecError(f"{source}: field {field_!r}: expected {{ low, high }} with "
                            f"finite low <= high (low > 0 with log = true), or {{ choices = "
                            f"[...] }}, got {d.model_dump(exclude_defaults=True)}")
    points = []
    for _ in range(random.draws):
        point = {}
        for path, d in random.parameters.items():
            if d.choices is not None:
                point[path] = d.choices[int(rng.integers(len(d.choices)))]
            elif d.log:
                point[path] = float(math.exp(rng.uniform(math.log(d.low), math.log(d.high))))
            else:
                point[path] = float(rng.uniform(d.low, d.high))
            if d.integer and d.choices is None:
                point[path] = int(round(point[path]))
        points.append(point)
    return points


def _file_digest(path: str | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _run_hash(population: dict, workload: dict, options: dict, seed: int) -> str:
    """A short hash of everything that determines a run; the item table enters by its
    content (``workload["items"]`` is its digest), not by where it lies on disk."""
    population = {k: v for k, v in population.items() if k != "items"}
    blob = json.dumps({"population": population, "workload": workload, "options": options,
                       "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


# -------------------------------------------------------------------------------- loading
def _base_population(model: SweepModel, path: Path) -> dict:
    from cogsim.spec import load_spec, parse_spec

    if isinstance(model.population, dict):
        spec = parse_spec(model.population, f"{path}, field 'population'")
    else:
        ref = (path.parent / model.population if model.population is not None
               else Path(__file__).parents[1] / "data" / "default_population.toml")
        if not ref.is_file():
            raise SpecError(f"{path}: field 'population': no such file {str(ref)!r}; expected "
                            f"a population spec (TOML) or an inline table")
        spec = load_spec(ref)
    return spec.model_dump(exclude_none=True)


def load_sweep(path: str | Path) -> Sweep:
    """Read, check and plan a sweep spec; raises SpecError naming the file and field."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such file; expected a sweep spec (TOML)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SpecError(f"{path}: not a valid TOML file ({e})") from None
    source = str(path)
    try:
        model = SweepModel.model_validate(raw)
    except ValidationError as e:
        raise SpecError(_pydantic_message(e, source)) from None
    seeds = _seeds(model.seeds, source)
    base = _base_population(model, path)
    work = model.workload
    analysis = work.kind == "analysis"
    if analysis and not work.function:
        raise SpecError(f"{source}: field 'workload.function': required for kind = "
                        f"\"analysis\" ('file.py:function' or 'module:function')")
    if analysis:
        try:
            load_function(work.function, path.parent)
        except Exception as e:
            raise SpecError(f"{source}: field 'workload.function': cannot load "
                            f"{work.function!r}: {e}") from None
    items = None
    if work.items is not None:
        items = str((path.parent / work.items).resolve())
        if not Path(items).is_file():
            raise SpecError(f"{source}: field 'workload.items': no such file {items!r}")
    elif base.get("items"):
        items = base["items"]
    if work.pairs is not None:
        base.setdefault("assignment", {})["pairs"] = work.pairs
    if work.annotators_per_pair is not None:
        base.setdefault("assignment", {})["annotators_per_pair"] = work.annotators_per_pair
    if model.measures is not None and not analysis:
        unknown = [m for m in model.measures if m not in GENERATE_MEASURES]
        if unknown:
            raise SpecError(f"{source}: field 'measures': unknown measure {unknown[0]!r}; "
                            f"expected some of {', '.join(GENERATE_MEASURES)}")

    def resolve(p: str, field_: str) -> list[str | int]:
        try:
            tokens = split_path(p)
            if tokens[0] == "options":
                if not analysis or len(tokens) < 2:
                    raise ValueError("options.<name> paths need an analysis workload"
                                     if not analysis else "expected options.<name>")
                return tokens
            return resolve_path(tokens, base)
        except ValueError as e:
            raise SpecError(f"{source}: field {field_!r}: unknown parameter path {p!r}: "
                            f"{e}") from None

    variants: list[tuple[str | None, list[tuple[list, Any]]]] = [(None, [])]
    if model.variants is not None:
        variants = [(name, [(resolve(p, f'variants.{name}."{p}"'), v)
                            for p, v in patch.items()])
                    for name, patch in model.variants.items()]
    grid_paths = {}
    for p, values in model.grid.items():
        if not values:
            raise SpecError(f"{source}: field 'grid.\"{p}\"': expected a non-empty list of "
                            f"values, got []")
        grid_paths[p] = resolve(p, f'grid."{p}"')
    draws = [{}]
    random_paths = {}
    if model.random is not None:
        random_paths = {p: resolve(p, f'random.parameters."{p}"')
                        for p in model.random.parameters}
        draws = _draws(model.random, source)
    varied = ([VARIANT] if model.variants is not None else []) + list(grid_paths) + [
        p for p in random_paths if p not in grid_paths]
    if not varied and len(seeds) < 2:
        raise SpecError(f"{source}: field 'grid': nothing varies; expected [grid], [variants] "
                        f"or [random] parameters, or several seeds")
    measures = list(model.measures) if model.measures is not None else None
    plots = None
    if model.plots == "none":
        plots = []
    elif model.plots != "auto":
        plots = []
        for i, plot in enumerate(model.plots):
            if plot.x not in varied:
                raise SpecError(f"{source}: field 'plots[{i}].x': expected a varied "
                                f"parameter ({', '.join(varied)}), got {plot.x!r}")
            if measures is not None and plot.y not in measures:
                raise SpecError(f"{source}: field 'plots[{i}].y': expected one of the "
                                f"measures ({', '.join(measures)}), got {plot.y!r}")
            plots.append((plot.x, plot.y))
    workload = {"kind": work.kind, "keep_judgments": work.keep_judgments}
    runs, items_digest = [], _file_digest(items)
    combos = list(itertools.product(variants, itertools.product(*model.grid.values()), draws))
    for point, ((vname, patch), values, draw) in enumerate(combos):
        population = copy.deepcopy(base)
        options = copy.deepcopy(work.options)
        params: dict[str, Any] = {} if vname is None else {VARIANT: vname}
        settings = [*patch, *zip(grid_paths.values(), values),
                    *((random_paths[p], v) for p, v in draw.items())]
        params.update(zip(grid_paths, values))
        params.update(draw)
        for tokens, value in settings:
            try:
                if tokens[0] == "options":
                    set_path(options, tokens[1:], value)
                else:
                    set_path(population, tokens, value)
            except (ValueError, TypeError, KeyError, IndexError) as e:
                raise SpecError(f"{source}: field 'grid': cannot set "
                                f"{'.'.join(map(str, tokens))!r}: {e}") from None
        for seed in seeds:
            resolved = {**population, "seed": seed}
            digest = _run_hash(resolved, {**workload, "items": items_digest,
                                          "function": work.function}, options, seed)
            runs.append(RunPlan(run_id=f"p{point:04d}-s{seed}-{digest}", index=len(runs),
                                seed=seed, parameters=dict(params), population=resolved,
                                workload=workload, options=options, items=items,
                                function=(str(path.parent.resolve()) + "|" + work.function)
                                if analysis else None, measures=measures))
    return Sweep(path=path, name=model.name, runs=runs, varied=varied, measures=measures,
                 plots=plots, raw=raw)
