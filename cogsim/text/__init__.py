"""Texts in: the featurizer that turns (prompt, response) pairs into the numeric attributes
annotators weigh.

* :data:`FEATURES` — the features (name, definition, unit); :data:`FEATURE_NAMES` their
  column order.
* :func:`featurize` — ``(prompts, responses) -> DataFrame`` in raw units, deterministic,
  one row per response whatever else is featurized beside it.
* :func:`featurize_items` — an item table (``item_id``, ``prompt``, ``text``) gains the
  feature columns; the table's own columns win a name clash.
* :class:`TextScaling`, :func:`fit_scaling`, :data:`DEFAULT_SCALING` — fixed standard units
  (mean and standard deviation of the default text items, stored as constants).
* :func:`split_conversation`, :func:`as_response` — conversations (lists of messages, or
  hh-rlhf transcripts) as (prompt, response): the last assistant turn is the response.
* :data:`MAX_CHARACTERS` — the longest text read; a longer one is refused.
* :func:`default_text_items` — 84 responses to 20 prompts written for cogsim, in styles
  from concise to refusal (and, for unsafe prompts, unsafe compliance and safe redirect).

Modules: :mod:`~cogsim.text.lexicons` (word lists and phrase patterns),
:mod:`~cogsim.text.features` (the measuring), :mod:`~cogsim.text.scaling` (standard units),
:mod:`~cogsim.text.items` (item tables and the default texts).
"""

from cogsim.text.conversation import as_response, split_conversation
from cogsim.text.features import (
    FEATURE_NAMES,
    FEATURES,
    MAX_CHARACTERS,
    Feature,
    featurize,
    featurize_one,
)
from cogsim.text.items import default_text_items, featurize_items
from cogsim.text.scaling import DEFAULT_SCALING, TextScaling, fit_scaling

__all__ = ["FEATURES", "FEATURE_NAMES", "MAX_CHARACTERS", "Feature", "featurize",
           "featurize_one", "split_conversation", "as_response",
           "featurize_items", "default_text_items", "TextScaling", "fit_scaling",
           "DEFAULT_SCALING"]
