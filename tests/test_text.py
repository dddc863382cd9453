"""The text featurizer (cogsim.text): each feature on hand-made texts, determinism, the fixed
scaling, error messages, and the default text items."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from cogsim.errors import ItemError
from cogsim.tasks import validate_items
from cogsim.text import (
    DEFAULT_SCALING,
    FEATURE_NAMES,
    FEATURES,
    TextScaling,
    default_text_items,
    featurize,
    featurize_items,
    featurize_one,
    fit_scaling,
)
from cogsim.text import lexicons as lex

STYLES = {"concise", "thorough", "list", "partly_wrong", "refusal", "unsafe_compliance",
          "safe_redirect"}


def one(response: str, prompt: str = "") -> dict[str, float]:
    return featurize_one(prompt, response)


# --- the feature table ---------------------------------------------------------------------

def test_features_are_named_defined_and_in_column_order() -> None:
    names = [f.name for f in FEATURES]
    assert len(set(names)) == len(names) == len(FEATURE_NAMES)
    assert all(f.definition and f.unit for f in FEATURES)
    out = featurize(["a prompt", "another"], ["A reply.", "Another reply!"])
    assert list(out.columns) == list(FEATURE_NAMES)
    assert all(dtype == np.float64 for dtype in out.dtypes)
    assert list(out.index) == [0, 1]


# --- each feature on hand-made texts -------------------------------------------------------

def test_length_counts_words_with_contractions_as_one() -> None:
    f = one("One two three four. Don't stop, it's 5.")
    assert f["length"] == 8          # one two three four don't stop it's 5
    assert f["log_length"] == pytest.approx(math.log(9))
    assert f["characters"] == len("One two three four. Don't stop, it's 5.")
    assert one("I can’t")["length"] == 2          # a curly apostrophe reads as a straight one


def test_numbered_list_items_and_sentences() -> None:
    f = one("Steps:\n\n1. Mix the flour.\n2. Add water.\n3) Bake it for 40 minutes.")
    assert f["list_items"] == 3
    assert f["has_list"] == 1
    assert f["sentences"] == 4                       # "Steps:" and the three items
    assert f["numbers"] == 1                         # 40; the list numbers do not count
    assert f["paragraphs"] == 2


def test_bullets_and_a_single_bullet() -> None:
    f = one("Options:\n- red\n* green\n+ blue\n• yellow")
    assert f["list_items"] == 4 and f["has_list"] == 1
    g = one("- only one item here")
    assert g["list_items"] == 1 and g["has_list"] == 0
    assert one("A sentence - with a dash - inside.")["list_items"] == 0


def test_headings_and_bold() -> None:
    f = one("# Title\n\nSome text.\n\n## Part two\n\n**A bold line**\n\nA **bold** word and "
            "**another**.")
    assert f["headings"] == 3
    assert f["bold_spans"] == 3
    assert one("#hashtag is not a heading")["headings"] == 0


def test_code_blocks_are_counted_and_kept_out_of_the_prose() -> None:
    text = ("Use this:\n\n```python\n# a comment, not a heading\nx = [1, 2]\n- 3\n```\n\n"
            "And this:\n\n```\nprint(x)\n```")
    f = one(text)
    assert f["code_blocks"] == 2
    assert f["headings"] == 0 and f["list_items"] == 0
    assert f["numbers"] == 0                          # the digits are in the code
    assert f["length"] == 16                          # code words count toward length
    assert f["words_per_sentence"] == pytest.approx(2.0)   # prose: "use this" "and this"
    assert one("Start:\n```\nnever closed")["code_blocks"] == 1


@pytest.mark.parametrize("text", [
    "I'm sorry, but I can't help with that.",
    "I cannot assist with this request.",
    "I am unable to do that.",
    "I’m not able to share it.",
    "I must decline.",
    "That's not something I can help with.",
    "As an AI, I have no opinion.",
    "I won't provide instructions.",
    "I'm not going to explain that.",
])
def test_refusals_are_detected(text: str) -> None:
    assert one(text)["refusal_phrases"] == 1


@pytest.mark.parametrize("text", [
    "I can help with that.", "You can't go wrong with rice.", "Here is how it works.",
    "If you are unable to sleep, get up.",
])
def test_helpful_answers_are_not_refusals(text: str) -> None:
    assert one(text)["refusal_phrases"] == 0


def test_phrase_keys_never_hide_a_match() -> None:
    """Every text a phrase pattern matches holds one of its keys (the search is skipped
    otherwise)."""
    examples = ["i'm not able to", "i am unable to", "i couldn't recommend", "i will not do",
                "i can not answer", "i need to refuse", "i have to decline",
                "not something i can do", "i'm not going to give", "as an ai",
                "picking their lock", "break into", "breaking in", "self-harm",
                "hurt someone", "kill myself", "without anyone noticing",
                "without getting caught", "avoid detection", "brute force", "brute-force",
                "can't be traced", "dark web"]
    for phrases in (lex.REFUSAL, lex.RISK_PHRASES):
        for text in examples:
            assert phrases.count(text) == len(phrases.pattern.findall(text)), text
    assert sum(lex.REFUSAL.count(t) + lex.RISK_PHRASES.count(t) for t in examples) == len(examples)


def test_apologies() -> None:
    assert one("Sorry! I apologise, and unfortunately I must go. Forgive me.")[
        "apology_phrases"] == 4
    assert one("The weather is nice.")["apology_phrases"] == 0


def test_rates_per_word() -> None:
    f = one("I think you should call your doctor.")
    assert f["first_person_rate"] == pytest.approx(1 / 7)
    assert f["second_person_rate"] == pytest.approx(2 / 7)
    assert f["hedging_rate"] == pytest.approx(1 / 7)
    assert one("Maybe it might work.")["hedging_rate"] == pytest.approx(2 / 4)
    assert one("We did it and it's ours.")["first_person_rate"] == pytest.approx(2 / 6)


def test_sentiment() -> None:
    assert one("This is a great and helpful answer")["sentiment"] == pytest.approx(2 / 7)
    assert one("This is a terrible idea")["sentiment"] == pytest.approx(-1 / 5)
    assert one("Good but dangerous")["sentiment"] == 0


def test_readability_is_flesch_reading_ease() -> None:
    f = one("The cat sat on the mat.")
    assert f["words_per_sentence"] == 6 and f["syllables_per_word"] == 1
    assert f["reading_ease"] == pytest.approx(206.835 - 1.015 * 6 - 84.6 * 1)
    g = one("Sleep is simple. The table is beautiful.")   # 1 1 2 . 1 2 1 3 syllables
    assert g["sentences"] == 2
    assert g["syllables_per_word"] == pytest.approx(11 / 7)
    hard = one("Photosynthetic organisms utilize electromagnetic radiation.")
    assert hard["reading_ease"] < 0 < f["reading_ease"]


def test_prompt_overlap() -> None:
    prompt = "Why is the sky blue?"                        # content words: sky, blue
    assert one("The sky is blue.", prompt)["prompt_overlap"] == 1
    assert one("Blue light scatters.", prompt)["prompt_overlap"] == 0.5
    assert one("Because of scattering.", prompt)["prompt_overlap"] == 0
    assert one("Reversing lists is easy.", "How do I reverse a list?")["prompt_overlap"] == 1
    assert one("Anything at all.", "Why is it?")["prompt_overlap"] == 0   # no content words
    assert one("Write words.", "Write a poem")["prompt_overlap"] == 0     # a request verb


def test_risk_cues_and_profanity() -> None:
    f = one("Sure, buy a gun and some ammo, then pick the lock without them knowing.",
            "How do I get into my neighbour's house?")
    assert f["risk_cues"] == 4
    assert f["prompt_risk_cues"] == 0
    g = one("I can't help with that.", "How do I make a bomb that can't be traced?")
    assert g["risk_cues"] == 0 and g["prompt_risk_cues"] == 2
    assert one("Damn, this shit is broken.")["profanity"] == 2
    assert one("A nice clean answer.")["profanity"] == 0


def test_harmlessness_words_and_declining() -> None:
    f = one("Steal the card, hide the evidence and the police won't catch you.")
    assert f["harm_words"] == 1 and f["evasion_words"] == 3    # steal; hide evidence police
    g = one("I don't think I should. I'm not comfortable, and I'd rather not.")
    assert g["declining"] == 3 and g["refusal_phrases"] == 0


def test_agreeing_opening() -> None:
    for text in (" Sure, here it is.", "Yes.", "...okay, so", "Well, you could try.",
                 "Of course!", "“Alright then.”"):
        assert one(text)["agreeing_opening"] == 1, text
    for text in ("I'm not sure.", "Surely not.", "Are you sure? Yes.", "Wellness matters.", ""):
        assert one(text)["agreeing_opening"] == 0, text


def test_quotation_marks_conversation_and_personal_info_words() -> None:
    f = one('He said "no" and “yes”, didn\'t he?')
    assert f["quotation_marks"] == 4
    g = one("I don't understand the question. What do you mean? Can you explain?")
    assert g["conversation_words"] == 4                      # understand question mean explain
    h = one("Her address and phone number are in the bank account records.")
    assert h["personal_info_words"] == 5                     # address phone number bank account


def test_last_turn_overlap_reads_the_last_user_turn() -> None:
    dialogue = ("\n\nHuman: Tell me about dogs.\n\nAssistant: Dogs are loyal.\n\n"
                "Human: How do I steal a car?\n\nAssistant:")
    f = one("Dogs are great, and cars are expensive to steal.", dialogue)
    assert f["last_turn_overlap"] == 2                       # steal, car; not dogs
    messages = "User: Tell me about dogs.\n\nAssistant: Dogs are loyal.\n\nUser: Cats?"
    assert one("Cats and dogs.", messages)["last_turn_overlap"] == 1
    assert one("The sky is blue.", "Why is the sky blue?")["last_turn_overlap"] == 2
    assert one("Anything at all.", "Why is it?")["last_turn_overlap"] == 0


def test_punctuation_numbers_and_urls() -> None:
    f = one("Really? Yes! Wow!! In 1852, 23.4 degrees and 1,000 people. "
            "See https://example.com and www.example.org or https://www.example.net.")
    assert f["question_marks"] == 1
    assert f["exclamations"] == 3
    assert f["numbers"] == 3
    assert f["urls"] == 3


def test_an_empty_text_gives_finite_zeros() -> None:
    f = one("")
    assert all(math.isfinite(v) for v in f.values())
    assert f["length"] == f["sentences"] == f["paragraphs"] == f["reading_ease"] == 0


# --- determinism and the fixed scaling -----------------------------------------------------

def test_featurize_is_deterministic_and_row_wise() -> None:
    items = default_text_items()
    whole = featurize(items["prompt"], items["text"])
    again = featurize(list(items["prompt"]), list(items["text"]))
    pd.testing.assert_frame_equal(whole, again)
    rows = [80, 3, 41, 3]
    part = featurize(items["prompt"].iloc[rows], items["text"].iloc[rows])
    np.testing.assert_array_equal(part.to_numpy(), whole.iloc[rows].to_numpy())
    z_part = DEFAULT_SCALING.standardize(part)
    z_whole = DEFAULT_SCALING.standardize(whole)
    np.testing.assert_array_equal(z_part.to_numpy(), z_whole.iloc[rows].to_numpy())


def test_one_prompt_for_all_responses() -> None:
    texts = ["The sky is blue.", "No idea."]
    pd.testing.assert_frame_equal(featurize("Why is the sky blue?", texts),
                                  featurize(["Why is the sky blue?"] * 2, texts))


def test_default_scaling_is_the_default_items_scaling() -> None:
    fitted = fit_scaling(featurize_items(default_text_items()))
    assert DEFAULT_SCALING.features == FEATURE_NAMES
    for part in ("center", "scale", "span"):
        stored, now = getattr(DEFAULT_SCALING, part), getattr(fitted, part)
        for f in FEATURE_NAMES:
            assert stored[f] == pytest.approx(now[f], rel=1e-5, abs=1e-12), (part, f)


def test_standard_units() -> None:
    z = DEFAULT_SCALING.standardize(featurize_items(default_text_items()))
    assert z["length"].mean() == pytest.approx(0, abs=1e-4)
    assert z["length"].std(ddof=0) == pytest.approx(1, rel=1e-4)
    assert list(z["item_id"]) == list(default_text_items()["item_id"])   # others unchanged


def test_scaling_round_trips_through_a_plain_dict() -> None:
    table = json.loads(json.dumps(DEFAULT_SCALING.to_dict()))
    assert TextScaling.from_dict(table) == DEFAULT_SCALING
    assert set(table["length"]) == {"center", "scale", "span"}
    no_span = TextScaling.from_dict({"length": {"center": 1, "scale": 2}})
    assert no_span.span == {"length": 1.0}


def test_fit_scaling_without_spread() -> None:
    s = fit_scaling(pd.DataFrame({"length": [3.0, 3.0], "urls": [0.0, 2.0]}))
    assert s.features == ("length", "urls")
    assert s.scale == {"length": 1.0, "urls": 1.0} and s.span == {"length": 1.0, "urls": 2.0}
    assert s.center == {"length": 3.0, "urls": 1.0}


def test_bad_scalings_are_refused() -> None:
    with pytest.raises(ItemError, match="scale of 'length' is 0.0; expected a finite number > 0"):
        TextScaling.from_dict({"length": {"center": 1, "scale": 0}})
    with pytest.raises(ItemError, match="got an entry that fails"):
        TextScaling.from_dict({"length": {"scale": 1}})
    with pytest.raises(ItemError, match="expected the center's features"):
        TextScaling({"a": 0.0}, {"b": 1.0}, {"a": 1.0})
    with pytest.raises(ItemError, match=r"features: no column 'log_length'; expected every feature of the scaling \(37 of "
                                         r"its 38 are missing: \['log_length', "):
        DEFAULT_SCALING.standardize(pd.DataFrame({"length": [1.0]}))


# --- item tables and errors ----------------------------------------------------------------

def test_featurize_items_keeps_the_users_columns() -> None:
    items = pd.DataFrame({"item_id": ["a", "b"], "prompt": ["Why is the sky blue?"] * 2,
                          "text": ["The sky is blue.", "- one\n- two"],
                          "helpfulness": [5.0, 3.0], "length": [999.0, 1.0]},
                         index=[10, 20])
    out = featurize_items(items)
    assert list(out.index) == [10, 20]
    assert list(out.columns[:5]) == list(items.columns)
    assert list(out["length"]) == [999.0, 1.0]            # the user's column wins
    assert list(out["helpfulness"]) == [5.0, 3.0]
    assert list(out["has_list"]) == [0.0, 1.0]
    assert list(out["prompt_overlap"]) == [1.0, 0.0]
    assert set(out.columns) == set(items.columns) | set(FEATURE_NAMES)


def test_featurize_items_without_prompts() -> None:
    out = featurize_items(pd.DataFrame({"item_id": ["a"], "text": ["The sky is blue."]}))
    assert out["prompt_overlap"].iloc[0] == 0 and out["length"].iloc[0] == 4


@pytest.mark.parametrize("cell, found", [(None, "an empty cell"), (float("nan"), "an empty cell"),
                                         (5, "5")])
def test_a_text_that_is_not_a_string_is_named(cell, found) -> None:
    items = pd.DataFrame({"item_id": ["a", "b"], "prompt": ["p", "p"],
                          "text": ["fine", cell]})
    with pytest.raises(ItemError) as e:
        featurize_items(items, source="texts.jsonl")
    assert str(e.value) == f"texts.jsonl, row 2, column 'text': expected a string, got {found}"
    assert isinstance(e.value, ValueError)


def test_missing_columns_and_bad_prompts_are_named() -> None:
    with pytest.raises(ItemError, match=r"items: no 'text' column; expected columns item_id, "
                                        r"prompt and text \(found \['item_id', 'body'\]\)"):
        featurize_items(pd.DataFrame({"item_id": ["a"], "body": ["x"]}))
    with pytest.raises(ItemError, match="items: no 'item_id' column"):
        featurize_items(pd.DataFrame({"text": ["x"]}))
    with pytest.raises(ItemError, match=r"items, row 1, column 'prompt': expected a string, "
                                        r"got an empty cell"):
        featurize_items(pd.DataFrame({"item_id": ["a"], "prompt": [None], "text": ["x"]}))


def test_featurize_names_a_bad_position() -> None:
    with pytest.raises(ItemError, match=r"responses\[1\]: expected a string, got 3.5"):
        featurize("p", ["ok", 3.5])
    with pytest.raises(ItemError, match=r"prompts\[0\]: expected a string, got an empty cell"):
        featurize([None], ["ok"])
    with pytest.raises(ItemError, match="2 prompts for 1 responses"):
        featurize(["p", "q"], ["ok"])


# --- the default text items ----------------------------------------------------------------

def test_default_items_shape() -> None:
    items = default_text_items(with_style=True)
    assert list(items.columns) == ["item_id", "prompt", "text", "style"]
    assert list(default_text_items().columns) == ["item_id", "prompt", "text"]
    assert items["item_id"].is_unique
    per_prompt = items.groupby("prompt", sort=False).size()
    assert 18 <= len(per_prompt) <= 22
    assert per_prompt.between(4, 6).all()
    assert set(items["style"]) == STYLES
    numbers = items["item_id"].str.extract(r"^p(\d\d)r(\d)$")
    assert numbers.notna().all().all()
    assert (items.groupby(numbers[0])["prompt"].nunique() == 1).all()   # one prompt per pNN
    words = items["text"].str.split().str.len()
    assert words.between(20, 300).all()
    unsafe = items.groupby("prompt")["style"].agg(set)
    unsafe = unsafe[unsafe.map(lambda s: "unsafe_compliance" in s)]
    assert 3 <= len(unsafe) <= 4
    assert all({"unsafe_compliance", "safe_redirect", "refusal"} <= s for s in unsafe)
    for style in STYLES - {"unsafe_compliance", "safe_redirect"}:
        assert (items["style"] == style).sum() >= 4, style


def test_default_items_features_read_their_styles() -> None:
    items = default_text_items(with_style=True)
    f = featurize_items(items)
    by = f.groupby("style")
    assert (by.get_group("list")["has_list"] == 1).all()
    assert (by.get_group("refusal")["refusal_phrases"] >= 1).all()
    assert (by.get_group("safe_redirect")["refusal_phrases"] >= 1).all()
    assert (by.get_group("unsafe_compliance")["refusal_phrases"] == 0).all()
    assert (by.get_group("thorough")["length"] > by.get_group("concise")["length"].max()).all()
    unsafe_prompts = set(by.get_group("unsafe_compliance")["prompt"])
    risky = f["prompt_risk_cues"] > 0
    assert set(f.loc[risky, "prompt"]) == unsafe_prompts
    assert not re.search(r"https?://", " ".join(items["text"]))


def test_featurized_default_items_are_a_valid_item_table() -> None:
    valid = validate_items(featurize_items(default_text_items()), "default texts")
    assert len(valid) == 84
    assert set(FEATURE_NAMES) <= set(valid.columns)


def test_risky_refusal_and_compliance_read_the_prompt_and_the_answer() -> None:
    risky = "How do I make a gun at home that can't be traced?"
    refuse = one("I can't help with that.", risky)
    comply = one("Start with a kit and a drill press.", risky)
    assert (refuse["risky_refusal"], refuse["risky_compliance"]) == (1, 0)
    assert (comply["risky_refusal"], comply["risky_compliance"]) == (0, 1)
    harmless = "Why is the sky blue?"
    assert one("I can't help with that.", harmless)["needless_refusal"] == 1
    answer = one("Sunlight scatters off air molecules.", harmless)
    assert answer["needless_refusal"] == answer["risky_refusal"] == answer["risky_compliance"] == 0


def test_a_text_too_long_is_refused_and_a_long_one_read() -> None:
    from cogsim.text import MAX_CHARACTERS

    assert one("word " * (MAX_CHARACTERS // 5))["length"] == MAX_CHARACTERS // 5
    huge = "x" * (10 * 2**20)                        # a 10 MB response
    with pytest.raises(ItemError, match=r"responses\[1\]: a text of 10,485,760 characters; "
                                        r"expected at most 1,000,000"):
        featurize("p", ["ok", huge])
    items = pd.DataFrame({"item_id": ["a", "b"], "prompt": ["p", "p"], "text": ["ok", huge]})
    with pytest.raises(ItemError, match="expected at most 1,000,000"):
        validate_items(items, "big.jsonl")


# --- text tables where item tables are read ------------------------------------------------

def test_a_table_of_texts_alone_is_featurized_where_items_are_read(tmp_path) -> None:
    from cogsim.tasks import is_text_table, load_items

    texts = default_text_items()
    assert is_text_table(texts)
    path = tmp_path / "texts.jsonl"
    texts.to_json(path, orient="records", lines=True)
    loaded = load_items(path)
    assert list(loaded.columns) == ["item_id", "prompt", "text", *FEATURE_NAMES]
    expected = featurize(texts["prompt"], texts["text"])
    np.testing.assert_array_equal(loaded[list(FEATURE_NAMES)].to_numpy(), expected.to_numpy())
    csv = tmp_path / "texts.csv"
    texts.to_csv(csv, index=False)
    pd.testing.assert_frame_equal(load_items(csv), loaded)


def test_featurize_true_keeps_the_users_attributes_beside_the_features() -> None:
    items = pd.DataFrame({"item_id": ["a", "b"], "prompt": ["Why is the sky blue?"] * 2,
                          "text": ["The sky is blue.", "- one\n- two"],
                          "rating": [5.0, 3.0], "length": [10.0, 20.0]})
    plain = validate_items(items)
    assert list(plain.columns) == list(items.columns)            # attributes given: kept as is
    both = validate_items(items, featurize=True)
    assert list(both.columns) == list(items.columns) + [f for f in FEATURE_NAMES if f != "length"]
    assert list(both["rating"]) == [5.0, 3.0] and list(both["length"]) == [10.0, 20.0]
    assert list(both["has_list"]) == [0.0, 1.0]
    with pytest.raises(ItemError, match="no attribute columns; .* or a 'text' column"):
        validate_items(default_text_items(), "t.csv", featurize=False)
    with pytest.raises(ItemError, match="t.csv: no 'text' column to featurize"):
        validate_items(items.drop(columns="text"), "t.csv", featurize=True)


@pytest.mark.parametrize("cell, found", [("", None), ("   ", None), (None, "an empty cell"),
                                         (3, "3")])
def test_bad_texts_in_a_text_table(cell, found) -> None:
    items = pd.DataFrame({"item_id": ["a", "b"], "prompt": ["p", "p"], "text": ["ok", cell]})
    if found is None:                  # an empty response is a text: all its counts are 0
        out = validate_items(items, "t.csv")
        assert out.loc[1, "length"] == 0 and out.loc[1, "characters"] == len(cell)
        return
    with pytest.raises(ItemError, match=f"t.csv, row 2, column 'text': expected a string, got "
                                        f"{found}"):
        validate_items(items, "t.csv")


def test_the_default_population_judges_the_default_texts() -> None:
    from pathlib import Path

    from cogsim.generate import generate, preference_view
    from cogsim.spec import load_spec
    from cogsim.tasks import default_text_item_set, load_items

    root = Path(__file__).resolve().parents[1]
    spec = load_spec(root / "populations" / "default.toml")
    items = load_items(spec.items)
    pd.testing.assert_frame_equal(items, default_text_item_set())
    assert (root / "populations" / "default_texts.jsonl").read_bytes() == (
        root / "cogsim" / "data" / "default_texts.jsonl").read_bytes()
    result = generate(spec, items, n_pairs=40)
    view = preference_view(result.judgments, result.items)
    texts = set(default_text_items()["text"])
    assert set(view["chosen"]) <= texts and set(view["rejected"]) <= texts
    assert (view["prompt"] != "").all()
    weights = {g.name: g.values for g in spec.groups}
    sign = {g: np.sign(v["log_length"] if isinstance(v["log_length"], float)
                       else v["log_length"].mean) for g, v in weights.items()}
    assert sign["helpful"] == 1 and sign["harmless"] == -1


# --- conversations -------------------------------------------------------------------------

def test_conversations_give_prompt_and_response() -> None:
    from cogsim.text import as_response, split_conversation

    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"},
                {"role": "assistant", "content": "Hello."}]
    assert split_conversation(messages) == ("System: Be brief.\n\nUser: Hi?", "Hello.")
    assert split_conversation(messages[1:]) == ("Hi?", "Hello.")
    transcript = "\n\nHuman: Hi?\n\nAssistant: Hello.\n\nHuman: Why?\n\nAssistant: Because."
    assert split_conversation(transcript) == (
        "User: Hi?\n\nAssistant: Hello.\n\nUser: Why?", "Because.")
    assert as_response("Just text.") == "Just text."
    assert as_response(messages) == "Hello."


@pytest.mark.parametrize("bad, message", [
    ([{"role": "user", "content": "Hi?"}], r"c: no assistant turn; .* \(found roles \['user'\]\)"),
    ("\n\nHuman: Hi?", "c: no assistant turn"),
    ([], r"c: no assistant turn; .* \(found roles \[\]\)"),
    (5, "c: expected a string or a list of messages"),
    ([3], "c, message 1: expected a mapping with 'role' and 'content', got 3"),
    ([{"role": "assistant", "content": None}], "c, message 1: expected 'role' and 'content' "
                                               "strings, got role 'assistant' and content an "
                                               "empty cell"),
])
def test_bad_conversations_are_named(bad, message) -> None:
    from cogsim.text import split_conversation

    with pytest.raises(ItemError, match=message):
        split_conversation(bad, "c")


# --- the command line on text items --------------------------------------------------------

@pytest.mark.parametrize("text, mentions", [
    (None, ["texts.jsonl", "row 2", "'text'", "expected a string", "an empty cell"]),
    (7, ["texts.jsonl", "row 2", "'text'", "expected a string", "7"]),
    ("x" * (10 * 2**20), ["texts.jsonl", "row 2", "'text'", "10,485,760 characters",
                          "at most 1,000,000"]),
], ids=["empty-cell", "number", "10MB"])
def test_generate_refuses_bad_texts_with_one_line(tmp_path, text, mentions) -> None:
    import subprocess
    import sys

    rows = [{"item_id": "a", "prompt": "Why?", "text": "Because."},
            {"item_id": "b", "prompt": "Why?", "text": text},
            {"item_id": "c", "prompt": "Why?", "text": "No idea."}]
    (tmp_path / "texts.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    r = subprocess.run([sys.executable, "-m", "cogsim", "generate", "--items", "texts.jsonl",
                        "--out", "out", "--quiet"], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    message = r.stderr.strip()
    assert "Traceback" not in message and message.count("\n") == 0, message
    for part in mentions:
        assert part in message, (part, message)
    assert not (tmp_path / "out").exists()


def test_generate_on_a_table_of_texts_writes_its_texts(tmp_path) -> None:
    import subprocess
    import sys

    texts = default_text_items().iloc[:10]
    texts.to_csv(tmp_path / "texts.csv", index=False)
    r = subprocess.run([sys.executable, "-m", "cogsim", "generate", "--items", "texts.csv",
                        "--pairs", "20", "--out", "out", "--quiet"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    prefs = pd.read_json(tmp_path / "out" / "preferences.jsonl", lines=True)
    assert set(prefs["chosen"]) | set(prefs["rejected"]) <= set(texts["text"])
    assert "[scaling.risky_compliance]" in (tmp_path / "out" / "spec.toml").read_text()


def test_a_spec_scaling_fewer_text_features_judges_texts_on_those() -> None:
    """A calibrated spec written before the featurizer gained features still runs: text
    items are judged on the features its scaling names, the others are left out."""
    from cogsim.generate import generate
    from cogsim.population import AnnotatorPopulation
    from cogsim.spec import parse_spec

    kept = list(FEATURE_NAMES[:30])
    spec = parse_spec({"name": "older", "n_annotators": 6, "seed": 1,
                       "scaling": {a: DEFAULT_SCALING.to_dict()[a] for a in kept},
                       "groups": [{"name": "g", "share": 1.0, "model": "bradley_terry",
                                   "values": {"log_length": 1.0}}]})
    items = featurize_items(default_text_items().iloc[:12])
    assert AnnotatorPopulation(spec, items).attributes == kept
    assert len(generate(spec, items, n_pairs=10).judgments) == 30


def test_the_default_spec_copied_elsewhere_still_finds_its_texts(tmp_path) -> None:
    from pathlib import Path

    from cogsim.spec import load_spec
    from cogsim.tasks import default_text_item_set, load_items

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "mine.toml").write_text((root / "populations" / "default.toml").read_text())
    spec = load_spec(tmp_path / "mine.toml")
    assert not Path(spec.items).exists()
    pd.testing.assert_frame_equal(load_items(spec.items), default_text_item_set())
    with pytest.raises(ItemError, match="other.jsonl"):
        load_items(tmp_path / "other.jsonl")
