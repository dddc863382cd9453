"""Similarity functions for partial matching, with PyIBL's four built-ins, and the
similarity of items described by several attributes.

Each function takes two values (scalars or NumPy arrays of equal shape) and returns their
similarity in [0, 1], 1 meaning identical.  They work element-wise on arrays, which is
what the batched engine uses, and give PyIBL's results (and errors) on scalars.

Populations compare items described by several attributes with the mean of bounded linear
similarities over the attributes, computed from the items' codes when needed
(:class:`cogsim.tasks.registry.ItemRegistry`).
"""

from __future__ import annotations

from collections.abc import Callable
from warnings import warn

import numpy as np

__all__ = [
    "positive_linear_similarity",
    "positive_quadratic_similarity",
    "bounded_linear_similarity",
    "bounded_quadratic_similarity",
]


def _scalar_or_array(result, x, y):
    if np.ndim(x) == 0 and np.ndim(y) == 0:
        return float(result)
    return result


def positive_linear_similarity(x, y):
    """1 - |x - y| / max(x, y) for positive x and y."""
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.any(xa <= 0) or np.any(ya <= 0):
        raise ValueError(f"positive_linear_similarity: the arguments, {x} and {y}, "
                         f"are not both positive")
    lo, hi = np.minimum(xa, ya), np.maximum(xa, ya)
    result = np.where(xa == ya, 1.0, 1 - (hi - lo) / hi)
    return _scalar_or_array(result, x, y)


def positive_quadratic_similarity(x, y):
    """The square of :func:`positive_linear_similarity`."""
    return positive_linear_similarity(x, y) ** 2


# The built-ins give exactly 1 on equal values and never leave [0, 1], so the engine may
# skip its own checks of their results.
positive_linear_similarity.exact_on_equal = True
positive_quadratic_similarity.exact_on_equal = True


def bounded_linear_similarity(minimum: float, maximum: float) -> Callable:
    """Similarity 1 - |x - y| / (maximum - minimum) on [minimum, maximum].

    Values outside the bounds are clipped to them, with a warning.
    """
    if not minimum < maximum:
        raise ValueError(f"bounded_linear_similarity: minimum, {minimum}, is not less "
                         f"than maximum, {maximum}")
    span = abs(maximum - minimum)

    def _similarity(x, y):
        xa = _clipped(np.asarray(x, dtype=np.float64), minimum, maximum)
        ya = _clipped(np.asarray(y, dtype=np.float64), minimum, maximum)
        d = np.abs(np.subtract(xa, ya))
        if isinstance(d, np.ndarray):      # in place: these arrays can be large
            d /= span
            np.subtract(1.0, d, out=d)
        else:
            d = 1.0 - d / span
        return _scalar_or_array(d, x, y)

    _similarity.bounds = (minimum, maximum)
    _similarity.exact_on_equal = True
    return _similarity


def bounded_quadratic_similarity(minimum: float, maximum: float) -> Callable:
    """The square of :func:`bounded_linear_similarity`."""
    linear = bounded_linear_similarity(minimum, maximum)

    def _similarity(x, y):
        return linear(x, y) ** 2

    _similarity.bounds = (minimum, maximum)
    _similarity.exact_on_equal = True
    return _similarity


def _clipped(values: np.ndarray, minimum: float, maximum: float) -> np.ndarray:
    """Values clipped to [minimum, maximum], with a warning when any was outside."""
    if values.size and (values.min() < minimum or values.max() > maximum):
        warn(f"values outside [{minimum}, {maximum}] are clipped to it in computing "
             f"similarity", stacklevel=2)
        return np.clip(values, minimum, maximum)
    return values
