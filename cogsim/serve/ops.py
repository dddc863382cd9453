"""What each request asks of the oracle: checks that need no state (run as the request
arrives), and the call the worker runs (see :mod:`cogsim.serve.service`), whose answer is
the response body, serialized with orjson (NaN becomes null).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import orjson
import pandas as pd

from cogsim.errors import InputError
from cogsim.oracle import Oracle
from cogsim.serve.schemas import FeedbackRequest, JudgmentsRequest, RewardsRequest

__all__ = ["Refused", "judgments_call", "feedback_call", "rewards_call", "translate"]


class Refused(InputError):
    """A request refused before it reached the oracle; ``field`` names the field."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field


def _rows(table: pd.DataFrame) -> list[dict]:
    names = list(table.columns)
    columns = [table[c].tolist() for c in names]
    return [dict(zip(names, row)) for row in zip(*columns)]


def _columns(table: pd.DataFrame) -> dict[str, list]:
    return {c: table[c].tolist() for c in table.columns}


def judgments_call(req: JudgmentsRequest, *, max_batch: int, max_judgments: int,
                   default_k: int, n_annotators: int, clock: Callable[[], dict]
                   ) -> Callable[[Oracle], bytes]:
    """Check a judgments request's size and shape; returns the oracle call."""
    n = len(req.pairs)
    if n > max_batch:
        raise Refused("pairs", f"{n} pairs; expected at most {max_batch} per request "
                               f"(--max-batch): split the batch")
    if req.annotators is not None:
        per_pair = len(req.annotators)
    else:                                   # k over the population: the oracle refuses it
        per_pair = min(req.k or default_k, n_annotators)
    if n * per_pair > max_judgments:
        raise Refused("pairs", f"{n} pairs x {per_pair} annotators = {n * per_pair} "
                               f"judgments; expected at most {max_judgments} per request")
    who = [name for name, there in (("pairs[0].annotator_id", req.pairs[0].annotator_id
                                     is not None), ("annotators", req.annotators is not None),
                                    ("group", req.group is not None)) if there]
    if len(who) > 1:
        raise Refused(who[1], f"given with {who[0]}; expected one way of choosing who judges")
    if req.k is not None and who and who[0] != "group":
        raise Refused("k", f"given with {who[0]}; k is the number of randomly drawn "
                           f"annotators (of the population or of a group)")
    table = None
    for name in ("pair_id", "annotator_id"):
        given = [getattr(p, name) is not None for p in req.pairs]
        if any(given) and not all(given):
            r = given.index(False)
            raise Refused(f"pairs[{r}].{name}", "missing, but given on other pairs; expected "
                                                "it on every pair or on none")
    first = req.pairs[0]
    if first.pair_id is not None or first.annotator_id is not None:
        for r, p in enumerate(req.pairs):
            for side in ("item_a", "item_b"):
                if not isinstance(getattr(p, side), str):
                    raise Refused(f"pairs[{r}].{side}", "an object of attributes; with "
                                  "pair_id or annotator_id, items are named by id (send new "
                                  "items in 'items')")
        table = pd.DataFrame({"item_a": [p.item_a for p in req.pairs],
                              "item_b": [p.item_b for p in req.pairs]})
        if first.pair_id is not None:
            table["pair_id"] = [p.pair_id for p in req.pairs]
        if first.annotator_id is not None:
            table["annotator_id"] = [p.annotator_id for p in req.pairs]
    pairs = table if table is not None else [(p.item_a, p.item_b) for p in req.pairs]
    items = pd.DataFrame(req.items) if req.items is not None else None

    def call(oracle: Oracle) -> bytes:
        judged = oracle.judge(pairs, items=items, k=req.k, annotators=req.annotators,
                              group=req.group)
        body: dict = {"judgments": _rows(judged) if req.orient == "records"
                      else _columns(judged)}
        if req.aggregate:
            body["aggregate"] = _rows(Oracle.aggregate(judged))
        body["clock"] = clock()
        return orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)

    return call


def feedback_call(req: FeedbackRequest, *, max_batch: int, max_experiences: int,
                  group_sizes: dict[str, int], clock: Callable[[], dict]
                  ) -> Callable[[Oracle], bytes]:
    """Check a feedback request; returns the oracle call."""
    n = len(req.judgments)
    if n > max_batch:
        raise Refused("judgments", f"{n} rows; expected at most {max_batch} per request "
                                   f"(--max-batch)")
    who = req.who
    learners = (1 if who == "judged" else sum(group_sizes.values()) if who == "all"
                else group_sizes.get(who, 0) if isinstance(who, str) else len(who))
    if n * learners > max_experiences:
        raise Refused("who", f"{n} rows x {learners} learners = {n * learners} experiences; "
                             f"expected at most {max_experiences} per request")
    table = pd.DataFrame({"item_a": [r.item_a for r in req.judgments],
                          "item_b": [r.item_b for r in req.judgments]})
    if req.who == "judged":
        missing = [r for r, row in enumerate(req.judgments) if row.annotator_id is None]
        if missing:
            raise Refused(f"judgments[{missing[0]}].annotator_id", "missing; with who "
                          "'judged' every row names the annotator who judged it")
        table["annotator_id"] = [r.annotator_id for r in req.judgments]
    outcomes = req.outcomes

    def call(oracle: Oracle) -> bytes:
        stored = oracle.feedback(table, outcomes=outcomes, preferred=req.preferred,
                                 who=req.who)
        return orjson.dumps({"stored": stored, "clock": clock()})

    return call


def rewards_call(req: RewardsRequest, *, max_batch: int, max_judgments: int, default_k: int,
                 clock: Callable[[], dict]) -> Callable[[Oracle], bytes]:
    """Check a rewards request; returns the oracle call."""
    if len(req.completions) != len(req.prompts):
        raise Refused("completions", f"{len(req.completions)} completions for "
                                     f"{len(req.prompts)} prompts; expected one per prompt")
    if len(req.prompts) > max_batch:
        raise Refused("prompts", f"{len(req.prompts)} completions; expected at most "
                                 f"{max_batch} per request (--max-batch)")
    group: dict[str, int] = {}
    for p in req.prompts:           # grouped as the oracle groups them: by the prompt's text
        users = [m["content"] for m in p if m["role"] == "user"] if not isinstance(p, str) \
            else [p]
        key = users[-1] if users else ""
        group[key] = group.get(key, 0) + 1
    pairs = sum(m * (m - 1) // 2 for m in group.values())
    judgments = pairs * (req.k or default_k)
    if judgments > max_judgments:
        raise Refused("completions", f"{pairs} pairs of completions of the same prompt x "
                                     f"{req.k or default_k} annotators = {judgments} "
                                     f"judgments; expected at most {max_judgments} per request")
    prompts, completions = list(req.prompts), list(req.completions)

    def call(oracle: Oracle) -> bytes:
        rewards = oracle.rewards(prompts, completions, k=req.k)
        return orjson.dumps({"rewards": [float(x) for x in rewards], "clock": clock()})

    return call


_FIELDS = [        # (the oracle's way of naming a place, the request's field)
    (re.compile(r"^pairs, row (\d+), item[_ ]([ab])"),
     lambda m: f"pairs[{int(m[1]) - 1}].item_{m[2]}"),
    (re.compile(r"^pairs, row (\d+), column '(\w+)'"), lambda m: f"pairs[{int(m[1]) - 1}].{m[2]}"),
    (re.compile(r"^pairs, row (\d+)"), lambda m: f"pairs[{int(m[1]) - 1}]"),
    (re.compile(r"^judge: k\b"), lambda m: "k"),
    (re.compile(r"^judge: (?=unknown group)"), lambda m: "group: "),
    (re.compile(r"^feedback: (outcomes|preferred|who)\b"), lambda m: m[1]),
    (re.compile(r"^feedback, row (\d+)"), lambda m: f"judgments[{int(m[1]) - 1}]"),
    (re.compile(r"^feedback(?=: )"), lambda m: "judgments"),
    (re.compile(r"^(prompts|completions)\[(\d+)\]"), lambda m: m[0]),
]
_FIELD = re.compile(r"^(annotators|items|pairs|prompts|completions|k|group|judgments)\b")


def translate(message: str) -> tuple[str | None, str]:
    """The request field an oracle error is about, and the message with the oracle's name
    of the place replaced by the field's (``pairs, row 3, item b`` -> ``pairs[2].item_b``)."""
    for pattern, name in _FIELDS:
        m = pattern.match(message)
        if m:
            new = name(m)
            message = new + message[m.end():]
            return new.rstrip(": "), message
    m = _FIELD.match(message)
    return (m[1] if m else None), message
