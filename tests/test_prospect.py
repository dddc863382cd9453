"""Expected value and cumulative prospect theory baselines, against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cogsim.baselines.prospect import (
    ExpectedValueModel,
    ProspectTheoryModel,
    cpt_values,
    decision_weights,
    pad_problems,
    weighting_function,
)
from cogsim.datasets import DataError


def problems(*rows: tuple, **columns) -> pd.DataFrame:
    """A problem table from (Ha, pHa, La, Hb, pHb, Lb) tuples plus constant extra columns."""
    df = pd.DataFrame(rows, columns=["Ha", "pHa", "La", "Hb", "pHb", "Lb"])
    for name, value in columns.items():
        df[name] = value
    return df


def w_tk(p: float, g: float) -> float:
    """Tversky-Kahneman (1992) weighting, written out by hand."""
    return p**g / (p**g + (1 - p) ** g) ** (1 / g)


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# -- the pieces ----------------------------------------------------------------------------


def test_weighting_functions() -> None:
    p = np.array([0.0, 0.01, 0.3, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(weighting_function(p, 0.61), [w_tk(q, 0.61) for q in p])
    np.testing.assert_allclose(weighting_function(p, 1.0), p)
    np.testing.assert_allclose(weighting_function(p, 1.0, "prelec"), p)
    np.testing.assert_allclose(
        weighting_function(p[1:], 0.65, "prelec"), np.exp(-((-np.log(p[1:])) ** 0.65))
    )
    assert weighting_function(np.array([0.01]), 0.61)[0] > 0.01  # rare overweighted
    assert weighting_function(np.array([0.9]), 0.61)[0] < 0.9  # likely underweighted
    with pytest.raises(ValueError, match="weighting"):
        weighting_function(p, 0.5, "nope")


def test_mixed_two_outcome_gamble_by_hand() -> None:
    # +100 or -100 with probability 1/2 each: V = w(.5) 100^a - lam w(.5) 100^a
    a, lam, g = 0.5, 2.0, 0.61
    v = cpt_values(np.array([[-100.0, 100.0]]), np.array([[0.5, 0.5]]), a, lam, g)
    expected = w_tk(0.5, g) * 10 - lam * w_tk(0.5, g) * 10
    assert v[0] == pytest.approx(expected, rel=1e-12)
    # separate curvature for losses
    v = cpt_values(np.array([[-100.0, 100.0]]), np.array([[0.5, 0.5]]), a, lam, g, beta=1.0)
    assert v[0] == pytest.approx(w_tk(0.5, g) * (10 - lam * 100), rel=1e-12)


def test_multi_outcome_rank_dependent_weights_by_hand() -> None:
    g = 0.7
    w = lambda p: w_tk(p, g)  # noqa: E731
    # gains 0, 10, 20, 30 with p .4 .3 .2 .1: weights from the best outcome down
    x = np.array([[0.0, 10.0, 20.0, 30.0]])
    p = np.array([[0.4, 0.3, 0.2, 0.1]])
    pi = decision_weights(x, p, g)[0]
    np.testing.assert_allclose(pi, [0.0, w(0.6) - w(0.3), w(0.3) - w(0.1), w(0.1)], rtol=1e-12)
    v = cpt_values(x, p, 0.8, 2.0, g)[0]
    hand = (w(0.6) - w(0.3)) * 10**0.8 + (w(0.3) - w(0.1)) * 20**0.8 + w(0.1) * 30**0.8
    assert v == pytest.approx(hand, rel=1e-12)
    # mixed: losses weighted from the worst up, gains from the best down, padding ignored
    x = np.array([[-20.0, -10.0, 10.0, 20.0, 0.0]])
    p = np.array([[0.2, 0.3, 0.3, 0.2, 0.0]])
    pi = decision_weights(x, p, g)[0]
    np.testing.assert_allclose(pi, [w(0.2), w(0.5) - w(0.2), w(0.5) - w(0.2), w(0.2), 0.0])
    v = cpt_values(x, p, 1.0, 1.5, g)[0]
    hand = -1.5 * (w(0.2) * 20 + (w(0.5) - w(0.2)) * 10) + (w(0.5) - w(0.2)) * 10 + w(0.2) * 20
    assert v == pytest.approx(hand, rel=1e-12)
    # gamma = 1: CPT with linear value is the expected value
    assert cpt_values(x, p, 1.0, 1.0, 1.0)[0] == pytest.approx(0.0, abs=1e-12)


def test_sure_thing_and_probability_by_hand() -> None:
    # A: 3 for sure; B: 4 with .8 else 0.  V_A = 3^a, V_B = w(.8) 4^a
    a, lam, g, t = 0.9, 2.0, 0.6, 0.7
    model = ProspectTheoryModel(alpha=a, lam=lam, gamma=g, temperature=t)
    df = problems((3, 1.0, 3, 4, 0.8, 0))
    v_a, v_b = model.values(df)
    assert v_a[0] == pytest.approx(3**a) and v_b[0] == pytest.approx(w_tk(0.8, g) * 4**a)
    rate = model.predict_rates(df)
    assert rate.shape == (1,)
    assert rate[0] == pytest.approx(logistic((w_tk(0.8, g) * 4**a - 3**a) / t), rel=1e-12)
    # a sure loss
    v_a, _ = model.values(problems((-5, 1.0, -5, 0, 1.0, 0)))
    assert v_a[0] == pytest.approx(-lam * 5**a)


def test_lottery_options_use_the_full_distribution() -> None:
    # B's high outcome is a symmetric lottery of 3 around 10: 9, 10, 11 w.p. .5*(1/4, 1/2, 1/4)
    df = problems((2, 1.0, 2, 10, 0.5, 0), LotShapeB="Symm", LotNumB=3)
    g, a = 0.61, 0.88
    w = lambda p: w_tk(p, g)  # noqa: E731
    hand = (w(0.5) - w(0.375)) * 9**a + (w(0.375) - w(0.125)) * 10**a + w(0.125) * 11**a
    _, v_b = ProspectTheoryModel(alpha=a, gamma=g).values(df)
    assert v_b[0] == pytest.approx(hand, rel=1e-12)


def test_expected_value_model_by_hand() -> None:
    df = problems((3, 1.0, 3, 4, 0.8, 0), (10, 0.5, -10, -1, 1.0, -1))
    model = ExpectedValueModel(temperature=0.5)
    rates = model.predict_rates(df)
    np.testing.assert_allclose(rates, [logistic(0.2 / 0.5), logistic(-1 / 0.5)], rtol=1e-12)
    assert model.get_params() == {"temperature": 0.5}
    model.set_params(temperature=2.0)
    assert model.predict_rates(df)[0] == pytest.approx(logistic(0.1))


def test_ambiguity_uniform_or_true() -> None:
    # B pays 10 w.p. .1 else 0, probabilities hidden: uniform -> EV 5
    df = problems((4, 1.0, 4, 10, 0.1, 0), Amb=True)
    _, ev_b = ExpectedValueModel().values(df)
    assert ev_b[0] == pytest.approx(5.0)
    _, ev_b = ExpectedValueModel(ambiguity="true").values(df)
    assert ev_b[0] == pytest.approx(1.0)
    _, ev_b = ExpectedValueModel().values(df.assign(Amb=False))
    assert ev_b[0] == pytest.approx(1.0)


# -- known effects -------------------------------------------------------------------------


def test_loss_aversion_lowers_acceptance_of_a_mixed_gamble() -> None:
    df = problems((0, 1.0, 0, 10, 0.5, -10))  # nothing vs +-10 at 50/50
    rates = [
        ProspectTheoryModel(alpha=0.88, lam=lam, gamma=0.61, temperature=1.0).predict_rates(df)[0]
        for lam in (1.0, 1.5, 2.25, 3.0)
    ]
    assert rates[0] == pytest.approx(0.5)
    assert all(b < a for a, b in zip(rates, rates[1:]))
    assert rates[2] < 0.05  # lambda 2.25: accepted less than 5% of the time


def test_fourfold_pattern() -> None:
    # B risky vs A its expected value for sure: low/high probability x gains/losses
    df = problems(
        (5, 1.0, 5, 100, 0.05, 0),  # rare gain: risk seeking
        (95, 1.0, 95, 100, 0.95, 0),  # likely gain: risk averse
        (-5, 1.0, -5, 0, 0.95, -100),  # rare loss: risk averse
        (-95, 1.0, -95, 0, 0.05, -100),  # likely loss: risk seeking
    )
    rates = ProspectTheoryModel(alpha=1.0, lam=1.0, gamma=0.61, temperature=1.0).predict_rates(df)
    assert rates[0] > 0.9 and rates[1] < 0.1 and rates[2] < 0.1 and rates[3] > 0.9
    flat = ProspectTheoryModel(alpha=1.0, lam=1.0, gamma=1.0, temperature=1.0).predict_rates(df)
    np.testing.assert_allclose(flat, 0.5, atol=1e-9)


# -- interface -----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ExpectedValueModel, ProspectTheoryModel])
def test_interface_and_protocols(cls) -> None:
    df = problems((3, 1.0, 3, 4, 0.8, 0), (10, 0.5, -10, 20, 0.1, 1), (1, 1, 1, 9, 0.3, 0))
    model = cls(seed=3)
    assert tuple(model.get_params()) == cls.param_names
    assert set(cls.bounds) == set(cls.param_names)
    assert all(lo < model.get_params()[k] < hi for k, (lo, hi) in cls.bounds.items())
    c13k = model.predict_rates(df)
    cpc = model.predict_rates(df, protocol="cpc")
    assert c13k.shape == (3,) and cpc.shape == (3, 5)
    np.testing.assert_allclose(cpc, np.repeat(c13k[:, None], 5, axis=1))  # feedback ignored
    assert model.set_params(**model.get_params()) is model
    with pytest.raises(ValueError, match="no parameter"):
        model.set_params(bogus=1.0)
    with pytest.raises(ValueError, match="temperature"):
        model.set_params(temperature=-1.0)
    with pytest.raises(ValueError, match="protocol"):
        model.predict_rates(df, protocol="nope")


def test_vectorized_equals_row_by_row() -> None:
    df = pd.DataFrame(
        {
            "Ha": [3, 10, 1, 20], "pHa": [1.0, 0.5, 1.0, 0.9], "La": [3, -10, 1, 0],
            "Hb": [4, 20, 9, 30], "pHb": [0.8, 0.1, 0.3, 0.6], "Lb": [0, 1, 0, -5],
            "LotShapeB": ["-", "R-skew", "Symm", "L-skew"], "LotNumB": [1, 5, 4, 3],
            "Amb": [False, True, False, True], "Corr": [0, 1, -1, 0],
        }
    )  # fmt: skip
    model = ProspectTheoryModel(alpha=0.7, lam=1.8, gamma=0.5, temperature=3.0)
    together = model.predict_rates(df)
    alone = [model.predict_rates(df.iloc[[i]])[0] for i in range(len(df))]
    np.testing.assert_allclose(together, alone, rtol=1e-12)
    padded = pad_problems(df)
    assert padded.xb.shape == (4, 6) and padded.k_b.tolist() == [2, 6, 5, 4]


def test_bad_input() -> None:
    model = ProspectTheoryModel()
    bad = problems((3, 1.0, 3, 4, 1.5, 0))
    with pytest.raises(DataError, match=r"row 1, column 'pHb'"):
        model.predict_rates(bad)
    with pytest.raises(DataError, match="missing required column 'Lb'"):
        ExpectedValueModel().predict_rates(bad.drop(columns="Lb"))
    with pytest.raises(DataError, match="column 'Amb'"):
        model.predict_rates(problems((3, 1.0, 3, 4, 0.5, 0), Amb="maybe"))
    with pytest.raises(ValueError, match="weighting"):
        ProspectTheoryModel(weighting="cubic")
    with pytest.raises(ValueError, match="ambiguity"):
        ExpectedValueModel(ambiguity="worst")
    with pytest.raises(TypeError, match="DataFrame"):
        model.predict_rates([[1, 2, 3]])
