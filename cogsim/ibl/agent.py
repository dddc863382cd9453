"""A single IBL agent with PyIBL 5.2's interface, running on the batched engine.

A PyIBL user can switch by changing ``import pyibl`` to ``import cogsim.ibl as pyibl``:
the constructor arguments, ``choose``/``respond``/``populate``/``similarity``/``reset``/
``advance``/``instances`` and the ``details`` structure are PyIBL's.  Choices may be any
hashable values (or mappings/sequences of attribute values); the agent codes them as
numbers for the engine and decodes them on the way out.
"""

from __future__ import annotations

import collections.abc as abc
import csv
import io
import sys
from collections.abc import Callable
from numbers import Real
from typing import Any
from warnings import warn

import numpy as np

from cogsim.ibl.batched import IBLBatch
from cogsim.memory import temperature_parameter

__all__ = ["Agent", "DelayedResponse"]

_DECISION = "_decision"


class _Codebook:
    """Codes the values of one attribute as floats 0, 1, 2, ... (equal values, equal codes)."""

    def __init__(self):
        self.code: dict[Any, int] = {}
        self.values: list[Any] = []

    def encode(self, value, attribute: str) -> float:
        if not isinstance(value, abc.Hashable):
            raise ValueError(f"value {value!r} of attribute {attribute!r} is not hashable")
        c = self.code.get(value)
        if c is None:
            c = self.code[value] = len(self.values)
            self.values.append(value)
        return float(c)


class Agent:
    """An Instance-Based Learning agent (PyIBL 5.2 semantics).

    Parameters
    ----------
    attributes : list of str or str
        Attribute names of a choice; none means choices are plain hashable values.
    name : str, optional
    noise, decay : float
        Activation noise s (default 0.25) and decay d (default 0.5), both >= 0.
    temperature : float or None
        Blending temperature; None means s*sqrt(2), or 1 when that is below 0.01.
    mismatch_penalty : float or None
        mu; None turns partial matching off.
    optimized_learning : bool or int
    default_utility : float, callable or None
        Value of a choice with no experience; a callable is called with the choice.
    default_utility_populates : bool
    fixed_noise : bool
    seed : int or numpy Generator, optional
        Source of the noise and tie-breaking draws.
    """

    _count = 0

    def __init__(self, attributes=(), name: str | None = None, noise: float = 0.25,
                 decay: float = 0.5, temperature: float | None = None,
                 mismatch_penalty: float | None = None, optimized_learning=False,
                 default_utility=None, default_utility_populates: bool = True,
                 fixed_noise: bool = False, seed=None):
        if isinstance(attributes, str):
            attributes = [a for a in attributes.replace(",", " ").split() if a]
        attributes = tuple(attributes)
        for a in attributes:
            if not (isinstance(a, str) and a):
                raise ValueError(f"attributes must be non-empty strings, got {a!r}")
        if len(set(attributes)) != len(attributes):
            raise ValueError(f"attributes must be distinct, got {attributes!r}")
        if name is None:
            Agent._count += 1
            name = f"agent-{Agent._count}"
        elif not (isinstance(name, str) and name):
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        self._name = name
        self._attributes = attributes
        self._names = attributes or (_DECISION,)
        self._codebooks = [_Codebook() for _ in self._names]
        for value, label in ((noise, "noise"), (decay, "decay")):
            if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):
                raise ValueError(f"{label} must be a non-negative number, got {value!r}")
        if mismatch_penalty is False:
            mismatch_penalty = None
        if default_utility is False:
            default_utility = None
        if default_utility is not None and mismatch_penalty is not None:
            warn("Setting a default_utility and using partial matching simultaneously is "
                 "usually ill-advised", stacklevel=2)
        self._default_utility = default_utility
        self._batch = IBLBatch(
            1, self._names, noise=0.0 if noise is None else noise,
            decay=0.0 if decay is None else decay, temperature=temperature,
            mismatch_penalty=mismatch_penalty, optimized_learning=optimized_learning,
            default_utility=self._default_for_batch() if default_utility is not None else None,
            default_utility_populates=default_utility_populates, fixed_noise=fixed_noise,
            seed=seed)
        self._previous_choices = None
        self._pending = None

    def __repr__(self) -> str:
        return f"<Agent {self._name} {id(self)}>"

    def __str__(self) -> str:
        return self._name

    # ------------------------------------------------------------ properties
    @property
    def name(self) -> str:
        return self._name

    @property
    def attributes(self) -> tuple[str, ...]:
        return self._attributes

    @property
    def noise(self) -> float:
        return float(self._batch.noise[0])

    @property
    def decay(self) -> float:
        return float(self._batch.decay[0])

    @property
    def temperature(self) -> float | None:
        """The temperature setting as PyIBL reports it: None while the default applies
        (1 when the noise is too small for one, see `cogsim.memory.temperature_parameter`)."""
        t = self._batch.temperature
        return temperature_parameter(None if t is None else t[0], self.noise)

    @property
    def mismatch_penalty(self) -> float | None:
        m = self._batch.mismatch_penalty
        return None if m is None else float(m[0])

    @property
    def optimized_learning(self):
        k = self._batch.optimized_learning
        return False if k is None else (True if k == 0 else k)

    @property
    def default_utility(self):
        return self._default_utility

    @property
    def fixed_noise(self) -> bool:
        return self._batch.fixed_noise

    @property
    def time(self) -> int:
        return int(self._batch.time[0])

    # ---------------------------------------------------------------- coding
    def _canonical(self, choice) -> dict:
        if self._attributes:
            if isinstance(choice, abc.Mapping):
                unknown = set(choice) - set(self._attributes)
                if unknown:
                    raise ValueError(f"choice {choice!r} names unknown attributes "
                                     f"{sorted(unknown)}; expected {list(self._attributes)}")
                return {a: choice.get(a) for a in self._attributes}
            if isinstance(choice, abc.Sequence) and not isinstance(choice, str):
                if len(choice) != len(self._attributes):
                    raise ValueError(f"choice {choice!r} has {len(choice)} attribute values; "
                                     f"expected {len(self._attributes)} "
                                     f"({', '.join(self._attributes)})")
                return dict(zip(self._attributes, choice))
            raise ValueError(f"choice {choice!r} must be a mapping or a sequence of "
                             f"{len(self._attributes)} attribute values")
        if choice is None or not isinstance(choice, abc.Hashable):
            raise ValueError(f"choice {choice!r} must be a hashable value other than None")
        return {_DECISION: choice}

    def _encode(self, choices) -> tuple[list[dict], np.ndarray]:
        queries = [self._canonical(c) for c in choices]
        keys = [tuple(q.items()) for q in queries]
        if len(set(keys)) != len(keys):
            raise ValueError("choices must not contain duplicates")
        codes = np.array([[book.encode(q[a], a) for a, book in zip(self._names, self._codebooks)]
                          for q in queries], dtype=np.float64).reshape(len(queries),
                                                                       len(self._names))
        return queries, codes

    def _default_for_batch(self) -> Callable:
        def values(option_index, option_codes):
            du = self._default_utility
            if callable(du):
                return [du(self._current_choices[option_index]) for _ in option_codes]
            return [du for _ in option_codes]
        return values

    def _decode(self, codes) -> dict:
        return {a: book.values[int(c)] for a, book, c in zip(self._names, self._codebooks, codes)}

    # -------------------------------------------------------------- decisions
    def choose(self, choices=None, details: bool = False):
        """Return the choice with the highest blended value (and the details if asked).

        ``details`` gives, per choice and sorted by blended value (highest first), a dict
        with ``choice``, ``blended_value`` and ``retrieval_probabilities``: a list of
        ``{"utility", "retrieval_probability"}`` for the instances retrieved.
        """
        if self._pending is not None:
            raise RuntimeError("choose() called before the outcome of the previous choice "
                               "was supplied with respond()")
        choices = list(choices) if choices is not None else []
        if not choices:
            if not self._previous_choices:
                raise ValueError("no choices were supplied and there are no previous ones")
            choices = self._previous_choices
        queries, codes = self._encode(choices)
        self._previous_choices = choices
        self._current_choices = choices
        chosen, info = self._batch.choose(codes, details=True)
        best = int(chosen[0])
        self._pending = (choices, queries)
        if not details:
            return choices[best]
        mem = self._batch.memory
        rows = []
        for o, c in enumerate(choices):
            slots = np.flatnonzero(info["candidates"][o, :, 0])
            rows.append({"choice": c, "blended_value": float(info["blended"][0, o]),
                         "retrieval_probabilities": [
                             {"utility": float(mem.utility[s, 0]),
                              "retrieval_probability": float(info["probabilities"][o, s, 0])}
                             for s in slots]})
        rows.sort(key=lambda r: r["blended_value"], reverse=True)
        return choices[best], rows

    def _choice_index(self, choice) -> np.ndarray | None:
        if choice is None:
            return None
        choices, _ = self._pending
        try:
            return np.array([choices.index(choice)])
        except ValueError:
            raise ValueError(f"choice {choice!r} is not one of the choices offered: "
                             f"{choices!r}") from None

    def respond(self, outcome=None, choice=None):
        """Supply the outcome of the last choice; with no outcome, return a DelayedResponse.

        ``choice`` credits another of the offered choices than the one chosen.
        """
        if self._pending is None:
            raise RuntimeError(f"outcome {outcome!r} supplied when no choice is pending")
        idx = self._choice_index(choice)
        if outcome is not None:
            _check_outcome(outcome)
            self._batch.respond([outcome], choices=idx)
            self._pending = None
            return None
        delayed = self._batch.respond_delayed(choices=idx)
        self._pending = None
        return DelayedResponse(delayed)

    def populate(self, choices, outcome, when: int | None = None) -> None:
        """Store an instance of each choice with this outcome, now or at ``when``."""
        _check_outcome(outcome)
        if when is not None and (isinstance(when, bool) or not isinstance(when, (int, np.integer))):
            raise ValueError(f"when must be an integer time, got {when!r}")
        _, codes = self._encode(list(choices))
        if len(codes):
            self._batch.populate(codes[None], outcome, when=when)

    def similarity(self, attributes=None, function=None, weight=None) -> None:
        """Partial matching on attributes: ``function(x, y)`` in [0, 1], ``weight`` in (0, 1]."""
        if attributes is None:
            names = list(self._names)
        elif isinstance(attributes, str):
            names = [a for a in attributes.replace(",", " ").split() if a]
        else:
            names = list(attributes)
        internal = names
        for a in internal:
            if a not in self._names:
                raise ValueError(f"similarity: unknown attribute {a!r}; expected one of "
                                 f"{list(self._attributes)}")
        if function is None or function is True:
            self._batch.similarity(internal, function, weight)
            return
        if not callable(function):
            raise ValueError(f"similarity function must be callable or True, got {function!r}")
        for a in internal:
            book = self._codebooks[self._names.index(a)]
            self._batch.similarity([a], _decoded(function, book, a), weight)

    def advance(self, increment: int = 1, target: int | None = None) -> int:
        """Move the clock forward by ``increment``, and at least to ``target``."""
        return int(self._batch.advance(increment, target)[0])

    def reset(self, preserve_prepopulated: bool = False) -> None:
        """Forget all experience (keeping instances made at time <= 0 if asked)."""
        if preserve_prepopulated and self._batch.optimized_learning is not None:
            warn("preserve_prepopulated cannot be used with optimized_learning and is ignored",
                 stacklevel=2)
            preserve_prepopulated = False
        self._batch.reset(preserve_prepopulated)
        self._previous_choices = None
        self._pending = None

    def instances(self, file=sys.stdout, pretty: bool = True):
        """The instances in memory: printed as a table, written to a file, or returned.

        With ``file=None`` returns a list of dicts with the attribute values (or
        ``decision``), ``outcome``, ``created`` and ``occurrences``.
        """
        mem = self._batch.memory
        result = []
        for s in np.flatnonzero(mem.valid[:mem.size[0], 0]):
            values = self._decode(mem.attributes[s, :, 0])
            row = dict(values) if self._attributes else {"decision": values[_DECISION]}
            row["outcome"] = float(mem.utility[s, 0])
            row["created"] = int(mem.created[s, 0])
            row["occurrences"] = mem.references(0, int(s))
            result.append(row)
        if file is None:
            return result
        if isinstance(file, io.TextIOBase) or hasattr(file, "write"):
            _print_rows(result, pretty, file)
        else:
            with open(file, "w", newline="") as f:
                _print_rows(result, pretty, f)
        return None


class DelayedResponse:
    """An outcome learned as its expectation, to be replaced later with :meth:`update`."""

    def __init__(self, delayed):
        self._delayed = delayed

    @property
    def is_resolved(self) -> bool:
        return bool(self._delayed.resolved[0])

    @property
    def expectation(self) -> float:
        return float(self._delayed.expectation[0])

    @property
    def outcome(self) -> float:
        return float(self._delayed.outcome[0])

    def update(self, outcome) -> float:
        """Replace the stored outcome with the real one; returns the previous value."""
        _check_outcome(outcome)
        return float(self._delayed.update([outcome])[0])


def _check_outcome(outcome) -> None:
    if isinstance(outcome, bool) or not isinstance(outcome, Real) or not np.isfinite(outcome):
        raise ValueError(f"outcome must be a finite real number, got {outcome!r}")


def _decoded(function: Callable, book: _Codebook, attribute: str) -> Callable:
    """Vectorized similarity on codes: calls ``function`` once per distinct pair of values."""
    cache: dict[tuple[int, int], float] = {}

    def on_codes(x, y):
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64))
        out = np.empty(x.shape)
        for idx in np.ndindex(x.shape):
            key = (int(x[idx]), int(y[idx]))
            v = cache.get(key)
            if v is None:
                v = float(function(book.values[key[0]], book.values[key[1]]))
                if not 0 <= v <= 1:
                    raise ValueError(f"similarity of attribute {attribute!r} must be in "
                                     f"[0, 1], the function returned {v} for "
                                     f"{book.values[key[0]]!r}, {book.values[key[1]]!r}")
                cache[key] = cache[key[::-1]] = v
            out[idx] = v
        return out

    return on_codes


def _print_rows(rows: list[dict], pretty: bool, file) -> None:
    if not rows:
        return
    header = list(rows[0].keys())
    if not pretty:
        w = csv.DictWriter(file, header)
        w.writeheader()
        w.writerows(rows)
        return
    cells = [[str(r[h]) for h in header] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(line, file=file)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |", file=file)
    print(line, file=file)
    for c in cells:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths)) + " |", file=file)
    print(line, file=file, flush=True)
