"""Saving and loading an oracle's full state: a folder of NumPy and Parquet files and a JSON
manifest (no pickle: a state folder from someone else is safe to load).

Format ``cogsim-oracle-state``, version 1::

    state/
      manifest.json          format, version, cogsim version, the resolved spec (TOML),
                             seed, counters of the open step, SHA-256 of every file
      arrays.npz             every array of the population's state, named "<part>/<name>"
                             (memories, clocks, parameters, value weights, judgment counts,
                             latest judgments, keyed random-stream counters, the open step)
      reference_items.parquet  the reference item set the population was built on
      items.parquet          every item the oracle knows, in code order (id, attributes)

Loading rebuilds the population from the spec, the seed and the reference items (which
redraws the same parameters and prior experiences), registers the other items, then
overwrites every state array with the saved one: the loaded oracle continues exactly as the
saved one would have.  A folder of another format version, or whose files do not match
their checksums, is refused with a ValueError.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim import __version__
from cogsim.errors import InputError
from cogsim.outputs import output_folder, sha256_file
from cogsim.spec import SpecError, parse_spec, spec_to_toml

__all__ = ["FORMAT", "FORMAT_VERSION", "load_state", "save_state"]

FORMAT = "cogsim-oracle-state"
FORMAT_VERSION = 1
FILES = ("arrays.npz", "reference_items.parquet", "items.parquet")
#: Working buffers, not state.
_SKIP = {"_buffer"}


def _parts(oracle) -> dict[str, object]:
    """The objects whose array attributes make up the state, by part name."""
    pop = oracle.population
    parts = {"population": pop, "last": pop.last, "draws": pop.draws,
             "effect_draws": pop.effect_draws, "assign": oracle._assign, "oracle": oracle}
    if pop.ibl is not None:
        parts |= {"ibl": pop.ibl, "ibl.memory": pop.ibl.memory, "ibl.rng": pop.ibl.rng}
    if pop.actr is not None:
        dm = pop.actr.declarative
        parts |= {"actr": pop.actr, "actr.declarative": dm, "actr.memory": dm.memory,
                  "actr.rng": pop.actr.rng}
    return parts


def _arrays(obj) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(obj).items()
            if isinstance(v, np.ndarray) and v.dtype != object and k not in _SKIP}


def _scalars(oracle) -> dict[str, int]:
    pop = oracle.population
    return {"judging_step": pop.judging_step, "step_judgments": pop.step_judgments,
            "step_lapses": pop.step_lapses, "pairs_seen": oracle.pairs_seen,
            "step_open": oracle._order is not None}


def save_state(oracle, path: Path, *, overwrite: bool = False) -> Path:
    """Write the oracle's state into folder ``path`` atomically (nothing half-written; an
    existing folder is refused unless ``overwrite``, which replaces only the files a
    previous save wrote)."""
    pop = oracle.population
    if pop.ibl is not None and pop.ibl.pending_options is not None:
        raise RuntimeError("a decision is pending; save between judge() calls")
    arrays = {f"{part}/{name}": value for part, obj in _parts(oracle).items()
              for name, value in _arrays(obj).items()}
    registry = pop.registry
    items = pd.DataFrame(registry.raw, columns=registry.attributes)
    items.insert(0, "item_id", pd.Series(registry.ids, dtype=str))
    for column, known in (("prompt", registry.prompts), ("text", registry.texts)):
        if known:
            items[column] = pd.Series([known.get(c) for c in range(len(registry))],
                                      dtype=object)
    if registry.payoffs is not None:
        arrays["registry/payoff_outcomes"] = registry.payoffs.outcomes
        arrays["registry/payoff_cumulative"] = registry.payoffs.cumulative
    with output_folder(path, overwrite=overwrite) as tmp:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        (tmp / "arrays.npz").write_bytes(buffer.getvalue())
        pop.items.to_parquet(tmp / "reference_items.parquet", index=False)
        items.to_parquet(tmp / "items.parquet", index=False)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "cogsim_version": __version__,
            "seed": oracle.seed, "spec": spec_to_toml(oracle.spec),
            "n_reference_items": pop.n_reference, "n_items": len(registry),
            "scalars": _scalars(oracle),
            "files": {f: sha256_file(tmp / f) for f in FILES}}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
    return path


def _refuse(path: Path, problem: str) -> None:
    raise InputError(f"{path}: {problem}")


def _manifest(path: Path) -> dict:
    file = path / "manifest.json"
    if not file.is_file():
        _refuse(path, "no manifest.json; expected a folder written by Oracle.save()")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        _refuse(path, f"manifest.json is not valid JSON ({e}); the folder was changed after "
                      f"it was saved")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        _refuse(path, f"manifest.json: format {manifest.get('format')!r}; expected {FORMAT!r}"
                if isinstance(manifest, dict) else "manifest.json: expected a JSON object")
    if manifest.get("format_version") != FORMAT_VERSION:
        _refuse(path, f"manifest.json: format version {manifest.get('format_version')!r} "
                      f"(written by cogsim {manifest.get('cogsim_version')}); this cogsim "
                      f"reads version {FORMAT_VERSION}")
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(FILES):
        _refuse(path, f"manifest.json: files {sorted(files) if isinstance(files, dict) else files}"
                      f"; expected checksums of {list(FILES)}")
    for name in FILES:
        if not (path / name).is_file():
            _refuse(path, f"{name} is missing")
        if sha256_file(path / name) != files[name]:
            _refuse(path, f"{name} does not match its checksum in manifest.json; the state "
                          f"was changed after it was saved")
    return manifest


def load_state(cls, path: Path):
    """Rebuild an oracle from a folder written by :func:`save_state`."""
    import tomllib

    if not path.is_dir():
        _refuse(path, "no such folder; expected a state folder written by Oracle.save()")
    manifest = _manifest(path)
    try:
        spec = parse_spec(tomllib.loads(manifest["spec"]), f"{path}/manifest.json")
        seed = int(manifest["seed"])
        scalars = manifest["scalars"]
        n_reference = int(manifest["n_reference_items"])
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError, SpecError) as e:
        _refuse(path, f"manifest.json: {e}")
    reference = pd.read_parquet(path / "reference_items.parquet")
    items = pd.read_parquet(path / "items.parquet")
    oracle = cls(spec, reference, seed=seed)
    pop = oracle.population
    if pop.n_reference != n_reference or len(items) < n_reference:
        _refuse(path, "the reference items do not match the manifest")
    registry = pop.registry
    if len(items) > n_reference:
        registry.add_checked(items.iloc[n_reference:].reset_index(drop=True))
    if list(registry.ids) != items["item_id"].astype(str).tolist():
        _refuse(path, "items.parquet does not list the items in the order they were seen")
    with np.load(path / "arrays.npz", allow_pickle=False) as data:
        saved = {name: data[name] for name in data.files}
    if "registry/payoff_outcomes" in saved:
        from cogsim.payoffs import PayoffTable

        registry.payoffs = PayoffTable(saved.pop("registry/payoff_outcomes"),
                                       saved.pop("registry/payoff_cumulative"))
    for part, obj in _parts(oracle).items():
        for name in _arrays(obj):
            if f"{part}/{name}" not in saved:
                _refuse(path, f"arrays.npz has no {part}/{name}; the state is from another "
                              f"version")
        for key in [k for k in saved if k.partition("/")[0] == part]:
            name = key.partition("/")[2]
            current = getattr(obj, name, None)
            value = saved.pop(key)
            if not hasattr(obj, name) or (current is not None and (
                    not isinstance(current, np.ndarray) or value.dtype != current.dtype
                    or value.ndim != current.ndim)):
                _refuse(path, f"arrays.npz: {key} is {value.dtype}{value.shape}, which does "
                              f"not fit this version's state")
            setattr(obj, name, value.copy())
    if saved:
        _refuse(path, f"arrays.npz holds {sorted(saved)[0]!r}, which this version does not "
                      f"know")
    pop.judging_step = int(scalars["judging_step"])
    pop.step_judgments = int(scalars["step_judgments"])
    pop.step_lapses = int(scalars["step_lapses"])
    oracle.pairs_seen = int(scalars["pairs_seen"])
    if not scalars["step_open"]:
        oracle._order = None
    return oracle
