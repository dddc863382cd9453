"""Gamble problems of the choice prediction competitions as outcome distributions.

The competitions CPC15 and CPC18 (Erev, Ert, Plonsky, Cohen & Cohen 2017, "From anomalies to
forecasts", Psychological Review 124(4); Plonsky et al. 2019) and the choices13k data set
(Peterson et al. 2021) describe a problem by twelve parameters, six for each option:

    Ha, pHa, La, LotShapeA, LotNumA      option A
    Hb, pHb, Lb, LotShapeB, LotNumB      option B
    Amb, Corr                            the problem

An option pays ``H`` with probability ``pH`` and ``L`` with probability ``1 - pH``, except that
when ``LotShape`` is not ``"-"`` the high outcome ``H`` is replaced by a *lottery* of
``n = LotNum`` outcomes whose expected value is ``H`` and whose probabilities sum to ``pH``:

* ``"Symm"`` (symmetric, binomial): with ``k = n - 1``, outcomes ``H - k/2 + j`` with
  probability ``pH * C(k, j) / 2**k`` for ``j = 0..k``.
* ``"R-skew"`` (right-skewed): with ``C = -(n + 1)``, outcomes ``H + C + 2**j`` for
  ``j = 1..n`` with probability ``pH / 2**j``, except the last (``j = n``), whose probability
  is doubled to ``pH / 2**(n-1)`` so that the lottery's probabilities sum to ``pH``.
* ``"L-skew"`` (left-skewed): the mirror image, ``C = n + 1`` and outcomes ``H + C - 2**j``,
  with the same probabilities.

Both skewed lotteries have mean ``H`` exactly.  These are the definitions of Erev et al.
(2017) and of the organisers' CPC18 code (``CPC18_getDist``).  Here, equal outcomes
are merged (``L`` can coincide with a lottery outcome, or with ``H``), outcomes of
probability 0 are dropped (``pH = 1`` leaves no ``L``), and outcomes are sorted ascending.

``LotShape`` is given as a name (``"-"``, ``"Symm"``, ``"R-skew"``, ``"L-skew"``, as in the
CPC18 files) or as choices13k's integer code (0 = ``"-"``, 1 = ``"Symm"``, 2 = ``"R-skew"``,
3 = ``"L-skew"``; its README and data agree, and the distributions it lists for all 14,568
problems match this module's).  ``LotShape "-"`` requires ``LotNum = 1``.  ``Amb`` (option
B's probabilities hidden from the participant) and ``Corr`` (correlation of the two options'
payoffs: -1, 0 or 1) do not change the outcome distributions; they are only validated.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cogsim.errors import DataError, show
from cogsim.validation import Checker

__all__ = [
    "feedback_flags",
    "LOT_SHAPES",
    "LOT_SHAPE_CODES",
    "PROBLEM_COLUMNS",
    "lot_shape_name",
    "distribution",
    "check_distribution",
    "check_problems",
    "option_distributions",
    "problem_distributions",
    "PaddedProblems",
    "pad_problems",
]

LOT_SHAPES: tuple[str, ...] = ("-", "Symm", "R-skew", "L-skew")
LOT_SHAPE_CODES: dict[int, str] = {0: "-", 1: "Symm", 2: "R-skew", 3: "L-skew"}
PROBLEM_COLUMNS: tuple[str, ...] = (
    "Ha", "pHa", "La", "LotShapeA", "LotNumA",
    "Hb", "pHb", "Lb", "LotShapeB", "LotNumB",
    "Amb", "Corr",
)  # fmt: skip

# Raw value -> name, for both spellings (a CSV read as text gives "2", a typed table 2).
_SHAPE_LOOKUP: dict[object, str] = {
    **{name: name for name in LOT_SHAPES},
    **LOT_SHAPE_CODES,
    **{str(code): name for code, name in LOT_SHAPE_CODES.items()},
}
_SHAPE_EXPECTED = "a lottery shape: '-', 'Symm', 'R-skew', 'L-skew' or a code 0-3"
PROBABILITY_TOLERANCE = 1e-6
#: Protocols of the models that predict choice rates: choices13k's 5 trials, or the CPC's
#: 25 trials in 5 blocks; ways to read an ambiguous option's hidden probabilities.
PROTOCOLS: tuple[str, ...] = ("c13k", "cpc")
CPC_BLOCKS = 5
AMBIGUITY: tuple[str, ...] = ("uniform", "true")


def lot_shape_name(shape: str | int) -> str:
    """The CPC name of a lottery shape given as a name or a choices13k code (0-3)."""
    key = shape.item() if isinstance(shape, np.generic) else shape
    if isinstance(key, float) and key.is_integer():
        key = int(key)
    try:
        return _SHAPE_LOOKUP[key.strip() if isinstance(key, str) else key]
    except (KeyError, TypeError):
        raise DataError(f"expected {_SHAPE_EXPECTED}, got {show(shape)}") from None


def distribution(
    high: float, p_high: float, low: float, lot_shape: str | int = "-", lot_num: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes (ascending) and probabilities of one option, as the CPC organisers define them.

    See the module docstring for the formulas.  Raises `DataError` for a probability outside
    [0, 1], an unknown shape, or a lottery size that is not a whole number >= 1 (exactly 1
    for shape "-").
    """
    shape = lot_shape_name(lot_shape)
    try:
        high, low, p, size = float(high), float(low), float(p_high), float(lot_num)
    except (TypeError, ValueError):
        raise DataError(f"expected numbers, got {show([high, p_high, low, lot_num])}") from None
    if not (math.isfinite(high) and math.isfinite(low)):
        raise DataError(f"expected finite outcomes, got H = {show(high)} and L = {show(low)}")
    if not 0.0 <= p <= 1.0:
        raise DataError(f"expected a probability in [0, 1], got {show(p_high)}")
    if not size.is_integer() or size < 1 or (shape == "-" and size != 1):
        need = "1 for lottery shape '-'" if shape == "-" else "a whole number >= 1"
        raise DataError(f"expected a lottery size of {need}, got {show(lot_num)}")
    n, p_high = int(size), p

    if shape == "-":
        outcomes, probs = [high], [p_high]
    elif shape == "Symm":
        k = n - 1
        outcomes = [high - k / 2 + j for j in range(n)]
        probs = [p_high * math.comb(k, j) / 2**k for j in range(n)]
    else:
        c, sign = (-(n + 1), 1) if shape == "R-skew" else (n + 1, -1)
        outcomes = [high + c + sign * 2**j for j in range(1, n + 1)]
        probs = [p_high / 2**j for j in range(1, n + 1)]
        probs[-1] *= 2
    outcomes.append(low)
    probs.append(1.0 - p_high)
    return _tidy(outcomes, probs)


def _tidy(outcomes: Sequence[float], probs: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Merge equal outcomes, drop zero probabilities, sort by outcome."""
    merged: dict[float, float] = {}
    for x, p in zip(outcomes, probs):
        merged[float(x)] = merged.get(float(x), 0.0) + float(p)
    items = sorted((x, p) for x, p in merged.items() if p > 0)
    return np.array([x for x, _ in items]), np.array([p for _, p in items])


def check_distribution(
    outcomes: Sequence[float], probabilities: Sequence[float], where: str = "distribution"
) -> tuple[np.ndarray, np.ndarray]:
    """Check an explicit distribution and return it as float arrays.

    Outcomes must be finite numbers, one probability per outcome, each in [0, 1], summing to
    1 within 1e-6.  ``where`` names the place in messages (e.g. "judgments.csv, row 3").
    """
    try:
        x = np.asarray(outcomes, dtype=float).reshape(-1)
        p = np.asarray(probabilities, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise DataError(
            f"{where}: expected numbers, got {show(outcomes)} and {show(probabilities)}"
        ) from None
    if x.size == 0:
        raise DataError(f"{where}: expected at least one outcome, got none")
    if x.size != p.size:
        raise DataError(
            f"{where}: expected one probability per outcome, "
            f"got {x.size} outcomes and {p.size} probabilities"
        )
    if not np.isfinite(x).all():
        raise DataError(f"{where}: expected finite outcomes, got {show(x)}")
    bad = ~((p >= 0) & (p <= 1))
    if bad.any():
        raise DataError(f"{where}: expected probabilities in [0, 1], got {show(p[bad][0])}")
    total = float(p.sum())
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        raise DataError(f"{where}: expected probabilities summing to 1, got a sum of {total!r}")
    return x, p


#: The most outcomes a lottery may have: every problem's distribution is padded to the
#: largest one, so one huge lottery would size the arrays of all (the competitions use <= 9).
MAX_LOTTERY_OUTCOMES = 1000


def check_problems(problems: pd.DataFrame, source: str = "problems") -> pd.DataFrame:
    """Validate a table of CPC-format problems and return a clean copy.

    Required columns: Ha, pHa, La, Hb, pHb, Lb.  LotShapeA/B and LotNumA/B default to "-"
    and 1 when absent; Amb and Corr are checked when present.  The copy has shapes as names,
    lottery sizes as int, Amb as bool, Corr as int, and the original index.  Raises
    `DataError` naming ``source``, the row (from 1) and the column of the first problem.
    """
    check = Checker(problems, source)
    check.require_columns(["Ha", "pHa", "La", "Hb", "pHb", "Lb"])
    columns: dict[str, pd.Series] = {}
    for side in "AB":
        s = side.lower()
        columns[f"H{s}"] = check.number(f"H{s}", required=True)
        columns[f"pH{s}"] = check.number(
            f"pH{s}", required=True, low=0.0, high=1.0, expected="a probability in [0, 1]"
        )
        columns[f"L{s}"] = check.number(f"L{s}", required=True)
        shape_col, num_col = f"LotShape{side}", f"LotNum{side}"
        if shape_col in problems or num_col in problems:
            check.require_columns([shape_col, num_col])
            shapes = check.one_of(shape_col, _SHAPE_LOOKUP, required=True, expected=_SHAPE_EXPECTED)
            nums = check.number(
                num_col, required=True, low=1, high=MAX_LOTTERY_OUTCOMES, integer=True,
                expected=f"a whole number from 1 to {MAX_LOTTERY_OUTCOMES} (outcomes of the "
                         f"lottery)",
            )
            check.flag(
                (shapes == "-").to_numpy() & (nums != 1).to_numpy(),
                num_col,
                "1 for lottery shape '-'",
            )
        else:
            shapes = pd.Series("-", index=range(len(problems)), dtype=object)
            nums = pd.Series(1, index=range(len(problems)))
        columns[shape_col], columns[num_col] = shapes, nums
    if "Amb" in problems:
        amb = {
            0: False,
            1: True,
            "0": False,
            "1": True,
            "True": True,
            "False": False,
            "true": True,
            "false": False,
        }
        columns["Amb"] = check.one_of("Amb", amb, required=True, expected="0/1 or True/False")
    if "Corr" in problems:
        corr = {-1: -1, 0: 0, 1: 1, "-1": -1, "0": 0, "1": 1}
        columns["Corr"] = check.one_of("Corr", corr, required=True, expected="-1, 0 or 1")
    check.raise_first()
    types = {
        "LotNumA": int,
        "LotNumB": int,
        "Amb": bool,
        "Corr": int,
        "LotShapeA": object,
        "LotShapeB": object,
    }
    return pd.DataFrame(
        {
            c: columns[c].to_numpy().astype(types.get(c, float))
            for c in PROBLEM_COLUMNS
            if c in columns
        },
        index=problems.index,
    )


def option_distributions(
    problems: pd.DataFrame, option: str, source: str = "problems"
) -> pd.Series:
    """Each problem's (outcomes, probabilities) for ``option`` "A" or "B", indexed as given."""
    if option not in ("A", "B"):
        raise ValueError(f"option must be 'A' or 'B', got {option!r}")
    clean = check_problems(problems, source)
    s = option.lower()
    cols = [f"H{s}", f"pH{s}", f"L{s}", f"LotShape{option}", f"LotNum{option}"]
    cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    result = []
    for params in clean[cols].itertuples(index=False, name=None):
        if params not in cache:
            cache[params] = distribution(*params)
        result.append(cache[params])
    return pd.Series(result, index=problems.index, dtype=object)


def problem_distributions(problems: pd.DataFrame, source: str = "problems") -> pd.DataFrame:
    """Both options' distributions, long: row (index label), option, outcome, probability."""
    frames = []
    for option in "AB":
        dists = option_distributions(problems, option, source)
        lengths = dists.map(lambda d: len(d[0])).to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "row": np.repeat(dists.index.to_numpy(), lengths),
                    "option": option,
                    "outcome": np.concatenate([d[0] for d in dists]) if len(dists) else [],
                    "probability": np.concatenate([d[1] for d in dists]) if len(dists) else [],
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    return long.sort_values(["row", "option", "outcome"], kind="stable", ignore_index=True)


@dataclass(frozen=True)
class PaddedProblems:
    """Both options' outcome distributions of n problems as padded ``(n, K)`` arrays.

    Outcomes are ascending within a row; positions past ``k_a``/``k_b`` are padding with
    outcome 0 and probability 0.  ``amb`` and ``corr`` are the problems' Amb and Corr
    (False and 0 when the table has no such column).
    """

    xa: np.ndarray
    pa: np.ndarray
    k_a: np.ndarray
    xb: np.ndarray
    pb: np.ndarray
    k_b: np.ndarray
    amb: np.ndarray
    corr: np.ndarray

    @property
    def n(self) -> int:
        return self.xa.shape[0]

    def perceived_pb(self, ambiguity: str) -> np.ndarray:
        """B's probabilities as the decision maker uses them (uniform where ambiguous)."""
        if ambiguity == "true" or not self.amb.any():
            return self.pb
        mask = np.arange(self.pb.shape[1]) < self.k_b[:, None]
        uniform = mask / np.maximum(self.k_b, 1)[:, None]
        return np.where(self.amb[:, None], uniform, self.pb)


_CACHE: OrderedDict[bytes, PaddedProblems] = OrderedDict()
_CACHE_SIZE = 8


def _pad(dists: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = dists.map(lambda d: len(d[0])).to_numpy(dtype=np.int64)
    width = int(lengths.max()) if len(lengths) else 1
    x = np.zeros((len(dists), width))
    p = np.zeros((len(dists), width))
    if len(dists):
        rows = np.repeat(np.arange(len(dists)), lengths)
        cols = np.concatenate([np.arange(k) for k in lengths])
        x[rows, cols] = np.concatenate([d[0] for d in dists])
        p[rows, cols] = np.concatenate([d[1] for d in dists])
    return x, p, lengths


def pad_problems(problems: pd.DataFrame, source: str = "problems") -> PaddedProblems:
    """Validate ``problems`` (CPC format) and return their padded outcome distributions.

    Raises `cogsim.datasets.DataError` (naming ``source``, row and column) for bad input.
    Results are cached by the content of the problem columns.
    """
    if not isinstance(problems, pd.DataFrame):
        raise TypeError(f"problems must be a pandas DataFrame, got {type(problems).__name__}")
    clean = check_problems(problems, source)
    key = hashlib.sha1(
        pd.util.hash_pandas_object(clean, index=False).to_numpy().tobytes()
        + str(list(clean.columns)).encode()
    ).digest()
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    plain = clean.reset_index(drop=True)
    xa, pa, k_a = _pad(option_distributions(plain, "A", source))
    xb, pb, k_b = _pad(option_distributions(plain, "B", source))
    n = len(plain)
    amb = plain["Amb"].to_numpy(dtype=bool) if "Amb" in plain else np.zeros(n, dtype=bool)
    corr = plain["Corr"].to_numpy(dtype=np.int64) if "Corr" in plain else np.zeros(n, np.int64)
    padded = PaddedProblems(xa, pa, k_a, xb, pb, k_b, amb, corr)
    for arr in (xa, pa, k_a, xb, pb, k_b, amb, corr):
        arr.flags.writeable = False
    _CACHE[key] = padded
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return padded


#: How a Feedback cell may be written (True/False, 1/0, as numbers or text).
_FEEDBACK = {True: True, False: False, "True": True, "False": False, "true": True,
             "false": False, "1": True, "0": False}


def feedback_flags(problems: pd.DataFrame, source: str = "problems") -> np.ndarray:
    """The per-problem feedback flag (column ``Feedback`` or ``feedback``; True when absent).

    Raises `DataError` naming ``source``, the row and the column of the first bad cell.
    """
    column = next((c for c in ("Feedback", "feedback") if c in problems.columns), None)
    if column is None:
        return np.ones(len(problems), dtype=bool)
    check = Checker(problems, source)
    values = check.one_of(column, _FEEDBACK, required=True, expected="True/False or 1/0")
    check.raise_first()
    return values.to_numpy().astype(bool)
