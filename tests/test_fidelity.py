"""Tests for cogsim.fidelity: hand-computed small cases, edge cases, BT recovery, references."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from cogsim import fidelity as F


def judgments(rows, **extra):
    """Build a judgments table from (pair_id, item_a, item_b, chosen) tuples."""
    df = pd.DataFrame(rows, columns=["pair_id", "item_a", "item_b", "chosen"])
    for k, v in extra.items():
        df[k] = v
    return df


# --------------------------------------------------------------------------------------
# choice rates, MSD, log-loss, accuracy

def test_choice_rates_counts_and_probabilities():
    df = judgments([(1, "x", "y", "y"), (1, "x", "y", "y"), (1, "x", "y", "x"),
                    (2, "u", "v", "u")],
                   p_a=[0.2, np.nan, 0.5, np.nan])
    rates = F.choice_rates(df)
    # pair 1: 2 of 3 chose item_b=y -> 2/3; pair 2: chose item_a -> 0
    assert rates.loc[1, "rate"] == pytest.approx(2 / 3)
    assert rates.loc[2, "rate"] == 0.0
    assert rates["n"].tolist() == [3, 1]
    prob = F.choice_rates(df, use_probabilities=True)
    # pair 1: rows give 1-0.2, observed 1 (p_a NaN), 1-0.5 -> (0.8 + 1 + 0.5)/3
    assert prob.loc[1, "rate"] == pytest.approx(2.3 / 3)
    assert prob.loc[2, "rate"] == 0.0


def test_choice_rates_option_b_follows_another_table():
    # human shows pair 1 as (y, x): against the synthetic option B = y, rate = chose y
    human = judgments([(1, "y", "x", "y"), (1, "y", "x", "x"), (1, "y", "x", "y"),
                       (9, "p", "q", "p")], p_a=[0.9, 0.9, np.nan, 0.5])
    option_b = pd.Series({1: "y"})
    rates = F.choice_rates(human, option_b=option_b)
    # chose y in rows 1 and 3 -> 2/3; problem 9 is not in option_b and is dropped
    assert rates["rate"].to_dict() == {1: pytest.approx(2 / 3)}
    assert rates.loc[1, "item_b"] == "y"
    # with probabilities: y is these rows' item_a, so P(y) = p_a: (0.9 + 0.9 + 1) / 3
    prob = F.choice_rates(human, use_probabilities=True, option_b=option_b)
    assert prob.loc[1, "rate"] == pytest.approx(2.8 / 3)
    with pytest.raises(ValueError, match="option_b names item 'z'"):
        F.choice_rates(human, option_b=pd.Series({1: "z"}))


def test_choice_rates_rejects_inconsistent_item_b():
    df = judgments([(1, "x", "y", "y"), (1, "y", "x", "y")])
    with pytest.raises(ValueError, match="item_b"):
        F.choice_rates(df)


def test_msd_aligns_by_problem_id():
    predicted = pd.Series({1: 0.2, 2: 0.5, 3: 0.9})
    observed = pd.Series({3: 0.6, 2: 0.7, 4: 0.1})
    # common ids 2, 3: ((0.5-0.7)^2 + (0.9-0.6)^2) / 2 = (0.04 + 0.09) / 2 = 0.065
    assert F.msd(predicted, observed) == pytest.approx(0.065)
    assert F.mse(predicted, observed) == pytest.approx(0.065)
    # arrays are positional: ((0.2-0.6)^2 + (0.5-0.7)^2) / 2 = (0.16 + 0.04) / 2 = 0.1
    assert F.msd([0.2, 0.5], [0.6, 0.7]) == pytest.approx(0.1)


def test_msd_accepts_dataframes_with_rate_column():
    # choices13k-style aggregate: Problem id + bRate
    observed = pd.DataFrame({"Problem": [7, 8], "bRate": [0.25, 1.0]})
    predicted = pd.Series({7: 0.75, 8: 1.0})
    # ((0.75-0.25)^2 + 0) / 2 = 0.125
    assert F.msd(predicted, observed, key="Problem", rate_col="bRate") == pytest.approx(0.125)


def test_msd_errors():
    with pytest.raises(ValueError, match="length"):
        F.msd([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="no problem id in common"):
        F.msd(pd.Series({1: 0.1}), pd.Series({2: 0.1}))
    with pytest.raises(ValueError, match="empty"):
        F.msd(pd.Series([], dtype=float), pd.Series([], dtype=float))
    with pytest.raises(ValueError, match="b_rate"):
        F.msd(pd.Series({1: 0.1}), pd.DataFrame({"pair_id": [1]}))
    with pytest.raises(ValueError, match="duplicate problem ids"):
        F.msd(pd.Series({1: 0.1}), pd.DataFrame({"pair_id": [1, 1], "b_rate": [0.1, 0.2]}))


def test_log_loss_against_choices_and_rates():
    # -[ln 0.8 + (0.25 ln 0.4 + 0.75 ln 0.6)] / 2
    expected = -(math.log(0.8) + 0.25 * math.log(0.4) + 0.75 * math.log(0.6)) / 2
    assert F.log_loss([0.8, 0.4], [1.0, 0.25]) == pytest.approx(expected)
    assert expected == pytest.approx(0.417667, abs=1e-6)


def test_log_loss_clipping():
    # p = 0 against an observed 1 is clipped to eps: -ln(1e-6) = 13.8155...
    assert F.log_loss([0.0], [1.0]) == pytest.approx(-math.log(1e-6))
    assert F.log_loss([0.0], [1.0], eps=1e-3) == pytest.approx(-math.log(1e-3))
    with pytest.raises(ValueError, match="observed"):
        F.log_loss([0.5], [1.5])


def test_accuracy_with_ties():
    # majorities: (B,B)=1, (A,B)=0, (tie,A)=0.5, (B,tie)=0.5 -> 2/4
    assert F.accuracy([0.7, 0.3, 0.5, 0.6], [0.9, 0.6, 0.2, 0.5]) == pytest.approx(0.5)
    assert F.accuracy([0.7, 0.3], [0.9, 0.1]) == 1.0


# --------------------------------------------------------------------------------------
# agreement, kappa, AlpacaEval bias/variance

def alpaca_doc_example():
    # AlpacaEval analyze.py docstring: preferences [1]*4 + [2,2,2,1] on two examples
    return judgments([(1, "a", "b", "a")] * 4
                     + [(2, "c", "d", "d")] * 3 + [(2, "c", "d", "c")])


def test_heldout_agreement_reproduces_alpaca_eval_docstring():
    # 1 vs majority of the other 3: pair 1 all agree -> 1; pair 2 the three d-voters see
    # (d, d, c) -> agree, the c-voter sees (d, d, d) -> 0: 3/4.  Mean = 0.875, the value in
    # AlpacaEval's agreement_of_annotations docstring (n_majority_vote_2=3).
    assert F.heldout_agreement(alpaca_doc_example()) == pytest.approx(0.875)
    assert F.alpaca_eval_variance(alpaca_doc_example()) == pytest.approx(0.125)


def test_pairwise_agreement_reproduces_alpaca_eval_docstring():
    # pair 1: 1; pair 2 (k=1 of n=4): [0 + 3*2] / (4*3) = 0.5.  Mean 0.75 (AlpacaEval
    # docstring, n_majority_vote_1 = n_majority_vote_2 = 1).
    assert F.pairwise_agreement(alpaca_doc_example()) == pytest.approx(0.75)


def test_heldout_agreement_ties():
    df = judgments([(1, "A", "B", "A"), (1, "A", "B", "A"), (1, "A", "B", "B")])
    # held-out A sees (A, B): tie -> 0.5 (twice); held-out B sees (A, A) -> 0.  (0.5+0.5+0)/3
    assert F.heldout_agreement(df) == pytest.approx(1 / 3)
    # AlpacaEval tie rule: tie -> item_b = B, so held-out A scores 0 -> 0
    assert F.heldout_agreement(df, ties="alpaca_eval") == 0.0
    with pytest.raises(ValueError, match="ties"):
        F.heldout_agreement(df, ties="coin")


def test_heldout_agreement_is_order_free_and_by_annotator():
    # same pair shown as (a, b) and (b, a): agreement depends only on the chosen item
    df = judgments([(1, "a", "b", "a"), (1, "b", "a", "a"), (1, "b", "a", "b"),
                    (1, "a", "b", "a")])
    # 3 chose a, 1 chose b: a-voters see (a, a, b) -> 1; b-voter sees (a, a, a) -> 0: 3/4
    assert F.heldout_agreement(df) == pytest.approx(0.75)
    # by annotator: annotator 0 chose a, a (agree, 1); annotator 1 chose b, a (0): mean 0.5
    df["annotator_id"] = [0, 1, 1, 0]
    assert F.alpaca_eval_variance(df, by="annotator_id") == pytest.approx(0.5)


def test_heldout_agreement_needs_repeats():
    df = judgments([(1, "a", "b", "a"), (2, "a", "c", "c")])
    with pytest.raises(F.InsufficientDataError):
        F.heldout_agreement(df)


def test_agreement_with_reference_and_bias():
    synthetic = judgments([(1, "a", "b", "a"), (1, "a", "b", "a"), (1, "a", "b", "b"),
                           (2, "c", "d", "d"), (3, "e", "f", "e")])
    human = judgments([(1, "a", "b", "a"), (1, "a", "b", "a"), (1, "a", "b", "b"),
                       (1, "a", "b", "b"), (2, "c", "d", "c"), (2, "c", "d", "c"),
                       (2, "c", "d", "d")])
    # pair 1: human tie -> each synthetic judgment scores 0.5 -> 0.5;
    # pair 2: human mode c, synthetic chose d -> 0.  Pair 3 not in human.  (0.5 + 0) / 2
    assert F.agreement_with_reference(synthetic, human) == pytest.approx(0.25)
    # AlpacaEval ties: human pair 1 -> b; synthetic chose b 1/3 of the time -> (1/3 + 0)/2
    assert F.agreement_with_reference(synthetic, human, ties="alpaca_eval") == pytest.approx(1 / 6)
    # modes: synthetic (a, d), human (tie, c) -> agreements (0.5, 0) -> bias 1 - 0.25
    assert F.alpaca_eval_bias(synthetic, human) == pytest.approx(0.75)
    # AlpacaEval ties: human pair 1 -> b, disagrees with a -> bias 1
    assert F.alpaca_eval_bias(synthetic, human, ties="alpaca_eval") == pytest.approx(1.0)


def test_reference_joined_by_items_and_ids_compared_as_text():
    # key=None joins the two tables on the unordered item pair; human ids are ints 1, 2
    synthetic = judgments([(10, "1", "2", "2"), (11, "2", "1", "2"), (12, "2", "3", "3")])
    human = judgments([(0, 2, 1, 1), (0, 2, 1, 1), (0, 2, 1, 2)])
    # pair {1, 2}: human mode 1; synthetic chose 2 twice -> 0.  Pair {2, 3} not in human.
    assert F.agreement_with_reference(synthetic, human, key=None) == 0.0
    # modes: synthetic 2, human 1 -> bias 1
    assert F.alpaca_eval_bias(synthetic, human, key=None) == 1.0
    with pytest.raises(ValueError, match="disagree on which items"):
        F.agreement_with_reference(synthetic, human.assign(pair_id=12))


def test_reference_must_compare_same_items():
    synthetic = judgments([(1, "a", "b", "a")])
    human = judgments([(1, "a", "c", "a")])
    with pytest.raises(ValueError, match="disagree on which items"):
        F.agreement_with_reference(synthetic, human)
    with pytest.raises(F.InsufficientDataError):
        F.alpaca_eval_bias(synthetic, judgments([(2, "a", "b", "a")]))


def test_fleiss_kappa_hand_computed():
    df = judgments([(1, "a", "b", "a")] * 3 + [(2, "c", "d", "c"), (2, "c", "d", "d"),
                                               (2, "c", "d", "d")])
    # P_1 = 1, P_2 = [1*0 + 2*1] / (3*2) = 1/3 -> P_bar = 2/3
    # p(chose item_a) = (3 + 1)/6 = 2/3 -> P_e = 4/9 + 1/9 = 5/9
    # kappa = (2/3 - 5/9) / (1 - 5/9) = (1/9) / (4/9) = 0.25
    assert F.fleiss_kappa(df) == pytest.approx(0.25)


def test_cohens_kappa_hand_computed_first_judgment_counts():
    rows = [(1, "a", "b", "a"), (2, "c", "d", "c"), (3, "e", "f", "e"), (4, "g", "h", "h"),
            (1, "a", "b", "a"), (2, "c", "d", "c"), (3, "e", "f", "f"), (4, "g", "h", "h"),
            (4, "g", "h", "g")]   # a later repeat by annotator 1, ignored
    df = judgments(rows, annotator_id=[1, 1, 1, 1, 2, 2, 2, 2, 1],
                   step=[0, 1, 2, 3, 0, 1, 2, 3, 9])
    # agree on pairs 1, 2, 4 -> p_o = 3/4; q1 = 3/4, q2 = 2/4
    # p_e = 3/4*1/2 + 1/4*1/2 = 1/2 -> kappa = (3/4 - 1/2) / (1/2) = 0.5
    assert F.cohens_kappa(df, 1, 2) == pytest.approx(0.5)
    # put the repeat first in time: annotator 1 now chose g on pair 4 -> p_o = 2/4,
    # q1 = 4/4 -> p_e = 1/2 -> kappa = 0
    df.loc[8, "step"] = -1
    assert F.cohens_kappa(df, 1, 2) == pytest.approx(0.0)


# --------------------------------------------------------------------------------------
# position, length, list biases

@pytest.fixture
def items():
    return pd.DataFrame({"item_id": ["a", "b", "c", "d"], "length": [10, 50, 45, 100],
                         "is_list": [True, False, True, False]})


def test_prefer_first():
    df = judgments([(1, "a", "b", "a"), (2, "c", "d", "d"), (3, "a", "c", "c"),
                    (4, "b", "d", "b")], first=["a", "d", "a", "b"])
    # chosen == first in rows 1, 2, 4 -> 3/4
    assert F.prefer_first(df) == pytest.approx(0.75)


def test_prefer_longer(items):
    df = judgments([(1, "a", "b", "b"),    # longer (50 > 10)
                    (2, "b", "c", "c"),    # shorter (45 < 50), |diff| = 5
                    (3, "a", "d", "a"),    # shorter
                    (4, "c", "d", "d"),    # longer
                    (5, "a", "c", "c")])   # longer
    # all 5 differ: 3/5; with min_difference=10 pair 2 drops out: 3/4
    assert F.prefer_longer(df, items) == pytest.approx(0.6)
    assert F.prefer_longer(df, items, min_difference=10) == pytest.approx(0.75)


def test_prefer_longer_one_per_pair(items):
    df = judgments([(1, "a", "b", "a"), (1, "a", "b", "b"), (1, "a", "b", "b"),
                    (2, "c", "d", "d")])
    # all judgments: longer chosen in rows 2, 3, 4 -> 3/4
    assert F.prefer_longer(df, items) == pytest.approx(0.75)
    # first per pair (AlpacaEval's drop_duplicates): rows 1 (shorter), 4 (longer) -> 1/2
    assert F.prefer_longer(df, items, one_per_pair=True) == pytest.approx(0.5)


def test_prefer_lists(items):
    df = judgments([(1, "a", "b", "a"),    # exactly one list (a): chose the list
                    (2, "b", "c", "c"),    # list c chosen
                    (3, "a", "d", "d"),    # non-list chosen
                    (4, "c", "d", "c"),    # list chosen
                    (5, "a", "c", "a")])   # both lists: excluded
    # 3 of the 4 eligible judgments chose the list -> 0.75
    assert F.prefer_lists(df, items) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="boolean"):
        F.prefer_lists(df, items, list_col="length")


def test_prefer_attribute_errors(items):
    df = judgments([(1, "a", "z", "a")])
    with pytest.raises(ValueError, match="item_id"):
        F.prefer_longer(df, items)
    with pytest.raises(ValueError, match="'length'"):
        F.prefer_longer(judgments([(1, "a", "b", "a")]), items.drop(columns="length"))
    with pytest.raises(F.InsufficientDataError):
        F.prefer_longer(judgments([(1, "b", "c", "b")]), items, min_difference=10)


# --------------------------------------------------------------------------------------
# transitivity, Bradley-Terry, Kendall tau

def test_transitivity_violations_hand_computed():
    rows = [("a", "b", "a"), ("b", "c", "b"),
            ("a", "c", "c"), ("a", "c", "c"), ("a", "c", "a"),   # c beats a 2-1: cycle abc
            ("a", "d", "a"), ("b", "d", "b"), ("c", "d", "c"),   # d loses to all
            ("a", "e", "a"), ("a", "e", "e"),                     # a-e tie: undecided
            ("b", "e", "e"), ("c", "e", "e")]
    df = judgments([(i, *r) for i, r in enumerate(rows)])
    # decided triples: abc (cycle), abd, acd, bcd, bce (e > b > c, e > c: transitive);
    # triples with a-e are undecided, e-d never compared.  1 cycle of 5 -> 0.2
    assert F.transitivity_violations(df) == pytest.approx(0.2)


def test_transitivity_needs_a_triple():
    df = judgments([(1, "a", "b", "a"), (2, "b", "c", "b")])
    with pytest.raises(F.InsufficientDataError):
        F.transitivity_violations(df)


def test_aggregate_preferences():
    df = judgments([(1, "b", "a", "a"), (2, "a", "b", "a"), (3, "a", "b", "b")])
    agg = F.aggregate_preferences(df)
    assert agg.to_dict("records") == [{"item_1": "a", "item_2": "b", "n": 3, "wins_1": 2,
                                       "rate_1": pytest.approx(2 / 3)}]


def test_bradley_terry_two_items_closed_form():
    # W_ab = 3, W_ba = 1: MLE s_a - s_b = ln(3/1); a negligible ridge leaves it there,
    # and the ridge centres the scores: s_a = -s_b.
    df = judgments([(1, "a", "b", "a")] * 3 + [(1, "a", "b", "b")])
    s = F.bradley_terry(df, ridge=1e-9)
    assert s["a"] - s["b"] == pytest.approx(math.log(3), abs=1e-4)
    assert s.sum() == pytest.approx(0.0, abs=1e-9)
    # with ridge lambda the optimum solves 4 sigma(d) - 3 + lambda d / 2 = 0: shrunk below ln 3
    d = F.bradley_terry(df, ridge=1.0)
    assert 0 < d["a"] - d["b"] < math.log(3) - 0.05


def test_bradley_terry_undefeated_item_stays_finite():
    df = judgments([(1, "a", "b", "a")] * 5 + [(2, "b", "c", "b")] * 5)
    s = F.bradley_terry(df)
    assert np.all(np.isfinite(s.to_numpy()))
    assert list(s.sort_values(ascending=False).index) == ["a", "b", "c"]


def test_bradley_terry_recovers_known_order():
    rng = np.random.default_rng(12345)
    true = pd.Series(np.linspace(-1.5, 1.5, 8), index=[f"item{k}" for k in range(8)])
    a = rng.integers(0, 8, 3000)
    b = (a + rng.integers(1, 8, 3000)) % 8               # b != a
    p_a = 1 / (1 + np.exp(true.to_numpy()[b] - true.to_numpy()[a]))
    chose_a = rng.random(3000) < p_a
    ids = true.index.to_numpy()
    df = judgments(list(zip(range(3000), ids[a], ids[b], np.where(chose_a, ids[a], ids[b]))))
    fitted = F.bradley_terry(df)
    assert list(fitted.sort_values().index) == list(true.index)
    assert F.kendall_tau(fitted, true) == pytest.approx(1.0)
    # the scale is recovered too (true spacing 3/7 per step)
    assert np.max(np.abs(fitted.loc[true.index].to_numpy() - true.to_numpy())) < 0.2


def test_kendall_tau_hand_computed_and_aligned():
    # [1,2,3,4] vs [1,3,2,4]: 6 pairs, 1 discordant -> (5 - 1)/6 = 2/3
    assert F.kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(2 / 3)
    x = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    y = pd.Series({"d": 4.0, "c": 2.0, "b": 3.0, "a": 1.0, "z": 0.0})   # aligned by index
    assert F.kendall_tau(x, y) == pytest.approx(2 / 3)
    assert F.kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    with pytest.raises(F.InsufficientDataError):
        F.kendall_tau(pd.Series({"a": 1.0}), pd.Series({"a": 2.0}))


# --------------------------------------------------------------------------------------
# response times

def test_rt_quantiles_per_group():
    df = pd.DataFrame({"group": ["g1"] * 5 + ["g2"] * 3,
                       "rt": [1.0, 2.0, 3.0, 4.0, 5.0, 0.5, np.nan, 1.5]})
    q = F.rt_quantiles(df)
    # g1: linear interpolation at positions 0.4, 1.2, 2, 2.8, 3.6 of [1..5]
    assert q.loc["g1", [0.1, 0.3, 0.5, 0.7, 0.9]].tolist() == pytest.approx([1.4, 2.2, 3.0,
                                                                            3.8, 4.6])
    # g2: NaN dropped -> [0.5, 1.5]; median 1.0
    assert q.loc["g2", 0.5] == pytest.approx(1.0)
    assert q["n"].tolist() == [5, 2]
    assert F.rt_quantiles(df, by=None, q=[0.5]).loc["all", 0.5] == pytest.approx(2.0)


def test_rt_quantiles_errors():
    with pytest.raises(ValueError, match="'rt'"):
        F.rt_quantiles(pd.DataFrame({"group": ["a"]}))
    with pytest.raises(F.InsufficientDataError, match="'rt'"):
        F.rt_quantiles(pd.DataFrame({"group": ["a"], "rt": [np.nan]}))


def test_ks_distance():
    assert F.ks_distance([1, 2, 3], [4, 5, 6]) == 1.0
    # F_x - F_y is largest on [2, 3): 2/4 - 0 = 0.5
    assert F.ks_distance([1, 2, 3, 4], [3, 4, 5, 6]) == pytest.approx(0.5)
    assert F.ks_distance(pd.DataFrame({"rt": [1.0, np.nan]}), [1.0]) == 0.0
    with pytest.raises(ValueError, match="'y'"):
        F.ks_distance([1.0], [np.nan])


# --------------------------------------------------------------------------------------
# input validation shared by all measures

@pytest.mark.parametrize("fn", [F.heldout_agreement, F.pairwise_agreement, F.fleiss_kappa,
                                F.transitivity_violations, F.bradley_terry,
                                F.aggregate_preferences])
def test_empty_and_missing_columns_name_the_column(fn):
    empty = judgments([])
    with pytest.raises(ValueError, match="empty.*'item_a'"):
        fn(empty)
    with pytest.raises(ValueError, match="missing required column.*'chosen'"):
        fn(empty.drop(columns="chosen"))


def test_prefer_first_missing_and_empty():
    with pytest.raises(ValueError, match="'first'"):
        F.prefer_first(judgments([(1, "a", "b", "a")]))
    with pytest.raises(ValueError, match="empty.*'first'"):
        F.prefer_first(judgments([], first=[]))


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="'chosen'.*item_a.*item_b"):
        F.heldout_agreement(judgments([(1, "a", "b", "c")]))
    with pytest.raises(ValueError, match="'chosen' has 1 missing"):
        F.heldout_agreement(judgments([(1, "a", "b", None)]))
    with pytest.raises(ValueError, match="mixes different pairs"):
        F.heldout_agreement(judgments([(1, "a", "b", "a"), (1, "a", "c", "a")]))
    with pytest.raises(ValueError, match="missing required column.*'pair_id'"):
        F.heldout_agreement(judgments([(1, "a", "b", "a")]).drop(columns="pair_id"))
    with pytest.raises(TypeError, match="DataFrame"):
        F.heldout_agreement([("a", "b", "a")])


def test_generic_human_schema_is_accepted():
    # cogsim.datasets' generic schema: option_a/option_b/choice ("A"/"B")/shown_first/trial
    generic = pd.DataFrame({"annotator_id": ["h1", "h2", "h3", "h1"],
                            "option_a": ["a", "a", "a", "c"], "option_b": ["b", "b", "b", "d"],
                            "choice": ["A", "B", "A", "B"], "pair_id": ["p1", "p1", "p1", "p2"],
                            "shown_first": ["A", "A", None, "B"], "trial": [0, 0, 0, 1]})
    conv = F.from_generic_schema(generic)
    assert conv["chosen"].tolist() == ["a", "b", "a", "d"]
    assert conv["first"].tolist()[:2] == ["a", "a"] and conv["first"].tolist()[3] == "d"
    assert pd.isna(conv["first"].iloc[2]) and "step" in conv.columns
    # p1: a, b, a -> held-out a sees (b, a) tie 0.5 twice, b sees (a, a) 0 -> 1/3
    assert F.heldout_agreement(generic) == pytest.approx(1 / 3)
    # first known in rows 1, 2, 4: chose first in rows 1 and 4 -> 2/3
    assert F.prefer_first(generic) == pytest.approx(2 / 3)
    rep = F.fidelity_report(conv.assign(p_a=np.nan), generic)
    assert rep["agreement_with_human"] == pytest.approx(F.agreement_with_reference(conv, conv))
    with pytest.raises(ValueError, match="'choice'"):
        F.heldout_agreement(generic.assign(choice=["A", "C", "A", "B"]))


def test_key_none_groups_by_unordered_item_pair():
    df = judgments([(1, "a", "b", "a"), (2, "b", "a", "a"), (3, "a", "b", "b"),
                    (4, "b", "a", "a")])
    # pair ids differ, items do not: {a, b} judged a, a, b, a -> the a-voters see
    # (a, a, b) -> 1 each, the b-voter sees (a, a, a) -> 0: 3/4
    assert F.heldout_agreement(df, key=None) == pytest.approx(0.75)
    with pytest.raises(F.InsufficientDataError):
        F.heldout_agreement(df)                   # by pair_id every pair is single


# --------------------------------------------------------------------------------------
# AlpacaEval reference and report

@pytest.mark.public_data("alpaca_eval_evaluators")
def test_alpaca_eval_human_reference_loads_figures(shared_data):
    ref = F.alpaca_eval_human_reference(shared_data)
    assert ref["heldout_agreement"] == pytest.approx(0.6566358, abs=1e-6)
    assert ref["prefer_longer"] == pytest.approx(0.6359551, abs=1e-6)
    assert ref["prefer_lists"] == pytest.approx(0.6036036, abs=1e-6)
    assert ref["prefer_first"] == pytest.approx(0.5177469, abs=1e-6)
    assert ref["variance"] == pytest.approx(0.3433642, abs=1e-6)
    assert ref["bias"] == 0.0
    assert ref["n_judgments"] == 2592
    # for the humans row, agreement + variance = 1 (variance is 1 - leave-one-out agreement)
    assert ref["heldout_agreement"] + ref["variance"] == pytest.approx(1.0)
    # the CSV itself and its folder are accepted too
    csv = shared_data / "alpaca_eval_evaluators" / "evaluators_leaderboard.csv"
    assert F.alpaca_eval_human_reference(csv) == ref
    assert F.alpaca_eval_human_reference(csv.parent) == ref


@pytest.mark.public_data("alpaca_eval_evaluators")
def test_alpaca_eval_other_evaluator_and_errors(tmp_path, shared_data):
    gpt4 = F.alpaca_eval_human_reference(shared_data, evaluator="alpaca_eval_gpt4")
    assert gpt4["agreement_with_human"] == pytest.approx(0.691744, abs=1e-6)
    assert gpt4["bias"] == pytest.approx(0.283951, abs=1e-6)
    assert "heldout_agreement" not in gpt4
    with pytest.raises(ValueError, match="nobody"):
        F.alpaca_eval_human_reference(shared_data, evaluator="nobody")
    with pytest.raises(FileNotFoundError):
        F.alpaca_eval_human_reference(tmp_path)


def test_compare_to_reference_table():
    ref = {"heldout_agreement": 0.65, "prefer_first": 0.5, "prefer_lists": 0.6,
           "n_judgments": 100.0}
    table = F.compare_to_reference({"heldout_agreement": 0.7, "prefer_first": None}, ref)
    assert list(table.index) == ["heldout_agreement", "prefer_first", "prefer_lists"]
    assert table.loc["heldout_agreement", "difference"] == pytest.approx(0.05)
    assert table.loc["heldout_agreement", "reference"] == 0.65
    assert math.isnan(table.loc["prefer_first", "synthetic"])
    assert math.isnan(table.loc["prefer_lists", "difference"])


def simulated_table(seed, n, noise_items=("i0", "i1", "i2", "i3", "i4", "i5")):
    rng = np.random.default_rng(seed)
    s = np.linspace(-1, 1, len(noise_items))
    ids = np.asarray(noise_items)
    a = rng.integers(0, len(ids), n)
    b = (a + rng.integers(1, len(ids), n)) % len(ids)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    p_lo = 1 / (1 + np.exp(s[hi] - s[lo]))
    chose_lo = rng.random(n) < p_lo
    first = np.where(rng.random(n) < 0.5, lo, hi)
    return pd.DataFrame({
        "run_id": "r", "step": np.arange(n), "pair_id": lo * 1000 + hi,
        "annotator_id": np.arange(n) % 5, "group": np.where(np.arange(n) % 2, "g1", "g2"),
        "item_a": ids[lo], "item_b": ids[hi], "first": ids[first],
        "chosen": np.where(chose_lo, ids[lo], ids[hi]), "value_a": 0.0, "value_b": 0.0,
        "p_a": p_lo, "rt": rng.lognormal(0, 0.3, n), "strategy": "evaluate",
        "model": "bt", "seed": seed})


@pytest.mark.public_data("alpaca_eval_evaluators")
def test_fidelity_report_matches_the_functions_and_is_json(shared_data):
    syn = simulated_table(0, 600)
    hum = simulated_table(1, 300).drop(columns=["p_a", "value_a", "value_b", "strategy"])
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(6)],
                          "length": [10, 20, 30, 40, 50, 60],
                          "is_list": [True, False] * 3})
    rep = F.fidelity_report(syn, hum, items)
    json.dumps(rep, allow_nan=False)                       # plain JSON
    assert rep["heldout_agreement"] == pytest.approx(F.heldout_agreement(syn))
    assert rep["human_heldout_agreement"] == pytest.approx(F.heldout_agreement(hum))
    assert rep["prefer_first"] == pytest.approx(F.prefer_first(syn))
    assert rep["prefer_longer"] == pytest.approx(F.prefer_longer(syn, items))
    assert rep["prefer_lists"] == pytest.approx(F.prefer_lists(syn, items))
    assert rep["bias"] == pytest.approx(F.alpaca_eval_bias(syn, hum))
    assert rep["agreement_with_human"] == pytest.approx(F.agreement_with_reference(syn, hum))
    predicted = F.choice_rates(syn, use_probabilities=True)["rate"]
    observed = F.choice_rates(hum)["rate"]
    assert rep["msd"] == pytest.approx(F.msd(predicted, observed))
    assert rep["log_loss"] == pytest.approx(F.log_loss(predicted, observed))
    assert rep["rt_q50"] == pytest.approx(float(np.median(syn["rt"])))
    assert rep["rt_ks"] == pytest.approx(F.ks_distance(syn["rt"], hum["rt"]))
    # same generating scores (spread 2 over 6 items) -> same BT order
    assert rep["bt_kendall_tau"] > 0.7
    assert rep["n_judgments"] == 600 and rep["human_n_judgments"] == 300
    assert rep["n_pairs"] == 15
    table = F.compare_to_reference(rep, F.alpaca_eval_human_reference(shared_data))
    assert table.loc["prefer_first", "synthetic"] == pytest.approx(rep["prefer_first"])


def test_fidelity_report_rates_are_order_free():
    syn = simulated_table(4, 300)
    hum = simulated_table(5, 300)
    swapped = hum.rename(columns={"item_a": "item_b", "item_b": "item_a"}).drop(columns="p_a")
    rep = F.fidelity_report(syn, hum.drop(columns="p_a"))
    rep_swapped = F.fidelity_report(syn, swapped)
    for name in ("msd", "log_loss", "accuracy", "agreement_with_human", "bias"):
        assert rep_swapped[name] == pytest.approx(rep[name])
    # the synthetic table may list a pair either way round: same numbers
    flipped = syn.copy()
    odd = flipped.index % 2 == 1
    flipped.loc[odd, ["item_a", "item_b"]] = flipped.loc[odd, ["item_b", "item_a"]].to_numpy()
    flipped.loc[odd, "p_a"] = 1 - flipped.loc[odd, "p_a"]
    rep_flipped = F.fidelity_report(flipped, hum.drop(columns="p_a"))
    for name in ("msd", "log_loss", "accuracy", "agreement_with_human", "bias"):
        assert rep_flipped[name] == pytest.approx(rep[name])
    # and the human rate really is of the synthetic item_b: 1 - human rate of its own item_b
    own = F.choice_rates(swapped)["rate"]
    aligned = F.choice_rates(swapped, option_b=F.choice_rates(syn)["item_b"])["rate"]
    assert np.allclose(aligned, 1 - own.loc[aligned.index])


def test_fidelity_report_with_rates_and_few_columns():
    syn = simulated_table(2, 200)
    rates = F.choice_rates(simulated_table(3, 200))["rate"]
    rep = F.fidelity_report(syn, rates)
    assert rep["msd"] == pytest.approx(F.msd(F.choice_rates(syn, use_probabilities=True)["rate"],
                                             rates))
    assert "bias" not in rep and "human_heldout_agreement" not in rep
    # a DataFrame of rates with the documented columns works the same way
    rep2 = F.fidelity_report(syn, rates.rename("b_rate").reset_index())
    assert rep2["msd"] == pytest.approx(rep["msd"])
    # only the three core columns: no position, RT or length measures, no error
    bare = syn[["item_a", "item_b", "chosen"]]
    rep3 = F.fidelity_report(bare)
    assert "prefer_first" not in rep3 and "rt_q50" not in rep3 and "msd" not in rep3
    assert rep3["heldout_agreement"] == pytest.approx(F.heldout_agreement(bare, key=None))
    with pytest.raises(ValueError, match="b_rate"):
        F.fidelity_report(syn, pd.DataFrame({"pair_id": [1]}))
    with pytest.raises(ValueError, match="'chosen'"):
        F.fidelity_report(syn.drop(columns="chosen"))
