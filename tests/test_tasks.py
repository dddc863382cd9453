"""Items and pairs: the built-in set, samplers, and gambles as items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogsim.generate import generate
from cogsim.spec import load_spec
from cogsim.tasks import (
    ItemError,
    all_pairs,
    gamble_items,
    load_items,
    load_pairs,
    random_pairs,
    validate_items,
)
from cogsim.tasks.gambles import distribution

PROBLEMS = pd.DataFrame({
    "GameID": [11, 12], "Ha": [3, 26], "pHa": [1.0, 0.95], "La": [3, -1],
    "Hb": [4, 20], "pHb": [0.8, 0.5], "Lb": [0, 5], "LotShapeB": ["-", "R-skew"],
    "LotNumB": [1, 3], "Amb": [0, 1], "Corr": [0, 0]})


def test_gamble_items_are_the_organisers_distributions():
    items = gamble_items(PROBLEMS)
    assert list(items.item_id) == ["11:A", "11:B", "12:A", "12:B"]
    x, p = distribution(20, 0.5, 5, "R-skew", 3)
    row = items.set_index("item_id").loc["12:B"]
    np.testing.assert_allclose(row.outcomes, x)
    np.testing.assert_allclose(row.probabilities, p)
    assert row.ev == pytest.approx(0.5 * 20 + 0.5 * 5)          # a lottery keeps mean H
    assert row.ambiguous == 1.0 and items.set_index("item_id").loc["12:A"].ambiguous == 0.0
    a = items.set_index("item_id").loc["12:A"]
    assert a.p_loss == pytest.approx(0.05) and (a.minimum, a.maximum) == (-1.0, 26.0)
    assert a.sd == pytest.approx(np.sqrt(0.95 * 0.05) * 27)
    pairs = all_pairs(items)
    assert set(zip(pairs.item_a, pairs.item_b)) == {("11:A", "11:B"), ("12:A", "12:B")}


def test_gamble_items_round_trip_through_csv_and_problem_files(tmp_path):
    items = gamble_items(PROBLEMS)
    items.to_csv(tmp_path / "items.csv", index=False)     # lists written as "[...]"
    back = load_items(tmp_path / "items.csv")
    assert back.outcomes.tolist() == items.outcomes.tolist()
    PROBLEMS.to_csv(tmp_path / "problems.csv", index=False)   # competition format directly
    direct = load_items(tmp_path / "problems.csv")
    pd.testing.assert_frame_equal(direct, items)


@pytest.mark.parametrize("column,value,message", [
    ("probabilities", "[0.5, 0.6]", "probabilities summing to 1"),
    ("probabilities", "[1.5, -0.5]", r"probabilities in \[0, 1\]"),
    ("probabilities", "[1.0]", "1 probabilities for 2 outcomes"),
    ("outcomes", "[0, NaN]", "list of finite numbers"),
    ("outcomes", "four", "list of finite numbers"),
])
def test_bad_gamble_items_name_row_and_column(column, value, message):
    items = pd.DataFrame({"item_id": ["a", "b"], "ev": [1.0, 2.0],
                          "outcomes": ["[0, 2]", "[1, 3]"],
                          "probabilities": ["[0.5, 0.5]", "[0.5, 0.5]"]})
    items.loc[1, column] = value
    with pytest.raises(ItemError, match=rf"g\.csv, row 2, column '{column}': .*{message}"):
        validate_items(items, "g.csv")


def test_bad_gamble_problem_names_row_and_column():
    bad = PROBLEMS.copy()
    bad.loc[1, "pHb"] = 1.5
    with pytest.raises(ItemError, match="pHb"):
        gamble_items(bad, "p.csv")


def test_random_and_explicit_pairs(tmp_path):
    items = validate_items(pd.DataFrame({"item_id": list("abcd"), "x": [1.0, 2, 3, 4]}))
    pairs = random_pairs(items, 6, np.random.default_rng(0))
    assert len(set(map(frozenset, zip(pairs.item_a, pairs.item_b)))) == 6   # no repeats
    pd.DataFrame({"item_a": ["a"], "item_b": ["z"]}).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(ItemError, match=r"p\.csv, row 1, column 'item_b': unknown item 'z'"):
        load_pairs(tmp_path / "p.csv", items)


def choice_rates(judgments: pd.DataFrame) -> pd.Series:
    problem = judgments.item_a.str.split(":").str[0]
    return judgments.chosen.str.endswith(":B").groupby(problem).mean()


def test_experienced_gambles_show_underweighting_of_rare_outcomes():
    """IBL annotators who know each gamble from 4 sampled payoffs and then experience
    payoffs choose '-32 with p 0.1' over a sure -3 (problem 4) far more often than
    '32 with p 0.1' over a sure 3 (problem 2): rare outcomes are mostly not sampled.  About
    0.7 against 0.3 over ~100 choices each (SE of the difference about 0.065); required: a
    difference of at least 0.2.  Their blended values are payoffs they have seen."""
    spec = load_spec("populations/risky_choice.toml")
    ibl = spec.groups[0].model_copy(update={"share": 1.0})
    spec = spec.model_copy(update={"groups": [ibl]})
    result = generate(spec, load_items("populations/gambles.csv"))
    rates = choice_rates(result.judgments)
    assert rates["4"] > rates["2"] + 0.2
    j, items = result.judgments, result.population.items
    low, high = min(map(min, items.outcomes)), max(map(max, items.outcomes))
    assert j.value_a.between(low, high).all() and j.value_b.between(low, high).all()
    np.testing.assert_allclose(result.population.gold_values,
                               result.population.items.ev.to_numpy())
