"""The service's request and response bodies (pydantic models), with the examples shown at
``/docs``.

Requests are checked here for shape (fields, types, finite numbers, no unknown fields);
whether the items, annotators and groups exist is checked by the oracle itself, before
anything changes.  Every model refuses fields it does not declare.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, model_validator

__all__ = ["AggregateRow", "Clock", "ErrorResponse", "FeedbackRequest", "FeedbackResponse",
           "FeedbackRow", "JudgmentRow", "JudgmentsRequest", "JudgmentsResponse", "Pair",
           "PopulationResponse", "RewardsRequest", "RewardsResponse", "SaveResponse",
           "JUDGMENT_COLUMNS"]

#: The columns of a judgment row (the judgments table), in order.
JUDGMENT_COLUMNS = ("run_id", "step", "pair_id", "annotator_id", "group", "item_a", "item_b",
                    "first", "chosen", "value_a", "value_b", "p_a", "rt", "strategy", "model",
                    "seed")

_ITEM_SCHEMA = {
    "anyOf": [
        {"type": "string", "minLength": 1, "description": "the id of an item the oracle knows"},
        {"type": "object", "description": "a new item: prompt and text (featurized), or its "
                                          "attributes (numbers) and an optional item_id",
         "additionalProperties": {"anyOf": [{"type": "number"}, {"type": "string"}]}},
    ]}


def _item(value: Any) -> str | dict:
    """An item: an id (non-empty string, or whole number) or a mapping of attributes whose
    values are finite numbers or strings."""
    if isinstance(value, bool):
        raise ValueError("expected an item id (a string) or an object of attributes, got a "
                         "boolean")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not value:
            raise ValueError("expected an item id (a non-empty string), got ''")
        return value
    if isinstance(value, dict):
        for key, x in value.items():
            if isinstance(x, bool) or not isinstance(x, (int, float, str)):
                raise ValueError(f"attribute {key!r}: expected a number or a string, got "
                                 f"{type(x).__name__} {x!r:.40}")
            if isinstance(x, float) and not math.isfinite(x):
                raise ValueError(f"attribute {key!r}: expected a finite number, got {x}")
        return value
    raise ValueError(f"expected an item id (a string) or an object of attributes, got "
                     f"{type(value).__name__}")


def _item_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise ValueError(f"expected an item id (a non-empty string), got {value!r:.40}")
    return str(value)


def _finite(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a finite number, got {type(value).__name__} {value!r:.40}")
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return float(value)


def _outcomes(value: Any) -> str | dict[str, float]:
    if value == "gold":
        return "gold"
    if not isinstance(value, dict):
        raise ValueError(f"expected 'gold' or an object of item id to value, got "
                         f"{value!r:.40}")
    out = {}
    for key, x in value.items():
        try:
            out[key] = _finite(x)
        except ValueError as e:
            raise ValueError(f"item {key!r}: {e}") from None
    return out


def _who(value: Any) -> str | list[int]:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value and all(
            isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**62 for x in value):
        return value
    raise ValueError(f"expected 'judged', 'all', a group name or a non-empty list of annotator "
                     f"ids, got {value!r:.40}")


def _text(value: Any) -> str | list[dict]:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(
            isinstance(m, dict) and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str) for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise ValueError(f"expected a string or a conversation (a list of {{'role', 'content'}} "
                     f"messages with string values), got {value!r:.60}")


Item = Annotated[Any, PlainValidator(_item), WithJsonSchema(_ITEM_SCHEMA)]
Outcomes = Annotated[Any, PlainValidator(_outcomes), WithJsonSchema(
    {"anyOf": [{"const": "gold"}, {"type": "object", "additionalProperties": {"type": "number"}}]})]
Who = Annotated[Any, PlainValidator(_who), WithJsonSchema(
    {"anyOf": [{"type": "string", "minLength": 1},
               {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0}}]})]
Text = Annotated[Any, PlainValidator(_text), WithJsonSchema(
    {"anyOf": [{"type": "string"},
               {"type": "array", "minItems": 1, "items": {
                   "type": "object", "required": ["role", "content"],
                   "properties": {"role": {"type": "string"}, "content": {"type": "string"}}}}]})]
ItemId = Annotated[Any, PlainValidator(_item_id),
                   WithJsonSchema({"type": "string", "minLength": 1})]
Finite = Annotated[Any, PlainValidator(_finite), WithJsonSchema({"type": "number"})]
Count = Annotated[int, Field(ge=0, le=2**62)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pair(_Strict):
    """One pair to judge."""

    item_a: Item
    item_b: Item
    pair_id: Count | None = Field(None, description="Your id of the pair (default: numbered "
                                                    "by the oracle). Items must then be ids.")
    annotator_id: Count | None = Field(None, description="This annotator judges the pair "
                                                         "(then on every pair; items as ids).")


_NEW_ITEM = {"prompt": "How can I fall asleep faster at night?",
             "text": "Keep a fixed wake-up time and put screens away an hour before bed."}


class JudgmentsRequest(_Strict):
    """A batch of pairs, and who judges them (one of ``k``, ``annotators``, ``group`` or an
    ``annotator_id`` on every pair; none: the spec's k random annotators per pair)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"pairs": [{"item_a": "p01r1", "item_b": "p01r2"}, {"item_a": "p03r1",
                                                             "item_b": "p03r3"}]},
        {"pairs": [{"item_a": "p01r1", "item_b": _NEW_ITEM}], "k": 5, "aggregate": True},
        {"pairs": [{"item_a": "p01r1", "item_b": "p01r2"}], "group": "harmless"},
    ]})

    pairs: list[Pair] = Field(min_length=1, description="The pairs, judged in this order.")
    k: int | None = Field(None, ge=1, le=2**31, description="Random annotators per pair.")
    annotators: list[Count] | None = Field(None, min_length=1,
                                           description="These annotators judge every pair.")
    group: str | None = Field(None, description="Draw the k annotators from this group.")
    items: list[dict[str, Any]] | None = Field(
        None, min_length=1, description="New items (item_id and attributes) that the pairs "
                                        "name by id.")
    aggregate: bool = Field(False, description="Also return votes per pair.")
    orient: Literal["records", "columns"] = Field(
        "records", description="Judgments as a list of rows, or as one list per column.")


class FeedbackRow(_Strict):
    """A judged pair.  Rows of a judgments response may be sent back as they are: their
    other columns of the judgments table are ignored."""

    item_a: ItemId
    item_b: ItemId
    annotator_id: Count | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_table_columns(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items()
                    if k in ("item_a", "item_b", "annotator_id") or k not in JUDGMENT_COLUMNS}
        return data


class FeedbackRequest(_Strict):
    """What the annotators learn: the value of the items of judged pairs."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"judgments": [{"item_a": "p01r1", "item_b": "p01r2", "annotator_id": 7}],
         "outcomes": "gold"},
        {"judgments": [{"item_a": "p01r1", "item_b": "p01r2"}], "preferred": ["p01r2"],
         "who": "all"},
    ]})

    judgments: list[FeedbackRow] = Field(min_length=1)
    outcomes: Outcomes = Field(
        "gold", description="'gold' (the spec's gold values) or a value per item id.")
    preferred: list[ItemId] | None = Field(
        None, description="Instead of outcomes: the preferred item of each row.")
    who: Who = Field(
        "judged", description="'judged' (each row's annotator_id), 'all', a group name, "
                              "or annotator ids.")


class RewardsRequest(_Strict):
    """TRL-shaped: completions grouped by identical prompt; each gets its win rate."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"prompts": ["How do I boil an egg?", "How do I boil an egg?"],
         "completions": ["Put it in boiling water for 8 minutes.",
                         "I cannot help with that."]}]})

    prompts: list[Text] = Field(min_length=1, description="A string, or a conversation whose "
                                                          "last user turn is the prompt.")
    completions: list[Text] = Field(min_length=1, description="A string, or a conversation "
                                                              "whose last assistant turn is "
                                                              "the completion.")
    k: int | None = Field(None, ge=1, le=2**31, description="Annotators per comparison.")


class Clock(BaseModel):
    """Where the oracle is: steps closed, pairs and judgments so far, state changes since the
    server started, and since the last save."""

    step: int
    pairs_seen: int
    judgments: int
    changes: int
    unsaved_changes: int


class JudgmentRow(BaseModel):
    """One judgment (a row of the judgments table); p_a and rt are null where the model
    gives none."""

    run_id: str
    step: int
    pair_id: int
    annotator_id: int
    group: str
    item_a: str
    item_b: str
    first: str
    chosen: str
    value_a: float | None
    value_b: float | None
    p_a: float | None
    rt: float | None
    strategy: str
    model: str
    seed: int


class AggregateRow(BaseModel):
    pair_id: int
    item_a: str
    item_b: str
    votes_a: int
    votes_b: int
    majority: str
    share_a: float
    mean_p_a: float | None


_ROW = {"run_id": "default-seed0", "step": 0, "pair_id": 0, "annotator_id": 7,
        "group": "helpful", "item_a": "p01r1", "item_b": "p01r2", "first": "p01r1",
        "chosen": "p01r2", "value_a": -1.02, "value_b": 2.64, "p_a": None, "rt": None,
        "strategy": "evaluate", "model": "ibl", "seed": 0}
_CLOCK = {"step": 0, "pairs_seen": 1, "judgments": 3, "changes": 1, "unsaved_changes": 1}


class JudgmentsResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"judgments": [_ROW], "aggregate": [
            {"pair_id": 0, "item_a": "p01r1", "item_b": "p01r2", "votes_a": 1, "votes_b": 2,
             "majority": "p01r2", "share_a": 0.333, "mean_p_a": 0.41}], "clock": _CLOCK}]})

    judgments: list[JudgmentRow] | dict[str, list] = Field(
        description="Rows (orient 'records') or columns (orient 'columns').")
    aggregate: list[AggregateRow] | None = None
    clock: Clock


class FeedbackResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"stored": 6, "clock": _CLOCK}]})

    stored: int = Field(description="Experiences stored (IBL and ACT-R annotators learn).")
    clock: Clock


class RewardsResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rewards": [1.0, 0.0],
                                                               "clock": _CLOCK}]})

    rewards: list[float]
    clock: Clock


class SaveResponse(BaseModel):
    path: str
    clock: Clock


class PopulationResponse(BaseModel):
    name: str
    size: int
    seed: int
    groups: dict[str, dict[str, Any]]
    attributes: list[str]
    items: int
    clock: Clock
    spec: dict[str, Any]
    version: dict[str, Any]
    state: str | None


class ErrorResponse(BaseModel):
    """A refused request: ``detail`` is one line naming the field and the problem."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"detail": "pairs[0].item_b: unknown item 'p99r9'; expected an item the oracle has "
                   "been given, or its attributes", "field": "pairs[0].item_b"}]})

    detail: str
    field: str | None = None
