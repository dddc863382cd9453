"""What is judged: items with attributes (and prompts and texts), pairs of them, and gambles
in the format of the choice prediction competitions.

* :mod:`cogsim.tasks.items` — item tables, their checks, pairs (random, all, from a file) and
  the built-in item set.
* :mod:`cogsim.tasks.gambles` — CPC-format problems: checks, outcome distributions, padding
  to arrays, the experimental protocols.
"""

from cogsim.tasks.items import (
    GAMBLE_COLUMNS,
    TEXT_COLUMNS,
    ItemError,
    all_pairs,
    attribute_columns,
    default_items,
    default_text_item_set,
    gamble_items,
    is_gamble_table,
    is_text_table,
    load_items,
    load_pairs,
    random_pairs,
    validate_items,
)

__all__ = ["ItemError", "TEXT_COLUMNS", "GAMBLE_COLUMNS", "load_items", "validate_items",
           "default_items", "attribute_columns", "all_pairs", "random_pairs", "load_pairs",
           "gamble_items", "is_gamble_table", "is_text_table", "default_text_item_set"]
