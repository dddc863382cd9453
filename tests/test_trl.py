"""The TRL adapters: the reward function called exactly as GRPOTrainer calls one, and
judgments turned into DPO / reward-model dataset columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogsim import Oracle
from cogsim.spec import parse_spec
from cogsim.text import default_text_items, featurize_items
from cogsim.trl import PreferenceReward, preference_dataset

SLEEP = "How can I fall asleep faster?"
COLOUR = "Suggest a colour for a kitchen."
COMPLETIONS = {
    SLEEP: ["Sleep.", "Keep a regular schedule.",
            "Keep a regular schedule, skip caffeine after noon and keep the room dark.",
            "Keep a regular wake-up time, skip caffeine after noon, keep the bedroom dark, "
            "cool and quiet, and put screens away for the last half hour before bed."],
    COLOUR: ["Blue.", "A warm off-white.", "A warm off-white brightens a small kitchen.",
             "A warm off-white: it brightens a small kitchen, hides little and goes with wood "
             "and steel alike."],
}


def spec(scale: float) -> object:
    return parse_spec({"name": "length-lovers", "n_annotators": 16, "seed": 2,
                       "assignment": {"annotators_per_pair": 3},
                       "groups": [{"name": "readers", "share": 1.0,
                                   "model": "bradley_terry", "scale": scale,
                                   "values": {"log_length": 1.0}}]})


@pytest.fixture(scope="module")
def items():
    return featurize_items(default_text_items())


def grpo_batch(conversational: bool):
    """A batch as GRPOTrainer builds it: each prompt repeated once per completion."""
    prompts, completions = [], []
    for prompt, answers in COMPLETIONS.items():
        for answer in answers:
            prompts.append([{"role": "user", "content": prompt}] if conversational else prompt)
            completions.append([{"role": "assistant", "content": answer}] if conversational
                               else answer)
    return prompts, completions


@pytest.mark.parametrize("conversational", [False, True])
def test_reward_called_as_grpo_calls_it_ranks_as_the_population_prefers(items,
                                                                        conversational):
    reward = PreferenceReward(spec(0.01), items=items)
    prompts, completions = grpo_batch(conversational)
    ids = [[1, 2, 3][: 1 + n % 3] for n in range(len(completions))]
    out = reward(prompts=prompts, completions=completions, completion_ids=ids,
                 trainer_state=object(), solution=["-"] * len(prompts),
                 ground_truth=[None] * len(prompts))
    assert isinstance(out, list) and all(isinstance(r, float) for r in out)
    # Annotators with almost no noise who like length: 0, 1/3, 2/3, 1 within each prompt.
    np.testing.assert_allclose(out, [0, 1 / 3, 2 / 3, 1] * 2)
    assert reward.__name__ == "cogsim_preference"


def test_noisy_rewards_follow_the_population_on_average(items):
    reward = PreferenceReward(spec(1.0), items=items, k=5)
    prompts, completions = grpo_batch(False)
    mean = np.mean([reward(prompts=prompts, completions=completions) for _ in range(15)],
                   axis=0).reshape(2, 4)
    assert np.all(np.diff(mean, axis=1) > 0)
    assert np.all((mean > 0) & (mean < 1))


def test_reward_shares_a_running_oracle_and_its_seed_fixes_the_rewards(items):
    oracle = Oracle(spec(1.0), items=items)
    shared = PreferenceReward(oracle)
    prompts, completions = grpo_batch(False)
    first = shared(prompts, completions)
    assert oracle.annotators["judgments"].sum() == 2 * 6 * 3
    again = PreferenceReward(spec(1.0), items=items)(prompts, completions)
    assert again == first


def test_bad_completions_get_a_clear_error(items):
    reward = PreferenceReward(spec(1.0), items=items)
    with pytest.raises(ValueError, match=r"completions\[0\]: no assistant turn"):
        reward(prompts=[SLEEP], completions=[[{"role": "user", "content": "hi"}]])
    with pytest.raises(ValueError, match="expected one per prompt"):
        reward(prompts=[SLEEP, SLEEP], completions=["a"])


@pytest.mark.parametrize("conversational", [False, True])
def test_preference_dataset_has_the_trainer_columns(items, conversational):
    oracle = Oracle(spec(0.01), items=items)
    pairs = [({"prompt": SLEEP, "text": a}, {"prompt": SLEEP, "text": b})
             for a, b in [(COMPLETIONS[SLEEP][0], COMPLETIONS[SLEEP][3]),
                          (COMPLETIONS[SLEEP][2], COMPLETIONS[SLEEP][1])]]
    judgments = oracle.judge(pairs, k=2)
    data = preference_dataset(judgments, oracle.items, conversational=conversational,
                              margin=True)
    assert list(data.columns) == ["prompt", "chosen", "rejected", "margin"]
    assert len(data) == 4 and (data["margin"] >= 0).all()
    longest, second = COMPLETIONS[SLEEP][3], COMPLETIONS[SLEEP][2]
    chosen = data["chosen"].tolist()
    if conversational:
        assert data["prompt"][0] == [{"role": "user", "content": SLEEP}]
        chosen = [c[0]["content"] for c in chosen]
        assert data["rejected"][0][0]["role"] == "assistant"
    else:
        assert (data["prompt"] == SLEEP).all()
    assert chosen == [longest, longest, second, second]


def test_preference_dataset_of_a_generate_run_reads_its_texts(tmp_path):
    from cogsim.generate import generate
    from cogsim.tasks import default_items

    items = default_items()
    attribute = next(c for c in items.columns if c not in ("item_id", "prompt", "text"))
    result = generate(parse_spec({"name": "t", "n_annotators": 6, "seed": 1,
                                  "assignment": {"pairs": 5, "annotators_per_pair": 2},
                                  "groups": [{"name": "g", "share": 1.0,
                                              "model": "bradley_terry",
                                              "values": {attribute: 1.0}}]}), items)
    data = preference_dataset(result.judgments, items)
    text = dict(zip(items["item_id"], items["text"]))
    assert len(data) == len(result.judgments)
    assert data["chosen"].tolist() == result.judgments["chosen"].map(text).tolist()
    assert isinstance(data, pd.DataFrame) and "margin" not in data
