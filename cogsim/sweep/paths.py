"""Parameter paths of a sweep, and the analysis functions it names.

A parameter path is a dotted path into a population spec: ``assignment.pairs``,
``groups[0].noise``, ``groups.<name>.values.helpfulness``, ``fatigue.base``.
:func:`resolve_path` checks it against the spec's schema (the pydantic models of
:mod:`cogsim.spec`) and the base spec's groups, before any run; :func:`set_path` sets a value.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

__all__ = ["load_function", "resolve_path", "set_path", "split_path"]

_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def split_path(path: str) -> list[str | int]:
    """``"groups[0].values.helpfulness"`` -> ``["groups", 0, "values", "helpfulness"]``."""
    tokens: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read the path {path!r} at character {pos + 1}")
        tokens.append(int(m.group(1)) if m.group(1) is not None else m.group(2))
        pos = m.end()
    if not tokens or isinstance(tokens[0], int):
        raise ValueError(f"expected a dotted path such as 'assignment.pairs', got {path!r}")
    return tokens


def _models(annotation: Any) -> tuple[list[type[BaseModel]], Any, Any]:
    """The pydantic models, the list item type and the dict value type that a field's
    annotation allows (through Optional, Annotated and unions)."""
    models, item, value = [], None, None
    stack = [annotation]
    while stack:
        a = stack.pop()
        origin = typing.get_origin(a)
        if origin is typing.Annotated:
            stack.append(typing.get_args(a)[0])
        elif origin in (typing.Union, types.UnionType):
            stack.extend(typing.get_args(a))
        elif origin is list:
            item = typing.get_args(a)[0]
        elif origin is dict:
            value = typing.get_args(a)[1]
        elif isinstance(a, type) and issubclass(a, BaseModel):
            models.append(a)
    return models, item, value


def resolve_path(tokens: list[str | int], population: dict) -> list[str | int]:
    """Check a path against the population spec's schema (and its groups); return it with
    group names replaced by indices.  Raises ValueError saying what is wrong."""
    from cogsim.spec import PopulationSpec

    models: list[type[BaseModel]] = [PopulationSpec]
    item = value = None
    node: Any = population
    out: list[str | int] = []
    for depth, token in enumerate(tokens):
        where = "".join(f"[{t}]" if isinstance(t, int) else f".{t}"
                        for t in out).lstrip(".") or "the population spec"
        if item is not None:                                # a list: an index or a name
            rows = node if isinstance(node, list) else []
            if isinstance(token, str):
                names = [r.get("name") for r in rows if isinstance(r, dict)]
                if token not in names:
                    raise ValueError(f"{where} has no entry named {token!r} "
                                     f"(names: {', '.join(map(str, names)) or 'none'})")
                token = names.index(token)
            elif token >= len(rows):
                raise ValueError(f"{where} has {len(rows)} entries; no index {token}")
            models, item, value = _models(item)
            node = rows[token]
        elif isinstance(token, int):
            raise ValueError(f"{where} is not a list; no index [{token}]")
        elif value is not None:                             # a dict: any key
            node = node.get(token) if isinstance(node, dict) else None
            models, item, value = _models(value)
        else:
            owner = next((m for m in models if token in m.model_fields), None)
            if owner is None:
                fields = sorted({f for m in models for f in m.model_fields})
                if not fields:
                    raise ValueError(f"{where} is a single value; nothing inside it")
                raise ValueError(f"{where} has no field {token!r} "
                                 f"(it has {', '.join(fields)})")
            node = node.get(token) if isinstance(node, dict) else None
            models, item, value = _models(owner.model_fields[token].annotation)
        out.append(token)
        if depth == len(tokens) - 1:
            break
    return out


def set_path(data: dict, tokens: list[str | int], value: Any) -> None:
    """Set ``value`` at a resolved path in ``data`` (in place), creating missing tables."""
    node: Any = data
    for token, nxt in zip(tokens, tokens[1:]):
        if isinstance(node, dict) and not isinstance(node.get(token), (dict, list)):
            node[token] = {}
        node = node[token]
        if isinstance(nxt, str) and not isinstance(node, dict):
            raise ValueError(f"cannot set {nxt!r} inside a single value")
    node[tokens[-1]] = copy.deepcopy(value)


def load_function(ref: str, base: Path):
    """The function named by ``"file.py:name"`` (relative to ``base``) or ``"module:name"``."""
    module_name, _, name = ref.partition(":")
    if not module_name or not name:
        raise ValueError(f"expected 'file.py:function' or 'module:function', got {ref!r}")
    if module_name.endswith(".py"):
        path = (base / module_name).resolve()
        if not path.is_file():
            raise ValueError(f"no such file {str(path)!r}")
        key = "cogsim_analysis_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
        module = sys.modules.get(key)
        if module is None:
            spec = importlib.util.spec_from_file_location(key, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[key] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[key]
                raise
    else:
        module = importlib.import_module(module_name)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise ValueError(f"{module_name} has no function {name!r}")
    return fn
