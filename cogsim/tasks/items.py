"""What annotators judge: item sets and the pairs drawn from them.

An item set is a table with an ``item_id`` column, numeric attribute columns, and optionally
``prompt`` and ``text`` columns (used for the preference view).  A table of texts alone
(``item_id``, ``text`` and usually ``prompt``, no attribute columns) is featurized where it is
read (:func:`validate_items`, hence :func:`load_items`): its attributes are the text features
of :mod:`cogsim.text` (``featurize=True`` adds them beside a table's own attribute columns).
Gambles are items too: an item with ``outcomes`` and ``probabilities`` columns (lists, or
JSON lists in a CSV) is an outcome distribution; annotators who experience it get a draw of
its payoff.
:func:`gamble_items` turns gamble problems in the choice-prediction-competition format
(Ha, pHa, La, Hb, pHb, Lb, LotShapeB, LotNumB, Amb, Corr) into such items, one per option,
with the options of a problem sharing a ``prompt`` so that pairs are the problems.  Pairs
are a table with ``pair_id``, ``item_a`` and ``item_b`` (and ``prompt`` when items have
one); when items have prompts, pairs compare two responses to the same prompt, as
preference data does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim.errors import DataError, ItemError, check_fits
from cogsim.tables import read_table

#: Bytes a pair takes in the pair table (ids, prompt reference, index): the size check's unit.
PAIR_BYTES = 200

__all__ = ["ItemError", "TEXT_COLUMNS", "GAMBLE_COLUMNS", "load_items", "validate_items",
           "default_items", "attribute_columns", "all_pairs", "random_pairs", "load_pairs",
           "gamble_items", "is_gamble_table", "is_text_table", "default_text_item_set"]

TEXT_COLUMNS = ("item_id", "prompt", "text")
GAMBLE_COLUMNS = ("outcomes", "probabilities")
PROBABILITY_TOLERANCE = 1e-6


def attribute_columns(items: pd.DataFrame) -> list[str]:
    """The numeric attribute columns of an item table (all but item_id, prompt, text and a
    gamble's outcomes and probabilities)."""
    return [c for c in items.columns if c not in TEXT_COLUMNS + GAMBLE_COLUMNS]


def is_gamble_table(table: pd.DataFrame) -> bool:
    """Whether a table holds gamble problems in the competition format (Ha ... Lb)."""
    return {"Ha", "pHa", "La", "Hb", "pHb", "Lb"} <= set(table.columns)


def _number_list(value, source: str, row: int, col: str) -> list[float]:
    """A cell holding a list of numbers (or a JSON list, as read from a CSV)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = None
    try:
        out = [float(v) for v in value]
    except (TypeError, ValueError):
        out = []
    if not out or not all(np.isfinite(out)):
        raise ItemError(f"{source}, row {row + 1}, column {col!r}: expected a non-empty list "
                        f"of finite numbers such as [0, 4], got {value!r}")
    return out


def _check_gambles(items: pd.DataFrame, source: str) -> pd.DataFrame:
    """Parse and check the outcomes/probabilities columns of gamble items."""
    missing = [c for c in GAMBLE_COLUMNS if c not in items.columns]
    if len(missing) == 1:
        raise ItemError(f"{source}: gamble items need both {list(GAMBLE_COLUMNS)} columns; "
                        f"{missing[0]!r} is missing")
    outcomes, probabilities = [], []
    for row, (x, p) in enumerate(zip(items["outcomes"], items["probabilities"])):
        x = _number_list(x, source, row, "outcomes")
        p = _number_list(p, source, row, "probabilities")
        if len(x) != len(p):
            raise ItemError(f"{source}, row {row + 1}, column 'probabilities': {len(p)} "
                            f"probabilities for {len(x)} outcomes; expected one per outcome")
        if min(p) < 0 or max(p) > 1:
            raise ItemError(f"{source}, row {row + 1}, column 'probabilities': expected "
                            f"probabilities in [0, 1], got {p}")
        if abs(sum(p) - 1) > PROBABILITY_TOLERANCE:
            raise ItemError(f"{source}, row {row + 1}, column 'probabilities': expected "
                            f"probabilities summing to 1, got {sum(p):.6g}")
        outcomes.append(x)
        probabilities.append(p)
    items["outcomes"] = pd.Series(outcomes, index=items.index, dtype=object)
    items["probabilities"] = pd.Series(probabilities, index=items.index, dtype=object)
    return items


def _describe(outcomes: np.ndarray, probabilities: np.ndarray) -> str:
    return ", ".join(f"{x:g} with p {p:.4g}" for x, p in zip(outcomes[::-1], probabilities[::-1]))


def gamble_items(problems: pd.DataFrame, source: str = "problems") -> pd.DataFrame:
    """Gamble problems (competition format) as items: one per option of each problem.

    Each item has ``item_id`` "<problem>:A" or ":B" (the problem id is the ``GameID`` or
    ``Problem`` column when it is unique, else the row number), ``prompt`` (the problem, so
    that its two options form its one pair), ``text`` (the distribution in words), the
    ``outcomes`` and ``probabilities`` of the distribution (as the competition organisers
    define it, :mod:`cogsim.tasks.gambles`), and the attributes ``ev`` (expected value), ``sd``,
    ``minimum``, ``maximum``, ``p_loss`` (probability of a negative outcome) and
    ``ambiguous`` (1 for option B of a problem with ``Amb``).
    """
    from cogsim.tasks.gambles import check_problems, option_distributions

    try:
        clean = check_problems(problems, source)
        dists = {o: option_distributions(problems, o, source) for o in "AB"}
    except DataError as e:
        raise ItemError(str(e)) from None
    ids = np.arange(1, len(problems) + 1).astype(str)
    for col in ("GameID", "Problem", "problem_id"):
        if col in problems.columns and problems[col].is_unique:
            ids = problems[col].astype(str).to_numpy()
            break
    rows = []
    for i, pid in enumerate(ids):
        for option in "AB":
            x, p = dists[option].iloc[i]
            mean = float(p @ x)
            rows.append({"item_id": f"{pid}:{option}", "prompt": f"problem {pid}",
                         "text": f"option {option}: {_describe(x, p)}",
                         "outcomes": [float(v) for v in x],
                         "probabilities": [float(v) for v in p],
                         "ev": mean, "sd": float(np.sqrt(p @ (x - mean) ** 2)),
                         "minimum": float(x.min()), "maximum": float(x.max()),
                         "p_loss": float(p[x < 0].sum()),
                         "ambiguous": float(option == "B" and bool(clean["Amb"].iloc[i]))})
    return pd.DataFrame(rows)


def is_text_table(items: pd.DataFrame) -> bool:
    """Whether an item table holds texts alone: ``text``, no attributes, no gambles."""
    return ("text" in items.columns and not is_gamble_table(items)
            and not set(GAMBLE_COLUMNS) & set(items.columns) and not attribute_columns(items))


def validate_items(items: pd.DataFrame, source: str = "items", *,
                   featurize: bool | None = None) -> pd.DataFrame:
    """Check an item table; returns it with ``item_id`` as strings.

    Parameters
    ----------
    items : pandas.DataFrame
        ``item_id``, numeric attribute columns, optionally ``prompt`` and ``text``; or
        gamble problems (competition format); or texts alone (``item_id``, ``prompt``,
        ``text``).
    source : str
        How messages name the table (a file name).
    featurize : bool, optional
        Add the text features of :mod:`cogsim.text` (:func:`cogsim.text.featurize_items`,
        raw units; the population puts them in standard units) as attribute columns.
        ``None`` (the default): when the table holds texts alone (:func:`is_text_table`).
        ``True``: whenever it has a ``text`` column, the table's own attribute columns kept
        beside the computed ones (on a name clash the table's own column wins).  ``False``:
        never (a table of texts alone is then refused for lack of attributes).

    Raises ItemError naming ``source``, the row and the column of the first problem.
    """
    if len(items) == 0:
        raise ItemError(f"{source}: the item table is empty; expected at least 2 items")
    if is_gamble_table(items):
        items = gamble_items(items, source)
    if "item_id" not in items.columns:
        raise ItemError(f"{source}: no 'item_id' column; expected columns item_id, "
                        f"numeric attributes, and optionally prompt and text "
                        f"(found {list(items.columns)})")
    items = items.copy()
    items["item_id"] = items["item_id"].astype(str)
    dup = items["item_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise ItemError(f"{source}, row {row + 1}, column 'item_id': duplicate id "
                        f"{items['item_id'].iloc[row]!r}; expected unique ids")
    if featurize is None:
        featurize = is_text_table(items)
    if featurize:
        from cogsim.text import featurize_items

        if "text" not in items.columns:
            raise ItemError(f"{source}: no 'text' column to featurize; expected columns "
                            f"item_id, prompt and text (found {list(items.columns)})")
        items = featurize_items(items, source)
    attrs = attribute_columns(items)
    if not attrs:
        raise ItemError(f"{source}: no attribute columns; expected at least one numeric "
                        f"column besides {list(TEXT_COLUMNS)}, or a 'text' column to "
                        f"featurize")
    for col in attrs:
        values = pd.to_numeric(items[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            cell = items[col].iloc[row]
            cell = cell.item() if isinstance(cell, np.generic) else cell
            found = ("NaN or an empty cell" if isinstance(cell, float) and np.isnan(cell)
                     else repr(cell))
            raise ItemError(f"{source}, row {row + 1}, column {col!r}: expected a finite "
                            f"number, got {found}")
        items[col] = values.astype(float)
    if len(items) < 2:
        raise ItemError(f"{source}: only {len(items)} item; expected at least 2")
    if any(c in items.columns for c in GAMBLE_COLUMNS):
        items = _check_gambles(items, source)
    return items.reset_index(drop=True)


#: The default texts' file name: a spec naming it (as ``populations/default.toml`` does)
#: gets cogsim's packaged copy when none is beside it, so a copied default spec still runs.
DEFAULT_TEXT_FILE = "default_texts.jsonl"


def load_items(path: str | Path, *, featurize: bool | None = None) -> pd.DataFrame:
    """Read and check an item table from CSV, Parquet or JSON Lines (a table of texts
    alone is featurized: :func:`validate_items`).  A path to a missing file named
    :data:`DEFAULT_TEXT_FILE` reads cogsim's packaged default texts
    (:func:`default_text_item_set`)."""
    path = Path(path)
    if path.name == DEFAULT_TEXT_FILE and not path.exists() and featurize is not False:
        return default_text_item_set()
    items = read_table(path, "an item table with item_id and attribute columns, or item_id, "
                             "prompt and text", error=ItemError)
    return validate_items(items, str(path), featurize=featurize)


_PROMPTS = [
    "Explain how vaccines train the immune system.",
    "Write a haiku about autumn rain.",
    "How do I reverse a linked list in Python?",
    "What are the main causes of inflation?",
    "Suggest a weekly plan for learning Spanish.",
    "Summarize the plot of Hamlet in a paragraph.",
    "Is it safe to mix bleach and ammonia?",
    "Give me tips for a job interview in data science.",
    "Why is the sky blue?",
    "Draft a polite email declining a meeting.",
]

DEFAULT_ATTRIBUTES = ("helpfulness", "correctness", "harmlessness", "clarity", "concision",
                      "creativity", "length", "has_list")


def default_items(n_prompts: int = 10, responses_per_prompt: int = 5,
                  seed: int = 20261123) -> pd.DataFrame:
    """The built-in item set: responses to prompts, with 8 attributes.

    Quality attributes are on a 1-7 rating scale; ``length`` is in words; ``has_list`` is
    1 when the response is formatted as a list.  Longer responses tend to be more helpful
    and less concise, as in real preference data.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_prompts):
        prompt = _PROMPTS[p % len(_PROMPTS)]
        for r in range(responses_per_prompt):
            length = float(np.round(np.exp(rng.normal(5.0, 0.6))))
            z_len = (np.log(length) - 5.0) / 0.6
            q = rng.normal(0, 1, 6) + np.array([0.5, 0.2, 0, 0, -0.7, 0.1]) * z_len
            ratings = np.clip(np.round(4 + 1.2 * q, 1), 1, 7)
            has_list = float(rng.random() < 0.35 + 0.15 * (z_len > 0))
            rows.append({"item_id": f"p{p:02d}r{r}", "prompt": prompt,
                         "text": f"[response {r + 1} to prompt {p + 1}: "
                                 f"{int(length)} words{', as a list' if has_list else ''}]",
                         **dict(zip(DEFAULT_ATTRIBUTES[:6], ratings)),
                         "length": length, "has_list": has_list})
    return pd.DataFrame(rows)


def default_text_item_set() -> pd.DataFrame:
    """The default text items (:func:`cogsim.text.default_text_items`: 84 responses to 20
    prompts) featurized and checked: the item set ``populations/default.toml`` names."""
    from cogsim.text import default_text_items

    return validate_items(default_text_items(), "default text items")


def _pairs_frame(a: np.ndarray, b: np.ndarray, items: pd.DataFrame) -> pd.DataFrame:
    ids = items["item_id"].to_numpy()
    pairs = pd.DataFrame({"pair_id": np.arange(len(a)), "item_a": ids[a], "item_b": ids[b]})
    if "prompt" in items.columns:
        pairs["prompt"] = items["prompt"].to_numpy()[a]
    return pairs


def _pair_space(items: pd.DataFrame) -> tuple[list[np.ndarray], np.ndarray]:
    """The candidate pairs without listing them: the item rows of each group (one group,
    or one per prompt) and the cumulative number of pairs over the groups."""
    if "prompt" in items.columns:
        codes, _ = pd.factorize(items["prompt"].astype(str), sort=False)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(codes.max() + 2))
        groups = [order[bounds[g]:bounds[g + 1]] for g in range(len(bounds) - 1)]
    else:
        groups = [np.arange(len(items))]
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    return groups, np.concatenate([[0], np.cumsum(sizes * (sizes - 1) // 2)])


def _decode_pairs(index: np.ndarray, groups: list[np.ndarray], cumulative: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Item rows (a, b), a before b within its group, of candidate pairs by number: the
    pairs of a group are numbered as ``numpy.triu_indices`` lists them."""
    group = np.searchsorted(cumulative, index, side="right") - 1
    r = index - cumulative[group]
    n = np.array([len(g) for g in groups], dtype=np.int64)[group]
    # Row i of the upper triangle starts at S(i) = i n - i (i + 1) / 2.
    i = np.floor(((2 * n - 1) - np.sqrt((2.0 * n - 1) ** 2 - 8.0 * r)) / 2).astype(np.int64)
    start = i * n - i * (i + 1) // 2
    i = np.where(start > r, i - 1, i)
    start = i * n - i * (i + 1) // 2
    nxt = (i + 1) * n - (i + 1) * (i + 2) // 2
    i = np.where(nxt <= r, i + 1, i)
    start = i * n - i * (i + 1) // 2
    j = r - start + i + 1
    rows_a = np.empty(len(index), dtype=np.int64)
    rows_b = np.empty(len(index), dtype=np.int64)
    for g in np.unique(group):
        sel = group == g
        rows_a[sel], rows_b[sel] = groups[g][i[sel]], groups[g][j[sel]]
    return rows_a, rows_b


def all_pairs(items: pd.DataFrame) -> pd.DataFrame:
    """Every unordered pair of items (of responses to the same prompt, if prompts are
    given), in the order of the item table."""
    groups, cumulative = _pair_space(items)
    total = int(cumulative[-1])
    if total == 0:
        raise ItemError("no pairs can be formed: each prompt has a single response")
    check_fits("pairs", "pairs", total, PAIR_BYTES)
    a, b = _decode_pairs(np.arange(total), groups, cumulative)
    order = np.lexsort((b, a))
    return _pairs_frame(a[order], b[order], items)


def random_pairs(items: pd.DataFrame, n_pairs: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n_pairs`` pairs drawn at random, without repeats while there are unused pairs.

    The candidate pairs are numbered, never listed, so an item set of millions works."""
    if n_pairs < 1:
        raise ItemError(f"pairs: expected a positive number of pairs, got {n_pairs}")
    check_fits("pairs", "pairs", n_pairs, PAIR_BYTES)
    groups, cumulative = _pair_space(items)
    total = int(cumulative[-1])
    if total == 0:
        raise ItemError("no pairs can be formed: each prompt has a single response")
    if n_pairs <= total:
        index = rng.choice(total, n_pairs, replace=False)
    else:
        reps = -(-n_pairs // total)
        index = np.concatenate([rng.permutation(total) for _ in range(reps)])[:n_pairs]
    a, b = _decode_pairs(index, groups, cumulative)
    return _pairs_frame(a, b, items)


def load_pairs(path: str | Path, items: pd.DataFrame) -> pd.DataFrame:
    """Read explicit pairs (columns item_a, item_b) and check them: the items exist, differ,
    and, when items have prompts, answer the same prompt."""
    path = Path(path)
    pairs = read_table(path, "a pair table with columns item_a, item_b", error=ItemError,
                       allow_empty=True)
    for col in ("item_a", "item_b"):
        if col not in pairs.columns:
            raise ItemError(f"{path}: no {col!r} column; expected columns item_a, item_b")
    if len(pairs) == 0:
        raise ItemError(f"{path}: no rows; expected at least one pair (item_a, item_b)")
    known = set(items["item_id"])
    for col in ("item_a", "item_b"):
        pairs[col] = pairs[col].astype(str)
        unknown = ~pairs[col].isin(known)
        if unknown.any():
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            raise ItemError(f"{path}, row {row + 1}, column {col!r}: unknown item "
                            f"{pairs[col].iloc[row]!r}; expected an item_id of the item set")
    same = pairs["item_a"] == pairs["item_b"]
    if same.any():
        row = int(np.flatnonzero(same.to_numpy())[0])
        raise ItemError(f"{path}, row {row + 1}: item_a and item_b are the same item "
                        f"{pairs['item_a'].iloc[row]!r}; expected two different items")
    pairs = pairs[["item_a", "item_b"]].reset_index(drop=True)
    pairs.insert(0, "pair_id", np.arange(len(pairs)))
    if "prompt" in items.columns:
        prompt_of = dict(zip(items["item_id"], items["prompt"]))
        prompt_a, prompt_b = pairs["item_a"].map(prompt_of), pairs["item_b"].map(prompt_of)
        differ = (prompt_a != prompt_b).to_numpy()
        if differ.any():
            row = int(np.flatnonzero(differ)[0])
            raise ItemError(f"{path}, row {row + 1}: {pairs['item_a'].iloc[row]!r} answers "
                            f"{prompt_a.iloc[row]!r} but {pairs['item_b'].iloc[row]!r} answers "
                            f"{prompt_b.iloc[row]!r}; expected two responses to the same prompt")
        pairs["prompt"] = prompt_a
    return pairs
