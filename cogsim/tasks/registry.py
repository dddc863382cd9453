"""The items a population knows, as they arrive: ids, attributes in fixed standard units,
and the similarity of any two of them computed from their attributes.

A population never needs its items in advance.  Each item gets a code (0, 1, ...) in
the order it is first seen; its attribute values are kept in standard units
z = (x - center) / scale with a scaling fixed once (by the spec's ``scaling`` section, or
fitted on the population's reference item set, :meth:`AttributeScaling.fit`) — never
re-fitted to whichever items happen to be present.  The similarity of items i and j is

    sim(i, j) = 1 - (1/A) sum_a min(1, |z_ia - z_ja| / span_a)

over the A attributes (bounded linear similarity per attribute, a difference of ``span``
standard units or more counting as wholly unlike), computed on the codes' attributes
when the engine asks: no table over pairs of all items, so memory grows with the number of
items, not its square (8 bytes per attribute per item, plus the id).  The similarities among
the first :data:`_CACHED` items are kept once computed (at most 8 MiB): a query about known
items, the common case of an on-demand oracle, then looks them up in one gather.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cogsim.errors import ItemError
from cogsim.memory import instance_sum
from cogsim.payoffs import PayoffTable, payoff_table
from cogsim.tasks.items import GAMBLE_COLUMNS, TEXT_COLUMNS

__all__ = ["AttributeScaling", "ItemRegistry"]

#: Up to this many attribute differences, similarity is computed in one block.
_BLOCK = 2 ** 16
#: From this many similarities on, those of the distinct items are computed once (a table).
_TABLE_FROM = 64
#: The similarities among the first this many items are kept once computed (8 bytes a pair).
_CACHED = 1024


@dataclass(frozen=True)
class AttributeScaling:
    """Standard units of item attributes: z = (x - center) / scale, and the ``span`` (in
    standard units) over which partial matching falls from 1 to 0."""

    attributes: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray
    span: np.ndarray

    @classmethod
    def fit(cls, items: pd.DataFrame, attributes: list[str]) -> AttributeScaling:
        """Mean and standard deviation of each attribute over ``items``, and its range in
        standard units (an attribute with no spread gets scale 1 and span 1)."""
        raw = items[list(attributes)].to_numpy(dtype=float)
        sd = raw.std(axis=0)
        scale = np.where(sd > 0, sd, 1.0)
        span = (raw.max(axis=0) - raw.min(axis=0)) / scale
        return cls(tuple(attributes), raw.mean(axis=0), scale, np.where(span > 0, span, 1.0))

    @classmethod
    def from_spec(cls, scaling: dict, attributes: list[str]) -> AttributeScaling:
        """From a spec's ``scaling`` section (``{attribute: AttributeScale}``)."""
        rows = [scaling[a] for a in attributes]
        return cls(tuple(attributes), np.array([r.center for r in rows]),
                   np.array([r.scale for r in rows]), np.array([r.span for r in rows]))

    def to_spec(self) -> dict[str, dict[str, float]]:
        """The spec's ``scaling`` section: ``{attribute: {center, scale, span}}``."""
        return {a: {"center": float(c), "scale": float(s), "span": float(w)}
                for a, c, s, w in zip(self.attributes, self.center, self.scale, self.span)}

    def standardize(self, raw: np.ndarray) -> np.ndarray:
        """Attribute values (n, A) in standard units."""
        return (raw - self.center) / self.scale


class ItemRegistry:
    """Items known so far: codes, ids, raw attributes and standard units.

    Parameters
    ----------
    scaling : AttributeScaling
        Fixed standard units; its attributes are the items' attributes, in order.
    """

    def __init__(self, scaling: AttributeScaling):
        self.scaling = scaling
        self.attributes = list(scaling.attributes)
        a = len(self.attributes)
        self.index: dict[str, int] = {}
        self._n = 0
        self._ids = np.empty(16, dtype=object)
        self._raw = np.empty((16, a))
        self._z = np.empty((16, a))
        # z / span, what partial matching compares: one row per attribute (a gather per
        # attribute reads one contiguous row; see _similarity).
        self._matched = np.empty((a, 16))
        self.payoffs: PayoffTable | None = None
        self.prompts: dict[int, str] = {}
        self.texts: dict[int, str] = {}
        # sim among codes < _cached_n, filled as items arrive (a cache: not state).
        self._cache = np.empty((0, 0))
        self._cached_n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def ids(self) -> np.ndarray:
        """Item id of every code, (n items,) of str objects (a view)."""
        return self._ids[:self._n]

    @property
    def raw(self) -> np.ndarray:
        """Raw attribute values of every item, (n items, A)."""
        return self._raw[:len(self)]

    @property
    def z(self) -> np.ndarray:
        """Attribute values in standard units, (n items, A)."""
        return self._z[:len(self)]

    # ------------------------------------------------------------------ adding
    def check(self, items: pd.DataFrame, source: str = "items") -> pd.DataFrame:
        """Check an item table against the registry: every attribute present, no other
        numeric column, finite values, ids (given or derived) consistent with known
        items.  Returns the table with ``item_id`` as strings; changes nothing.

        Raises
        ------
        ItemError
            A ValueError naming the source, row and column of the first problem.
        """
        return self.check_with_values(items, source)[0]

    def check_with_values(self, items: pd.DataFrame, source: str = "items"
                          ) -> tuple[pd.DataFrame, np.ndarray]:
        """:meth:`check`, also returning the attribute values (n, A) it read, for
        :meth:`add_checked`."""
        if not isinstance(items, pd.DataFrame):
            raise ItemError(f"{source}: expected a table of items (pandas DataFrame or a "
                            f"list of attribute mappings), got {type(items).__name__}")
        if len(items) == 0:
            raise ItemError(f"{source}: no items; expected at least one")
        missing = [a for a in self.attributes if a not in items.columns]
        if missing:
            raise ItemError(f"{source}: missing attribute {missing[0]!r}; expected "
                            f"attributes {self.attributes}")
        known = set(self.attributes) | set(TEXT_COLUMNS) | set(GAMBLE_COLUMNS)
        extra = [c for c in items.columns if c not in known]
        if extra:
            raise ItemError(f"{source}: unknown attribute {extra[0]!r}; expected only "
                            f"{self.attributes} (and item_id, prompt, text)")
        raw = self._numbers(items, source)
        ids = (np.array([i if type(i) is str else str(i) for i in items["item_id"].tolist()],
                        dtype=object)
               if "item_id" in items.columns else self.content_ids(raw).to_numpy(dtype=object))
        others = {c: items[c].to_numpy() for c in items.columns
                  if c != "item_id" and c not in self.attributes}
        items = pd.concat([pd.DataFrame({"item_id": pd.Series(ids, dtype=object),
                                         **{c: pd.Series(v) for c, v in others.items()}}),
                           pd.DataFrame(raw, columns=list(self.attributes))], axis=1)
        if len(set(ids.tolist())) < len(ids):
            dup = items["item_id"].duplicated(keep=False).to_numpy()
            first = items["item_id"][dup].iloc[0]
            rows = np.flatnonzero(ids == first)
            if not np.array_equal(raw[rows], np.broadcast_to(raw[rows[0]], raw[rows].shape)):
                raise ItemError(f"{source}, row {rows[1] + 1}, column 'item_id': {first!r} "
                                f"appears again with other attributes; expected one "
                                f"description per item")
        index = self.index                  # a dict lookup per row: no pass over the registry
        codes = np.fromiter((index.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))
        seen = codes >= 0
        if seen.any():
            rows = np.flatnonzero(seen)
            old = self._raw[codes[rows]]
            differ = np.flatnonzero(~(old == raw[rows]).all(axis=1))
            if differ.size:
                row = int(rows[differ[0]])
                raise ItemError(f"{source}, row {row + 1}, column 'item_id': item "
                                f"{items['item_id'].iloc[row]!r} is already known with other "
                                f"attributes; expected the same values or a new id")
        if self.payoffs is not None and "outcomes" not in items.columns and not seen.all():
            raise ItemError(f"{source}: the population's items are gambles; expected "
                            f"'outcomes' and 'probabilities' columns for new items")
        return items, raw

    def _numbers(self, items: pd.DataFrame, source: str) -> np.ndarray:
        """The attribute columns as an (n, A) float array; every value a finite number."""
        dtypes = dict(zip(items.columns, items.dtypes))
        if all(getattr(dtypes[a], "kind", "O") in "biuf" for a in self.attributes):
            raw = self._attribute_block(items)
            if np.isfinite(raw).all():
                return raw
        raw = np.empty((len(items), len(self.attributes)))
        for j, a in enumerate(self.attributes):
            values = pd.to_numeric(items[a], errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
            bad = ~np.isfinite(values)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise ItemError(f"{source}, row {row + 1}, column {a!r}: expected a finite "
                                f"number, got {items[a].iloc[row]!r}")
            raw[:, j] = values
        return raw

    def _attribute_block(self, items: pd.DataFrame) -> np.ndarray:
        """The attribute columns of a table as an (n, A) float array (a slice when they
        stand together in order, as :meth:`check` leaves them)."""
        where = items.columns.get_indexer(list(self.attributes))
        if len(where) and where[0] >= 0 and np.array_equal(where, where[0] + np.arange(len(where))):
            return items.iloc[:, where[0]:where[0] + len(where)].to_numpy(dtype=float)
        return items[list(self.attributes)].to_numpy(dtype=float)

    def content_ids(self, raw: np.ndarray) -> pd.Series:
        """Ids for items given without one: ``"x"`` and 16 hex digits of the SHA-256 of
        their attribute values, so that the same values always get the same id."""
        data = np.ascontiguousarray(raw, dtype="<f8")
        return pd.Series(["x" + hashlib.sha256(row.tobytes()).hexdigest()[:16] for row in data])

    def add(self, items: pd.DataFrame, source: str = "items") -> np.ndarray:
        """Register the items not yet known (checked with :meth:`check`); returns every
        row's code."""
        items = self.check(items, source)
        return self.add_checked(items)

    def add_checked(self, items: pd.DataFrame, values: np.ndarray | None = None) -> np.ndarray:
        """Register items already checked by :meth:`check`; returns every row's code.
        ``values``: their attribute values (n, A), as :meth:`check_with_values` returned
        them (read from ``items`` when not given)."""
        ids = items["item_id"].to_numpy()
        codes = np.fromiter((self.index.get(i, -1) for i in ids), dtype=np.int64,
                            count=len(ids))
        new = np.flatnonzero(codes < 0)
        if len(new):
            first_row = {}                      # each new id's first row, in order
            for r in new.tolist():
                first_row.setdefault(ids[r], r)
            fresh = np.array(list(first_row), dtype=object)
            first = np.fromiter(first_row.values(), dtype=np.int64, count=len(first_row))
            start = len(self)
            self._reserve(start + len(fresh))
            raw = self._attribute_block(items) if values is None else values
            if len(first) < len(raw) or not np.array_equal(first, np.arange(len(raw))):
                raw = raw[first]
            z = self.scaling.standardize(raw)
            end = start + len(fresh)
            self._raw[start:end], self._z[start:end] = raw, z
            self._matched[:, start:end] = (z / self.scaling.span).T
            self._ids[start:end] = [i if type(i) is str else str(i) for i in fresh.tolist()]
            self._n = end
            self.index.update(zip(fresh.tolist(), range(start, end)))
            for column, known in (("prompt", self.prompts), ("text", self.texts)):
                if column in items.columns:
                    values = items[column].to_numpy()[first]
                    known.update((start + k, v) for k, v in enumerate(values)
                                 if isinstance(v, str))
            if "outcomes" in items.columns:
                table = payoff_table(items.iloc[first])
                self.payoffs = table if self.payoffs is None else self.payoffs.extended(table)
            codes = (np.arange(start, end) if len(fresh) == len(ids)   # all new, distinct
                     else np.fromiter((self.index[i] for i in ids), dtype=np.int64,
                                      count=len(ids)))
        return codes

    def _reserve(self, n: int) -> None:
        if n <= len(self._raw):
            return
        size = max(n, 2 * len(self._raw))
        for name in ("_ids", "_raw", "_z"):
            old = getattr(self, name)
            new = np.empty((size,) + old.shape[1:], dtype=old.dtype)
            new[:len(self)] = old[:len(self)]
            setattr(self, name, new)
        matched = np.empty((len(self._matched), size))
        matched[:, :len(self)] = self._matched[:, :len(self)]
        self._matched = matched

    def codes(self, ids, source: str = "items") -> np.ndarray:
        """Codes of known item ids; an unknown id is an ItemError."""
        index = self.index
        out = np.fromiter((index.get(i if type(i) is str else str(i), -1) for i in ids),
                          dtype=np.int64, count=len(ids))
        unknown = (out < 0).nonzero()[0]
        if unknown.size:
            k = int(unknown[0])
            bad = np.asarray(ids, dtype=object).reshape(-1)[k]   # by position, not label
            raise ItemError(f"{source}, row {k + 1}: unknown item {str(bad)!r}; expected "
                            f"an item the population has been given")
        return out

    # -------------------------------------------------------------- similarity
    def similarity(self, x, y) -> np.ndarray:
        """sim of items with codes ``x`` and ``y`` (arrays of equal or broadcastable
        shape, given as floats or integers): 1 - mean_a min(1, |z_xa - z_ya| / span_a).

        When the codes repeat (an engine compares every instance of many agents with
        their options, drawn from far fewer items), the similarities of the distinct
        codes are computed once and looked up: the same numbers, fewer operations.
        """
        x = np.asarray(x).astype(np.intp)
        y = np.asarray(y).astype(np.intp)
        # Every code is below the number of items; when the cache covers them all, no
        # code need be checked against it.
        if self._cover() == len(self) or (x.size and y.size
                                          and max(x.max(), y.max()) < self._cover()):
            return self._cache[x, y]
        size = int(np.prod(np.broadcast_shapes(x.shape, y.shape)))
        if size >= _TABLE_FROM:
            (ux, ix), (uy, iy) = self._distinct(x), self._distinct(y)
            if len(ux) * len(uy) * 5 <= size * 4:
                if len(ux) > len(uy):    # the longer axis last (similarity is symmetric)
                    (ux, ix), (uy, iy) = (uy, iy), (ux, ix)
                table = self._similarity(ux[:, None], uy[None, :]).ravel()
                return table[ix * len(uy) + iy]
        return self._similarity(x, y)

    def _cover(self) -> int:
        """Extend the cache to the first ``min(n items, _CACHED)`` items (the rows and
        columns of the items added since, computed as :meth:`_similarity` computes them;
        symmetric bit for bit); returns how many items it covers."""
        m = min(len(self), _CACHED)
        done = self._cached_n
        if done == m:
            return m
        if len(self._cache) < m:
            cache = np.empty((min(max(m, 2 * len(self._cache), 64), _CACHED),) * 2)
            cache[:done, :done] = self._cache[:done, :done]
            self._cache = cache
        block = self._similarity(np.arange(done, m)[:, None], np.arange(m)[None, :])
        self._cache[done:m, :m] = block
        self._cache[:m, done:m] = block.T
        self._cached_n = m
        return m

    def _distinct(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct codes (sorted) and each code's index among them: by marking the
        codes' range when it is narrow (no sort; an engine's codes are its remembered items
        and its options, each a narrow range however many items are registered), else by
        sorting."""
        if codes.size == 0:
            return codes.reshape(-1), codes
        low, high = int(codes.min()), int(codes.max())
        if high - low >= 8 * codes.size:
            distinct, index = np.unique(codes, return_inverse=True)
            return distinct, index.reshape(codes.shape)
        seen = np.zeros(high - low + 1, dtype=bool)
        seen[codes - low] = True
        distinct = np.flatnonzero(seen)
        index = np.empty(len(seen), dtype=np.intp)
        index[distinct] = np.arange(len(distinct))
        return distinct + low, index[codes - low]

    def _similarity(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """1 - mean_a min(1, |m_xa - m_ya|) with m = z / span, summed over the attributes
        in order: in one pass over an (A, output shape) block when it is small, else one
        pass per attribute over an array of the output's shape (the same numbers)."""
        m = self._matched
        shape = np.broadcast_shapes(x.shape, y.shape)
        if len(m) * int(np.prod(shape)) <= _BLOCK:
            x, y = (c.reshape((1,) * (len(shape) - c.ndim) + c.shape) for c in (x, y))
            term = np.empty((len(m),) + shape)    # row-major: summed row by row below
            np.subtract(m[:, x], m[:, y], out=term)
            np.abs(term, out=term)
            np.minimum(term, 1.0, out=term)
            total = instance_sum(term, axis=0, sequential=True)
        else:
            total = np.zeros(shape)
            term = np.empty(shape)
            for row in m:
                np.subtract(row[x], row[y], out=term)
                np.abs(term, out=term)
                np.minimum(term, 1.0, out=term)
                total += term
        total *= -1.0 / len(m)
        total += 1.0
        return total

    def similarity_function(self):
        """:meth:`similarity` as the engines take it (1 on equal codes)."""
        def similarity(x, y):
            return self.similarity(x, y)
        similarity.exact_on_equal = True
        similarity.broadcasts = True
        return similarity
