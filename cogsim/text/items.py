"""Item tables of texts: :func:`featurize_items` adds the text features to an item table,
and :func:`default_text_items` loads the default text items shipped with cogsim."""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

from cogsim.errors import ItemError, show, where
from cogsim.text.features import FEATURE_NAMES, MAX_CHARACTERS, featurize

__all__ = ["featurize_items", "default_text_items", "DEFAULT_TEXTS", "DEFAULT_STYLES"]

#: The default text items, in cogsim's package data (one JSON object per line: item_id,
#: prompt, text); a copy beside ``populations/default.toml`` is the item set it names.
DEFAULT_TEXTS = "default_texts.jsonl"
#: The style each default response was written in (item_id, style).
DEFAULT_STYLES = "default_text_styles.jsonl"


def _check_texts(items: pd.DataFrame, column: str, source: str) -> list[str]:
    values = items[column].tolist()
    for row, value in enumerate(values, start=1):
        if not isinstance(value, str):
            raise ItemError(f"{where(source, row, column)}: expected a string, got "
                            f"{show(value)}")
        if len(value) > MAX_CHARACTERS:
            raise ItemError(f"{where(source, row, column)}: a text of {len(value):,} "
                            f"characters; expected at most {MAX_CHARACTERS:,} "
                            f"(cogsim.text.MAX_CHARACTERS)")
    return values


def featurize_items(items: pd.DataFrame, source: str = "items") -> pd.DataFrame:
    """An item table with the text features of its responses added as columns.

    Parameters
    ----------
    items : pandas.DataFrame
        An item table with ``item_id``, ``text`` (the response) and usually ``prompt`` (a
        table without ``prompt`` is read as answering an empty prompt: its
        ``prompt_overlap`` and ``prompt_risk_cues`` are 0).  Other columns, such as
        attributes the user rated, are kept.
    source : str
        How error messages name the table (a file name, say).

    Returns
    -------
    pandas.DataFrame
        A copy of ``items`` (same index and row order) with one column per feature of
        :data:`cogsim.text.FEATURES` in raw units, after the table's own columns.  On a name
        clash the table's own column wins: a user's ``length`` column, for one, is kept
        as given and the computed one is left out.

    Raises
    ------
    cogsim.errors.ItemError
        Naming ``source``, the row (counted from 1) and the column when ``item_id`` or
        ``text`` is missing, or a text or prompt is not a string (an empty cell, NaN, a
        number) or is longer than :data:`cogsim.text.MAX_CHARACTERS`.
    """
    for column in ("item_id", "text"):
        if column not in items.columns:
            raise ItemError(f"{source}: no {column!r} column; expected columns item_id, "
                            f"prompt and text (found {list(items.columns)})")
    texts = _check_texts(items, "text", source)
    prompts = _check_texts(items, "prompt", source) if "prompt" in items.columns else ""
    features = featurize(prompts, texts)
    features.index = items.index
    added = [name for name in FEATURE_NAMES if name not in items.columns]
    return pd.concat([items, features[added]], axis=1)


def default_text_items(with_style: bool = False) -> pd.DataFrame:
    """The default text items: 84 responses to 20 prompts, written for cogsim.

    The prompts mix advice, code, facts, creative writing and four unsafe requests (a
    weapon, a lock, an account break-in, drugs).  Each prompt has 4-5 responses in
    different styles: ``concise``, ``thorough``, ``list``, ``partly_wrong`` and
    ``refusal`` for the ordinary prompts; ``refusal``, ``safe_redirect``,
    ``unsafe_compliance`` (vague, never operational) and ``list`` for the unsafe ones.

    Parameters
    ----------
    with_style : bool
        Keep the ``style`` column (a label, not a numeric attribute: leave it out of an item
        table that goes to ``cogsim generate``).

    Returns
    -------
    pandas.DataFrame
        Columns ``item_id`` (``p01r1`` ... : prompt and response numbers), ``prompt``,
        ``text`` and, when asked, ``style``; no features (see :func:`featurize_items`).
    """
    items = pd.DataFrame(_read_lines(DEFAULT_TEXTS), columns=["item_id", "prompt", "text"])
    if with_style:
        styles = {r["item_id"]: r["style"] for r in _read_lines(DEFAULT_STYLES)}
        items["style"] = items["item_id"].map(styles)
    return items


def _read_lines(name: str) -> list[dict]:
    data = resources.files("cogsim") / "data" / name
    with data.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
