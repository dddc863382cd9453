"""Random-utility annotators: Bradley-Terry and Thurstone.

An annotator values an item by a weighted sum of its attributes, v = w . x, and chooses
the first of two options with probability F((v_1 - v_2) / scale): the logistic F for
Bradley-Terry (Bradley & Terry, 1952), the normal F of a difference of two unit-variance
normal utilities, Phi(d / sqrt 2), for Thurstone (Case V; Thurstone, 1927).  Vectorized
across annotators: row i of every array is one judgment.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit, ndtr

__all__ = ["LINKS", "RANDOM_UTILITY_KINDS", "judge", "values"]

#: P(first chosen) as a function of the scaled difference of values, per model kind.
LINKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "bradley_terry": expit,
    "thurstone": lambda d: ndtr(d / np.sqrt(2)),
}
RANDOM_UTILITY_KINDS = tuple(LINKS)


def values(attributes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """v = w . x per row: ``attributes`` (m, A) against ``weights`` (m, A) or (A,).

    Each row is summed on its own (no BLAS, no einsum kernel that depends on the number of
    rows), so a row's value is the same bit for bit in any batch.
    """
    return np.add.reduce(attributes * weights, axis=-1)     # .sum without its wrapper


def judge(kind: str, first: np.ndarray, second: np.ndarray, weights: np.ndarray,
          scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values of both options and P(first chosen), one judgment per row.

    Parameters
    ----------
    kind : {"bradley_terry", "thurstone"}
    first, second : ndarray, (m, A)
        Attributes of the options shown first and second.
    weights : ndarray, (m, A)
        The judging annotators' value weights.
    scale : ndarray, (m,)
        The annotators' scale (> 0): larger is noisier.

    Returns
    -------
    (v_first, v_second, p_first) : tuple of ndarray, (m,)
    """
    v1, v2 = values(first, weights), values(second, weights)
    return v1, v2, LINKS[kind]((v1 - v2) / scale)
