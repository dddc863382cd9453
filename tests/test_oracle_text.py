"""The oracle on texts: items given as prompt and response are featurized on arrival, and
completions are rewarded by their win rate in the population's pairwise judgments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogsim import Oracle
from cogsim.spec import parse_spec
from cogsim.text import default_text_items, featurize_items, featurize_one

PROMPT = "How can I fall asleep faster?"
ANSWERS = [
    "Sleep.",
    "Keep a regular schedule.",
    "Keep a regular schedule, skip caffeine after noon and keep the bedroom dark.",
    "Keep a regular wake-up time every day, skip caffeine after noon, keep the bedroom dark, "
    "cool and quiet, and put screens away for the last half hour before bed.",
]


def text_spec(model: str = "bradley_terry", **group) -> dict:
    """A population that prefers longer responses and dislikes refusals."""
    values = {"log_length": 1.0, "refusal_phrases": -1.0}
    return {"name": "text", "n_annotators": 12, "seed": 5,
            "assignment": {"annotators_per_pair": 3},
            "groups": [{"name": "readers", "share": 1.0, "model": model, "values": values,
                        **group}]}


@pytest.fixture(scope="module")
def items():
    return featurize_items(default_text_items())


def oracle(items, **group) -> Oracle:
    return Oracle(parse_spec(text_spec(**group)), items=items)


def test_text_items_are_featurized_on_arrival_and_named_by_their_text(items):
    o = oracle(items, scale=0.01)
    a = {"prompt": PROMPT, "text": ANSWERS[0]}
    b = {"prompt": PROMPT, "text": ANSWERS[3]}
    table = o.judge([(a, b)], k=3)
    assert len(table) == 3 and set(table["item_a"]) == {table["item_a"].iloc[0]}
    assert table["item_a"].iloc[0].startswith("t") and len(table["item_a"].iloc[0]) == 17
    # The registry holds the featurizer's values for the population's attributes.
    reg = o.population.registry
    code = reg.codes(np.array([table["item_b"].iloc[0]], dtype=object))[0]
    features = featurize_one(PROMPT, ANSWERS[3])
    for j, name in enumerate(reg.attributes):
        assert reg.raw[code, j] == pytest.approx(features[name])
    # A logistic noise scale of 0.01: the long answer wins every judgment.
    assert (table["chosen"] == table["item_b"]).all()
    # The same text again is the same item: no new registration.
    before = len(reg.ids)
    o.judge([(a, b)], k=1)
    assert len(reg.ids) == before


def test_a_table_of_texts_with_ids_is_featurized_like_mappings(items):
    o1, o2 = oracle(items), oracle(items)
    texts = pd.DataFrame({"item_id": ["short", "long"], "prompt": PROMPT,
                          "text": [ANSWERS[0], ANSWERS[3]]})
    by_table = o1.judge([("short", "long")], items=texts, k=3)
    by_mapping = o2.judge([({"item_id": "short", "prompt": PROMPT, "text": ANSWERS[0]},
                            {"item_id": "long", "prompt": PROMPT, "text": ANSWERS[3]})], k=3)
    pd.testing.assert_frame_equal(by_table, by_mapping)


def test_rewards_rank_completions_as_the_population_prefers_them(items):
    o = oracle(items, scale=0.01)
    rewards = o.rewards([PROMPT] * 4, ANSWERS)
    # 3 pairs per completion x 3 annotators; nearly deterministic annotators: 0, 1/3, 2/3, 1.
    assert rewards == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    # Noisy annotators keep the order on average over many prompts' worth of judgments.
    noisy = oracle(items, scale=1.0)
    mean = np.mean([noisy.rewards([PROMPT] * 4, ANSWERS, k=9) for _ in range(20)], axis=0)
    assert np.all(np.diff(mean) > 0) and 0 < mean[0] and mean[-1] < 1


def test_rewards_group_by_prompt_and_tie_repeats_and_singletons(items):
    o = oracle(items, scale=0.01)
    prompts = [PROMPT, "Name a colour.", PROMPT, PROMPT]
    completions = [ANSWERS[0], "Blue.", ANSWERS[3], ANSWERS[3]]
    rewards = o.rewards(prompts, completions)
    assert rewards[1] == 0.5                    # alone with its prompt
    assert rewards[2] == rewards[3] == 1.0      # the same text: one item
    assert rewards[0] == 0.0
    # Only the one distinct pair of the first prompt was judged, by 3 annotators.
    assert o.pairs_seen == 1 and o.annotators["judgments"].sum() == 3


def test_conversations_give_the_rewards_of_their_last_turns(items):
    plain = oracle(items).rewards([PROMPT] * 4, ANSWERS)
    prompts = [[{"role": "user", "content": PROMPT}] for _ in ANSWERS]
    completions = [[{"role": "user", "content": PROMPT}, {"role": "assistant", "content": a}]
                   for a in ANSWERS]
    assert oracle(items).rewards(prompts, completions) == plain
    # Several turns make one prompt, written as the featurizer reads conversations.
    o = oracle(items)
    system = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": PROMPT}]
    o.rewards([system] * 2, ANSWERS[:2])
    assert set(o.items["prompt"].iloc[-2:]) == {f"System: Be brief.\n\nUser: {PROMPT}"}


@pytest.mark.parametrize("prompts, completions, message", [
    ([PROMPT], [[{"role": "user", "content": "hi"}]], "completions[0]: no assistant turn"),
    ([PROMPT], [[{"role": "assistant"}]], "completions[0], message 1: expected 'role' and "
                                          "'content' strings"),
    ([PROMPT], [3], "completions[0]: expected a string or a list of messages, got 3"),
    ([["hi"]], [ANSWERS[0]], "prompts[0], message 1: expected a mapping"),
    ([PROMPT, PROMPT], [ANSWERS[0]], "expected one per prompt (2), got 1"),
    ([], [], "the batch is empty"),
    (PROMPT, ANSWERS[0], "got a single string"),
])
def test_bad_reward_requests_are_refused_and_change_nothing(items, prompts, completions,
                                                            message):
    o = oracle(items)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        o.rewards(prompts, completions)
    assert o.pairs_seen == 0 and o.annotators["judgments"].sum() == 0
    assert len(o.population.registry.ids) == len(items)


def test_text_mappings_with_bad_fields_are_refused(items):
    o = oracle(items)
    with pytest.raises(ValueError, match="'text': expected a string, got 5"):
        o.judge([({"prompt": PROMPT, "text": 5}, {"prompt": PROMPT, "text": "x"})])
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        o.judge([({"text": "a", "colour": 1}, {"text": "b"})])
    assert o.pairs_seen == 0 and len(o.population.registry.ids) == len(items)
