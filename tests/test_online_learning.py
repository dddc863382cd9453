"""The online-learning experiment (experiments/online_learning): the dueling-bandit learner
finds the best item of a deterministic preference, the regret on hand cases, and one seed
giving the same run twice against the real oracle."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent.parent / "experiments" / "online_learning"
sys.path.insert(0, str(HERE))

from dueling import DoubleThompson, best_item, condorcet_winner, regret  # noqa: E402


def _duel(K: int, rounds: int, seed: int) -> list[tuple[int, int]]:
    """D-TS on K items where the lower index always wins (item 0 is the Condorcet winner)."""
    learner = DoubleThompson(K, np.random.default_rng(seed))
    pairs = []
    for _ in range(rounds):
        a, b = learner.select()
        pairs.append((a, b))
        learner.update(min(a, b), max(a, b))
    return pairs


def test_learner_finds_the_best_item_of_a_deterministic_preference():
    pairs = _duel(K=5, rounds=400, seed=3)
    last = pairs[-100:]
    assert all(0 in pair for pair in last)                # the winner is in every duel
    assert sum(a == b == 0 for a, b in last) >= 95        # it duels the winner with itself


def test_learner_is_determined_by_its_seed():
    assert _duel(6, 200, seed=5) == _duel(6, 200, seed=5)
    assert _duel(6, 200, seed=5) != _duel(6, 200, seed=6)


def test_discounted_counts_decay():
    learner = DoubleThompson(3, np.random.default_rng(0), discount=0.5)
    learner.update(0, 1)
    learner.update(0, 1)
    assert learner.B[0, 1] == pytest.approx(1.5)          # 1 * 0.5 + 1
    learner.update(2, 2)                                  # a round without a duel
    assert learner.B[0, 1] == pytest.approx(0.75) and learner.t == 3


def test_regret_hand_case():
    # Item 0 beats 1 with 0.8 and 2 with 0.6; 1 beats 2 with 0.7.
    P = np.array([[0.5, 0.8, 0.6],
                  [0.2, 0.5, 0.7],
                  [0.4, 0.3, 0.5]])
    assert condorcet_winner(P) == 0 and best_item(P) == 0
    # Delta = (0, 0.3, 0.1): regret of (1, 2) is (0.3 + 0.1) / 2.
    assert regret(P, 1, 2) == pytest.approx(0.2)
    assert regret(P, 0, 0) == 0.0
    assert regret(P, [0, 1, 2], [1, 1, 2]).tolist() == pytest.approx([0.15, 0.3, 0.1])
    assert np.cumsum(regret(P, [1, 2, 0], [2, 2, 0])).tolist() == pytest.approx([0.2, 0.3, 0.3])


def test_best_item_without_condorcet_winner():
    # A cycle 0 > 1 > 2 > 0; every item wins once; item 2 has the highest Borda score.
    P = np.array([[0.5, 0.6, 0.4],
                  [0.4, 0.5, 0.55],
                  [0.6, 0.45, 0.5]])
    assert condorcet_winner(P) is None
    assert best_item(P) == 2                              # Borda 1.05 vs 1.0 and 0.95
    assert regret(P, 0, 0) == pytest.approx(0.1)          # P[2, 0] - 1/2
    assert regret(P, 1, 1) == 0.0                         # 2 loses to 1: clipped at 0


def test_regret_refuses_bad_input():
    with pytest.raises(ValueError, match="square"):
        regret(np.full((2, 3), 0.5), 0, 1)
    with pytest.raises(ValueError, match="from 0 to 1"):
        regret(np.array([[0.5, 1.5], [-0.5, 0.5]]), 0, 1)
    with pytest.raises(ValueError, match="items must be"):
        regret(np.full((2, 2), 0.5), 0, 2)
    with pytest.raises(ValueError, match="discount"):
        DoubleThompson(3, np.random.default_rng(0), discount=0.0)


@pytest.mark.parametrize("condition", ["learning", "drifting"])
def test_a_run_against_the_oracle_is_determined_by_its_seed(condition):
    import living

    kw = dict(rounds=130, n_items=4, probe_every=60, reps=1)
    one = living.run(condition, 11, **kw)
    two = living.run(condition, 11, **kw)
    assert np.array_equal(one["regret"], two["regret"])
    assert np.array_equal(one["first"], two["first"]) and one["best"] == two["best"]
    assert one["queries"] == two["queries"] > 0
    assert len(one["best"]) == 3 and 0 <= one["final_best"] < 4
    assert (one["regret"] >= 0).all() and (one["regret"] <= 0.5).all()
    other = living.run(condition, 12, **kw)
    assert not np.array_equal(one["first"], other["first"])


def test_preference_measurement_changes_nothing():
    import living

    oracle = living.make_oracle("drifting", 4)
    ids = living.choose_items(oracle.spec, 4)
    twin = living.make_oracle("drifting", 4)
    first = living.preference_matrix(oracle, ids, reps=2)
    np.testing.assert_allclose(first + first.T, 1.0)
    assert np.array_equal(first, living.preference_matrix(oracle, ids, reps=2))
    q = [(ids[0], ids[1]), (ids[2], ids[3])]
    assert oracle.judge(q).equals(twin.judge(q))
