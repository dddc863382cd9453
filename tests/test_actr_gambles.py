"""ACT-R blended-retrieval model of described gambles, against hand computations of ACT-R."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cogsim.actr.described import ACTRDescriptionModel, blended_values
from cogsim.datasets import DataError
from cogsim.tasks.gambles import pad_problems


def problems(*rows: tuple, **columns) -> pd.DataFrame:
    """A problem table from (Ha, pHa, La, Hb, pHb, Lb) tuples plus constant extra columns."""
    df = pd.DataFrame(rows, columns=["Ha", "pHa", "La", "Hb", "pHb", "Lb"])
    for name, value in columns.items():
        df[name] = value
    return df


def test_blended_values_by_hand() -> None:
    a = np.array([[0.2, -0.4, -np.inf]])
    x = np.array([[10.0, 2.0, 99.0]])
    e1, e2 = math.exp(0.2 / 0.7), math.exp(-0.4 / 0.7)
    assert blended_values(a, x, 0.7, None)[0] == pytest.approx((10 * e1 + 2 * e2) / (e1 + e2))
    assert blended_values(a, x, 0.7, 0.0)[0] == pytest.approx(10.0)  # threshold drops chunk 2
    assert np.isnan(blended_values(a, x, 0.7, 1.0)[0])  # nothing above threshold


def test_noise_zero_description_is_blending_of_probabilities() -> None:
    # A: 3.5 for sure; B: 10 w.p. .3 else 0.  With noise 0, B_i = ln(p_i D) and
    # V_B = sum p_i^(1/T) x_i / sum p_i^(1/T).  T = 1 (noise 0): V_B = EV = 3 < 3.5.
    df = problems((3.5, 1.0, 3.5, 10, 0.3, 0), Feedback=False)
    assert ACTRDescriptionModel(noise=0.0).predict_rates(df)[0] == 0.0
    # T = 3: V_B = 10 * .3^(1/3) / (.3^(1/3) + .7^(1/3)) = 4.2986 > 3.5
    v_b = 10 * 0.3 ** (1 / 3) / (0.3 ** (1 / 3) + 0.7 ** (1 / 3))
    assert v_b == pytest.approx(4.2986, abs=1e-4)
    assert ACTRDescriptionModel(noise=0.0, temperature=3.0).predict_rates(df)[0] == 1.0


def test_noise_zero_feedback_follows_base_level_learning() -> None:
    """Per-trial choices with feedback match ACT-R's base-level equation computed by hand."""
    d, lag, p_lo = 0.5, 0.5, 1e-6  # B: 10 w.p. 1 - 1e-6, else -1000 (never observed here)

    def hand_value(k: int) -> float:
        desc = sum((k - j + lag) ** -d for j in range(1, k + 1))
        fb = sum((k - j) ** -d for j in range(1, k))
        s_hi, s_lo = (1 - p_lo) * desc + fb, p_lo * desc
        return (10 * s_hi - 1000 * s_lo) / (s_hi + s_lo)

    v = [hand_value(k) for k in range(1, 6)]
    assert v[0] == pytest.approx(10 - 1010e-6)  # trial 1: the expected value
    a = (v[1] + v[2]) / 2  # A's sure payoff lies between V_B on trials 2 and 3
    df = problems((a, 1.0, a, 10, 1 - p_lo, -1000))
    model = ACTRDescriptionModel(noise=0.0, decay=d, description_lag=lag)
    padded = pad_problems(df)
    with_fb = model.simulate(padded, np.ones((1, 5), dtype=bool))[0]
    np.testing.assert_array_equal(with_fb, [float(x > a) for x in v])
    assert with_fb.tolist() == [0, 0, 1, 1, 1]
    without = model.simulate(padded, np.zeros((1, 5), dtype=bool))[0]
    np.testing.assert_array_equal(without, 0.0)  # description alone: EV every trial
    # c13k protocol: the mean of the five trials; Feedback column respected
    assert model.predict_rates(df)[0] == pytest.approx(0.6)
    assert model.predict_rates(df.assign(Feedback=False))[0] == 0.0


def test_retrieval_threshold_drops_weak_chunks() -> None:
    # trial 1: D = 0.5^-0.5; ln(.3 D) = -0.857 and ln(.7 D) = -0.011.  Threshold -0.5 keeps
    # only B's outcome 0, so V_B = 0 < 1 = V_A; without it V_B = 3 > 1.  (Later trials add
    # readings of the description, which lift both chunks above the threshold.)
    df = problems((1, 1.0, 1, 10, 0.3, 0), Feedback=False)
    one_trial = np.zeros((1, 1), dtype=bool)
    assert ACTRDescriptionModel(noise=0.0).simulate(pad_problems(df), one_trial)[0, 0] == 1.0
    model = ACTRDescriptionModel(noise=0.0, retrieval_threshold=-0.5)
    assert model.simulate(pad_problems(df), one_trial)[0, 0] == 0.0
    # by trial 5, D = sum_j (5 - j + .5)^-.5 = 3.87 and ln(.3 D) = 0.15: both chunks retrieved
    assert model.simulate(pad_problems(df), np.zeros((1, 5), dtype=bool))[0, 4] == 1.0
    # threshold above every chunk: both retrievals fail, values tie, a fair coin decides
    coin = ACTRDescriptionModel(noise=0.0, retrieval_threshold=5.0, n_agents=2000)
    assert coin.predict_rates(df)[0] == pytest.approx(0.5, abs=0.03)


def test_dominated_options() -> None:
    model = ACTRDescriptionModel(noise=0.5, decay=0.5, n_agents=2000, seed=1)
    df = problems(
        (20, 1.0, 20, 18, 0.9, 2),  # B's best below A's worst
        (10, 0.9, 0, 10, 0.5, 0),  # first-order dominated, overlapping outcomes
    )
    rates = model.predict_rates(df)
    assert rates[0] == 0.0  # never chosen: a blend of B's outcomes is at most 18
    # noisy blending makes the overlapping dominated option a minority choice: about 11%
    assert 0.05 < rates[1] < 0.2


def test_common_random_numbers_and_reproducibility() -> None:
    df = problems(
        (3, 1.0, 3, 4, 0.8, 0), (10, 0.5, -10, 20, 0.1, 1), (1, 1, 1, 9, 0.3, 0),
        Corr=[0, 1, -1], Amb=[False, False, True],
    )  # fmt: skip
    model = ACTRDescriptionModel(noise=0.6, decay=0.4, seed=7, n_agents=500)
    first = model.predict_rates(df, "cpc")
    model.set_params(noise=1.0)
    model.predict_rates(df, "cpc")
    model.set_params(noise=0.6)
    np.testing.assert_array_equal(model.predict_rates(df, "cpc"), first)
    np.testing.assert_array_equal(
        ACTRDescriptionModel(noise=0.6, decay=0.4, seed=7, n_agents=500).predict_rates(df, "cpc"),
        first,
    )
    # same draws whatever the parameters: a tiny change moves the rates very little,
    # while another seed moves them by sampling error
    nudged = model.set_params(noise=0.601).predict_rates(df, "cpc")
    other = ACTRDescriptionModel(noise=0.6, decay=0.4, seed=8, n_agents=500)
    reseeded = other.predict_rates(df, "cpc")
    assert np.abs(nudged - first).mean() < 0.005
    assert np.abs(reseeded - first).mean() > 2 * np.abs(nudged - first).mean()


def test_protocol_shapes_and_row_order() -> None:
    df = pd.DataFrame(
        {
            "Ha": [20, 1, 3, 0], "pHa": [1.0, 1.0, 0.5, 1.0], "La": [20, 1, 1, 0],
            "Hb": [18, 30, 4, 0], "pHb": [0.9, 0.6, 0.5, 1.0], "Lb": [2, 25, 2, 0],
            "LotShapeB": ["-", "Symm", "R-skew", "-"], "LotNumB": [1, 3, 4, 1],
            "Feedback": [True, False, True, True],
        }
    )  # fmt: skip
    model = ACTRDescriptionModel(n_agents=200)
    c13k = model.predict_rates(df)
    cpc = model.predict_rates(df, protocol="cpc")
    assert c13k.shape == (4,) and cpc.shape == (4, 5)
    assert ((c13k >= 0) & (c13k <= 1)).all() and ((cpc >= 0) & (cpc <= 1)).all()
    # rows of different sizes are simulated in groups and put back in order
    assert c13k[0] == 0.0 and c13k[1] == 1.0 and cpc[0].max() == 0.0 and cpc[1].min() == 1.0
    assert 0.3 < c13k[3] < 0.7  # identical options: a coin flip
    model.predict_rates(df.iloc[:0])  # an empty table is fine
    assert model.predict_rates(df.iloc[:0], "cpc").shape == (0, 5)


def test_interface_and_bad_input() -> None:
    model = ACTRDescriptionModel(noise=0.4, decay=0.6)
    assert model.get_params() == {"noise": 0.4, "decay": 0.6}
    assert set(model.bounds) == set(model.param_names) == {"noise", "decay"}
    ok = problems((3, 1.0, 3, 4, 0.8, 0))
    with pytest.raises(DataError, match=r"row 1, column 'pHa'"):
        model.predict_rates(problems((3, 1.5, 3, 4, 0.8, 0)))
    with pytest.raises(DataError, match=r"row 2, column 'Feedback'"):
        model.predict_rates(pd.concat([ok, ok]).assign(Feedback=[True, "maybe"]))
    with pytest.raises(ValueError, match="protocol"):
        model.predict_rates(ok, protocol="cpc18")
    with pytest.raises(ValueError, match="no parameter"):
        model.set_params(threshold=1.0)
    with pytest.raises(ValueError, match="noise"):
        model.set_params(noise=-0.1)
    with pytest.raises(ValueError, match="n_agents"):
        ACTRDescriptionModel(n_agents=0)
    with pytest.raises(ValueError, match="ambiguity"):
        ACTRDescriptionModel(ambiguity="worst")
