"""Reading an oracle query: pairs of items (ids, or attribute mappings of items never seen
before) and who should judge them, checked in full before anything changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cogsim.errors import ItemError
from cogsim.tasks.items import GAMBLE_COLUMNS, TEXT_COLUMNS
from cogsim.tasks.registry import ItemRegistry
from cogsim.text import featurize_items

__all__ = ["Query", "annotator_ids", "read_query", "text_ids", "with_text_features"]

#: Pair table columns besides the two items.
PAIR_COLUMNS = ("pair_id", "annotator_id", "prompt")


@dataclass
class Query:
    """A checked query: the new items to register, and per pair the items' ids and codes
    (-1 for an item this query brings), its pair id (None: numbered by the oracle) and its
    annotator (None: the oracle chooses)."""

    new_items: pd.DataFrame | None
    new_values: np.ndarray | None          # new_items' attribute values, when read already
    item_a: np.ndarray
    item_b: np.ndarray
    pair_id: np.ndarray | None
    annotator: np.ndarray | None
    code_a: np.ndarray
    code_b: np.ndarray

    def codes(self, registry: ItemRegistry) -> tuple[np.ndarray, np.ndarray]:
        """The items' codes, once the new items are registered."""
        if self.new_items is None:              # every item was known
            return self.code_a, self.code_b
        return tuple(codes if codes.min() >= 0 else registry.codes(ids)
                     for codes, ids in ((self.code_a, self.item_a),
                                        (self.code_b, self.item_b)))


def text_ids(prompts: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Ids for text items given without one: ``"t"`` and 16 hex digits of the SHA-256 of
    the prompt and the text (joined by a NUL), so the same text always gets the same id."""
    return ["t" + hashlib.sha256(f"{p}\0{t}".encode()).hexdigest()[:16]
            for p, t in zip(prompts, texts)]


def with_text_features(items: pd.DataFrame, registry: ItemRegistry,
                       source: str) -> pd.DataFrame:
    """Text items (a ``text`` column, some attribute missing) get their attributes from the
    text featurizer (:func:`cogsim.text.featurize_items`); the attributes given are kept,
    computed features the population does not use are left out.  Text items without an
    ``item_id`` get :func:`text_ids`.  Other tables are returned as they are."""
    if "text" not in items.columns or all(a in items.columns for a in registry.attributes):
        return items
    items = items.copy()
    if "item_id" not in items.columns:
        prompts = items["prompt"] if "prompt" in items.columns else [""] * len(items)
        items.insert(0, "item_id", text_ids([str(p) for p in prompts],
                                            [str(t) for t in items["text"]]))
    featurized = featurize_items(items, source)
    unused = [c for c in featurized.columns
              if c not in items.columns and c not in registry.attributes]
    return featurized.drop(columns=unused)


def _item_rows(pairs: Sequence, registry: ItemRegistry) -> tuple[list, list, list[dict]]:
    """Ids of each pair's items; mappings become new item rows (ids derived from their
    attributes, or from their text, when they carry none)."""
    allowed = set(registry.attributes) | set(TEXT_COLUMNS) | set(GAMBLE_COLUMNS)
    ids: list[list] = [[], []]
    rows: list[dict] = []
    for r, pair in enumerate(pairs):
        if type(pair) is not tuple and (isinstance(pair, (str, bytes, Mapping))
                                        or not isinstance(pair, Sequence)) or len(pair) != 2:
            raise ItemError(f"pairs, row {r + 1}: expected a pair (item_a, item_b) of item "
                            f"ids or attribute mappings, got {pair!r:.80}")
        for side, item in enumerate(pair):
            if type(item) is str:               # the common case: an item id
                ids[side].append(item)
            elif isinstance(item, Mapping) and "text" in item and "item_id" not in item:
                extra = [k for k in item if k not in allowed]
                if extra:
                    raise ItemError(f"pairs, row {r + 1}, item {'ab'[side]}: unknown field "
                                    f"{extra[0]!r}; expected prompt and text, or attributes "
                                    f"{registry.attributes}")
                for key in ("prompt", "text"):
                    if key in item and not isinstance(item[key], str):
                        raise ItemError(f"pairs, row {r + 1}, item {'ab'[side]}, {key!r}: "
                                        f"expected a string, got {item[key]!r:.80}")
                row = {"item_id": text_ids([item.get("prompt", "")], [item["text"]])[0],
                       **item}
                rows.append(row)
                ids[side].append(row["item_id"])
            elif isinstance(item, Mapping):
                missing = [a for a in registry.attributes if a not in item
                           and "text" not in item]
                extra = [k for k in item if k not in allowed]
                if missing or extra:
                    problem = (f"missing attribute {missing[0]!r}" if missing
                               else f"unknown attribute {extra[0]!r}")
                    raise ItemError(f"pairs, row {r + 1}, item {'ab'[side]}: {problem}; "
                                    f"expected attributes {registry.attributes}")
                row = dict(item)
                if "item_id" not in row:
                    raw = np.array([[_number(row[a], r, side, a) for a in registry.attributes]])
                    row["item_id"] = registry.content_ids(raw).iloc[0]
                rows.append(row)
                ids[side].append(str(row["item_id"]))
            elif isinstance(item, (str, int, np.integer)):
                ids[side].append(str(item))
            else:
                raise ItemError(f"pairs, row {r + 1}, item {'ab'[side]}: expected an item id "
                                f"or a mapping of attributes, got {item!r:.80}")
    return ids[0], ids[1], rows


def _table(items, source: str) -> pd.DataFrame:
    if not isinstance(items, pd.DataFrame):
        raise ItemError(f"{source}: expected a table of items (pandas DataFrame), got "
                        f"{type(items).__name__}")
    return items


def _number(value, row: int, side: int, attribute: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = float("nan")
    if not np.isfinite(x):
        raise ItemError(f"pairs, row {row + 1}, item {'ab'[side]}, attribute {attribute!r}: "
                        f"expected a finite number, got {value!r}")
    return x


def read_query(pairs, registry: ItemRegistry, n_annotators: int,
               items: pd.DataFrame | None = None) -> Query:
    """Check a query against the registry without changing it.

    Parameters
    ----------
    pairs : DataFrame or sequence of pairs
        A table with ``item_a`` and ``item_b`` (ids; optionally ``pair_id`` and
        ``annotator_id``: one judgment per row by that annotator), or a sequence of
        (item_a, item_b) where each item is an id or a mapping of its attributes.
    registry : ItemRegistry
    n_annotators : int
    items : DataFrame, optional
        New items the pairs may name.

    Raises
    ------
    ItemError
        (a ValueError) naming the row and what was wrong.
    """
    new, new_values = [], None
    if items is not None:
        table, new_values = registry.check_with_values(
            with_text_features(_table(items, "items"), registry, "items"), "items")
        new.append(table)
    if isinstance(pairs, pd.DataFrame):
        columns = list(pairs.columns)
        missing = [c for c in ("item_a", "item_b") if c not in columns]
        if missing:
            raise ItemError(f"pairs: no {missing[0]!r} column; expected columns item_a, "
                            f"item_b (and optionally {', '.join(PAIR_COLUMNS)})")
        extra = [c for c in columns if c not in ("item_a", "item_b") + PAIR_COLUMNS]
        if extra:
            raise ItemError(f"pairs: unknown column {extra[0]!r}; expected item_a, item_b "
                            f"and optionally {', '.join(PAIR_COLUMNS)}")
        table = pairs
        item_a, item_b = _ids(table["item_a"]), _ids(table["item_b"])
    else:
        if type(pairs) is not list and (isinstance(pairs, (str, bytes, Mapping))
                                        or not isinstance(pairs, Sequence)):
            raise ItemError(f"pairs: expected a table with item_a and item_b or a list of "
                            f"(item_a, item_b) pairs, got {type(pairs).__name__}")
        table, columns = None, []
        item_a, item_b, rows = _item_rows(pairs, registry)
        if rows:
            table_rows = with_text_features(pd.DataFrame(rows), registry, "pairs")
            new.append(registry.check(table_rows, "pairs"))
        item_a, item_b = np.array(item_a, dtype=object), np.array(item_b, dtype=object)
    if len(item_a) == 0:
        raise ItemError("pairs: the batch is empty; expected at least one pair")
    new_items = None
    if new:
        new_items = new[0] if len(new) == 1 else pd.concat(new, ignore_index=True)
        ids = new_items["item_id"].tolist()
        if len(new) > 1 or len(set(ids)) < len(ids):
            new_values = None
            new_items = new_items.drop_duplicates("item_id")
            clash = new_items["item_id"].duplicated()
            if clash.any():
                raise ItemError(f"items: {new_items['item_id'][clash].iloc[0]!r} is given "
                                f"twice with other attributes; expected one description per "
                                f"item")
    known = set(new_items["item_id"].tolist()) if new_items is not None else set()
    index, codes = registry.index, []
    for side, ids in (("item_a", item_a), ("item_b", item_b)):
        found = [index.get(i, -1) for i in ids]
        codes.append(np.array(found, dtype=np.int64))
        for r in ([r for r, c in enumerate(found) if c < 0] if -1 in found else ()):
            if ids[r] not in known:
                raise ItemError(f"pairs, row {r + 1}, {side}: unknown item {ids[r]!r}; "
                                f"expected an item the oracle has been given, or its "
                                f"attributes")
    same = (item_a == item_b).nonzero()[0]
    if same.size:
        raise ItemError(f"pairs, row {same[0] + 1}: item_a and item_b are the same item "
                        f"{item_a[same[0]]!r}; expected two different items")
    pair_id = annotator = None
    if "pair_id" in columns:
        pair_id = _integers(table["pair_id"], "pair_id", 0, None)
    if "annotator_id" in columns:
        annotator = _integers(table["annotator_id"], "annotator_id", 0, n_annotators - 1)
    return Query(new_items, new_values, item_a, item_b, pair_id, annotator, *codes)


def _ids(column: pd.Series) -> np.ndarray:
    """A column of item ids as an object array of str."""
    ids = column.to_numpy(dtype=object)
    if all(type(v) is str for v in ids):
        return ids
    return np.array([v if type(v) is str else str(v) for v in ids], dtype=object)


def _integers(column: pd.Series, name: str, low: int, high: int | None) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < low)
    if high is not None:
        bad |= values > high
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        span = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ItemError(f"pairs, row {r + 1}, column {name!r}: expected a whole number "
                        f"{span}, got {column.iloc[r]!r}")
    return values.astype(np.int64)


def annotator_ids(values, n: int) -> np.ndarray:
    """Annotator ids, each a whole number in [0, n)."""
    try:
        ids = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ItemError(f"annotators: expected whole numbers from 0 to {n - 1}, got "
                        f"{values!r:.80}") from None
    bad = ~np.isfinite(ids) | (ids != np.round(ids)) | (ids < 0) | (ids >= n)
    if len(ids) == 0 or bad.any():
        got = repr(values) if len(ids) == 0 else repr(np.asarray(values).reshape(-1)[bad][0].item())
        raise ItemError(f"annotators: expected annotator ids from 0 to {n - 1}, got {got}")
    return ids.astype(np.int64)
