"""Rewards from preferences: each completion scored by its win rate in pairwise judgments
against the other completions of the same prompt.

For a prompt with completions c_1 .. c_m, every unordered pair {c_i, c_j} (i < j, distinct
texts) is judged by k annotators (the oracle's usual assignment, so noise, biases, fatigue
and learning act as they would on people), and

    reward(c_i) = (wins of c_i + 0.5 ties) / (judgments of pairs with c_i),

a number in [0, 1]: 1 when every annotator preferred c_i to every other completion.  Two
identical completions count as a tie (they are the same item and are not shown as a pair);
a prompt with a single completion, or whose completions are all identical, gets 0.5 each.
Completions are grouped by identical prompt, so the G completions that GRPO samples per
prompt are compared with one another, never with another prompt's.  Texts are plain strings
or conversations (lists of ``{"role", "content"}`` messages, as TRL passes them): a
conversation's text is the content of its last assistant turn, a prompt's the content of
its last user turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cogsim.errors import ItemError
from cogsim.oracle.queries import text_ids
from cogsim.text.conversation import as_prompt, as_response

if TYPE_CHECKING:  # pragma: no cover
    from cogsim.oracle.core import Oracle

__all__ = ["completion_rewards"]


def completion_rewards(oracle: Oracle, prompts: Sequence, completions: Sequence,
                       k: int | None = None) -> list[float]:
    """Score each completion by its win rate against the same prompt's other completions.

    Parameters
    ----------
    oracle : Oracle
    prompts, completions : sequence
        One prompt per completion (equal lengths), strings or conversations.
    k : int, optional
        Annotators per pair (default: the population spec's).

    Returns
    -------
    list of float
        One reward in [0, 1] per completion, in the order given.

    Raises
    ------
    ValueError
        Unequal lengths, an empty batch, or a text that is not a string or a conversation
        with the needed turn; nothing is judged.
    """
    if isinstance(prompts, (str, bytes)) or isinstance(completions, (str, bytes)):
        raise ItemError("prompts, completions: expected lists (one prompt per completion), "
                        "got a single string")
    prompts, completions = list(prompts), list(completions)
    if len(prompts) != len(completions):
        raise ItemError(f"completions: expected one per prompt ({len(prompts)}), got "
                        f"{len(completions)}")
    if not completions:
        raise ItemError("completions: the batch is empty; expected at least one completion")
    prompt_text = [as_prompt(p, f"prompts[{i}]") for i, p in enumerate(prompts)]
    texts = [as_response(c, f"completions[{i}]") for i, c in enumerate(completions)]
    ids = np.array(text_ids(prompt_text, texts), dtype=object)
    pair_a, pair_b = _pairs(prompt_text, ids)
    wins = np.zeros(len(ids))
    seen = np.zeros(len(ids))
    if pair_a.size:
        used = np.unique(np.concatenate([pair_a, pair_b]))
        known = oracle.population.registry.index
        new = used[[ids[n] not in known for n in used]]    # only new texts are featurized
        items = None
        if new.size:
            items = pd.DataFrame({"item_id": ids[new], "prompt": np.array(prompt_text)[new],
                                  "text": np.array(texts, dtype=object)[new]})
        table = oracle.judge(pd.DataFrame({"item_a": ids[pair_a], "item_b": ids[pair_b]}),
                             items=items, k=k)
        position: dict[str, int] = {}
        for n, i in enumerate(ids):
            position.setdefault(i, n)                  # a repeated text: its first position
        for column, add_to in (("chosen", wins), ("item_a", seen), ("item_b", seen)):
            rows = np.fromiter((position[i] for i in table[column].to_numpy(dtype=object)),
                               dtype=np.int64, count=len(table))
            np.add.at(add_to, rows, 1.0)
    first_of = pd.Series(np.arange(len(ids))).groupby(ids).transform("min").to_numpy()
    wins, seen = wins[first_of], seen[first_of]
    return [float(w / s) if s else 0.5 for w, s in zip(wins, seen)]


def _pairs(prompts: list[str], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the distinct completions' pairs within each prompt (i < j)."""
    a, b = [], []
    groups: dict[str, list[int]] = {}
    for n, p in enumerate(prompts):
        groups.setdefault(p, []).append(n)
    for members in groups.values():
        distinct = list({ids[n]: n for n in reversed(members)}.values())[::-1]
        for i in range(len(distinct)):
            for j in range(i + 1, len(distinct)):
                a.append(distinct[i])
                b.append(distinct[j])
    return np.array(a, dtype=np.int64), np.array(b, dtype=np.int64)
