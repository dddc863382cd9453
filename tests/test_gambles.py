"""CPC gamble problems -> outcome distributions, checked against choices13k's own listing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim import gambles
from cogsim.datasets import (
    DataError,
    fetch_choices13k,
    fetch_choices13k_distributions,
    fetch_cpc18_track2,
)

# Public data: tests/conftest.py makes ../shared/data the data home (the ``shared_data``
# fixture) and skips or fails the tests marked ``public_data`` when a set is missing.


def merged_listing(listing: pd.DataFrame) -> pd.DataFrame:
    """choices13k's listing with equal outcomes merged and zero probabilities dropped."""
    positive = listing[listing["probability"] > 0]
    merged = positive.groupby(["row", "option", "outcome"], as_index=False)["probability"].sum()
    return merged.sort_values(["row", "option", "outcome"], ignore_index=True)


def assert_same_distributions(ours: pd.DataFrame, listed: pd.DataFrame) -> None:
    assert len(ours) == len(listed)
    pd.testing.assert_frame_equal(
        ours[["row", "option", "outcome"]], listed[["row", "option", "outcome"]], check_dtype=False
    )
    np.testing.assert_allclose(ours["probability"], listed["probability"], rtol=0, atol=1e-12)


# -- the formulas on hand-worked examples ---------------------------------------------------


def test_plain_option() -> None:
    x, p = gambles.distribution(26, 0.95, -1)
    assert x.tolist() == [-1.0, 26.0]
    np.testing.assert_allclose(p, [0.05, 0.95])
    x, p = gambles.distribution(4, 1.0, -3)  # pH = 1: no low outcome at all
    assert x.tolist() == [4.0] and p.tolist() == [1.0]
    x, p = gambles.distribution(5, 0.3, 5)  # H = L: one outcome
    assert x.tolist() == [5.0] and p.tolist() == pytest.approx([1.0])


def test_symmetric_lottery_is_binomial() -> None:
    x, p = gambles.distribution(10, 1.0, 0, "Symm", 3)
    assert x.tolist() == [9.0, 10.0, 11.0]
    assert p.tolist() == [0.25, 0.5, 0.25]
    x, p = gambles.distribution(10, 0.5, 0, "Symm", 2)  # even size: half-integer outcomes
    assert x.tolist() == [0.0, 9.5, 10.5]
    assert p.tolist() == [0.5, 0.25, 0.25]


def test_skewed_lotteries() -> None:
    # R-skew, n = 7: C = -8, outcomes H - 8 + 2^j, probabilities pH/2^j with the last doubled.
    x, p = gambles.distribution(27, 0.8, -37, "R-skew", 7)
    assert x.tolist() == [-37, 21, 23, 27, 35, 51, 83, 147]
    np.testing.assert_allclose(p, [0.2, 0.4, 0.2, 0.1, 0.05, 0.025, 0.0125, 0.0125])
    # L-skew, n = 3: C = 4, outcomes H + 4 - 2^j.
    x, p = gambles.distribution(10, 1.0, 0, "L-skew", 3)
    assert x.tolist() == [6.0, 10.0, 12.0]
    np.testing.assert_allclose(p, [0.25, 0.25, 0.5])
    for shape in ("Symm", "R-skew", "L-skew"):
        for n in range(1, 10):
            x, p = gambles.distribution(20, 0.7, -5, shape, n)
            assert p.sum() == pytest.approx(1.0)
            assert (x * p).sum() == pytest.approx(20 * 0.7 - 5 * 0.3)  # the lottery's mean is H


def test_shape_codes_and_names() -> None:
    assert [gambles.lot_shape_name(c) for c in (0, 1, 2, 3)] == ["-", "Symm", "R-skew", "L-skew"]
    assert (
        gambles.lot_shape_name("2") == "R-skew" and gambles.lot_shape_name(np.int64(3)) == "L-skew"
    )
    assert gambles.lot_shape_name(1.0) == "Symm"
    with pytest.raises(DataError, match="lottery shape.*got 'Skew'"):
        gambles.lot_shape_name("Skew")


# -- against the data -----------------------------------------------------------------------


@pytest.mark.public_data("choices13k")
def test_matches_choices13k_listing_for_every_problem() -> None:
    """All 14,568 problems x 2 options, outcome by outcome, to 1e-12."""
    listed = merged_listing(fetch_choices13k_distributions())
    assert listed["row"].nunique() == 14_568
    ours = gambles.problem_distributions(fetch_choices13k())
    assert_same_distributions(ours, listed)


@pytest.mark.public_data("choices13k")
def test_choices13k_integer_codes_read_directly(shared_data: Path) -> None:
    """The raw file's codes 0-3 give the same distributions: the code mapping is right."""
    raw = pd.read_csv(shared_data / "choices13k" / "c13k_selections.csv")
    assert set(raw["LotShapeB"]) == {0, 1, 2, 3}
    listed = merged_listing(fetch_choices13k_distributions())
    assert_same_distributions(gambles.problem_distributions(raw), listed)
    # Any other assignment of codes to shapes disagrees with the listing.
    swapped = raw.assign(LotShapeB=raw["LotShapeB"].replace({2: 3, 3: 2}))
    ours = gambles.problem_distributions(swapped)
    assert len(ours) != len(listed) or not np.allclose(ours["outcome"], listed["outcome"])


@pytest.mark.public_data("choices13k")
def test_json_keys_are_row_numbers(shared_data: Path) -> None:
    with open(shared_data / "choices13k" / "c13k_problems.json", encoding="utf-8") as f:
        keys = list(json.load(f))
    assert keys == [str(i) for i in range(14_568)]


@pytest.mark.public_data("cpc18")
def test_cpc18_payoffs_lie_in_the_distributions() -> None:
    """Every payoff drawn in CPC18 Track II (incl. lotteries in option A) is a possible outcome."""
    trials = fetch_cpc18_track2()
    assert set(trials["LotShapeA"]) == {"-", "Symm", "R-skew", "L-skew"}
    for option, column in (("A", "a_payoff"), ("B", "b_payoff")):
        dists = gambles.option_distributions(trials, option)
        inside = [pay in set(d[0]) for pay, d in zip(trials[column], dists)]
        assert all(inside), f"option {option}: payoff outside its distribution"


# -- validation -------------------------------------------------------------------------------


def problems(**changes: list) -> pd.DataFrame:
    base = {
        "Ha": [10, 20, 30], "pHa": [1.0, 0.5, 0.25], "La": [0, 0, 0],
        "LotShapeA": ["-", "-", "-"], "LotNumA": [1, 1, 1],
        "Hb": [12, 22, 32], "pHb": [0.5, 0.5, 0.5], "Lb": [1, 1, 1],
        "LotShapeB": ["Symm", "R-skew", "-"], "LotNumB": [3, 4, 1],
        "Amb": [0, 1, 0], "Corr": [0, -1, 1],
    }  # fmt: skip
    base.update(changes)
    return pd.DataFrame(base)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"pHa": [1.0, 0.5, 1.2]},
            "problems, row 3, column 'pHa': expected a probability in [0, 1], got 1.2",
        ),
        (
            {"pHb": [-0.1, 0.5, 0.5]},
            "problems, row 1, column 'pHb': expected a probability in [0, 1], got -0.1",
        ),
        (
            {"Hb": [12, "twelve", 32]},
            "problems, row 2, column 'Hb': expected a number, got 'twelve'",
        ),
        (
            {"La": [0, None, 0]},
            "problems, row 2, column 'La': expected a number, got an empty cell",
        ),
        (
            {"LotShapeB": ["Symm", "R-skew", 7]},
            "problems, row 3, column 'LotShapeB': expected a lottery shape",
        ),
        (
            {"LotNumB": [3, 0, 1]},
            "problems, row 2, column 'LotNumB': expected a whole number from 1 to 1000 (outcomes of the lottery), got 0",
        ),
        (
            {"LotNumB": [3, 2.5, 1]},
            "problems, row 2, column 'LotNumB': expected a whole number from 1 to 1000 (outcomes of the lottery), got 2.5",
        ),
        (
            {"LotNumB": [3, 4, 2]},
            "problems, row 3, column 'LotNumB': expected 1 for lottery shape '-', got 2",
        ),
        ({"Amb": [0, 2, 0]}, "problems, row 2, column 'Amb': expected 0/1 or True/False, got 2"),
        ({"Corr": [0, 0, 5]}, "problems, row 3, column 'Corr': expected -1, 0 or 1, got 5"),
    ],
)
def test_bad_problems_name_row_and_column(changes: dict, message: str) -> None:
    with pytest.raises(DataError) as info:
        gambles.check_problems(problems(**changes))
    assert str(info.value).startswith(message)


def test_first_problem_in_reading_order() -> None:
    bad = problems(pHa=[1.0, 0.5, 2.0], Lb=[1, "x", 1])
    with pytest.raises(DataError, match=r"^problems, row 2, column 'Lb'"):
        gambles.check_problems(bad)


def test_missing_problem_column() -> None:
    with pytest.raises(DataError, match=r"^problems: missing required column 'Hb'"):
        gambles.check_problems(problems().drop(columns="Hb"))


def test_check_distribution() -> None:
    x, p = gambles.check_distribution([1, 2], [0.25, 0.75])
    assert x.tolist() == [1.0, 2.0] and p.tolist() == [0.25, 0.75]
    with pytest.raises(
        DataError, match=r"^row 4: expected probabilities summing to 1, got a sum of 0.9"
    ):
        gambles.check_distribution([1, 2], [0.5, 0.4], where="row 4")
    with pytest.raises(DataError, match=r"expected probabilities in \[0, 1\], got 1.5"):
        gambles.check_distribution([1, 2], [1.5, -0.5])
    with pytest.raises(DataError, match="one probability per outcome"):
        gambles.check_distribution([1, 2, 3], [0.5, 0.5])
    with pytest.raises(DataError, match=r"expected a probability in \[0, 1\], got 1.5"):
        gambles.distribution(1, 1.5, 0)
    with pytest.raises(DataError, match="lottery size of 1 for lottery shape '-'"):
        gambles.distribution(1, 0.5, 0, "-", 3)
