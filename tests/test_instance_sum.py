"""The sequential sum over instances: strictly left to right, whichever way it is computed,
so that an agent's sums do not depend on which other agents share its arrays."""

from __future__ import annotations

import numpy as np
import pytest

from cogsim.memory import instance_sum


def left_to_right(x: np.ndarray, axis: int) -> np.ndarray:
    x = np.moveaxis(x, axis, 0)
    total = x[0].copy()
    for row in x[1:]:
        total += row
    return total


@pytest.mark.parametrize("shape, axis", [((700, 3), 0), ((2, 700, 3), 1), ((2, 700, 1), 1),
                                         ((700,), 0), ((3, 700), 1), ((2, 300, 1, 2), 1),
                                         ((2, 150, 768), 1)])
def test_sequential_sums_go_left_to_right(shape, axis):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * np.exp(rng.uniform(-20, 20, shape))
    expected = left_to_right(x, axis)
    assert np.array_equal(instance_sum(x, axis, sequential=True), expected)
    kept = instance_sum(x, axis, sequential=True, keepdims=True)
    assert np.array_equal(np.squeeze(kept, axis), expected)
    # Transposed (not C-ordered) input takes the same order.
    t = np.asfortranarray(x)
    assert np.array_equal(instance_sum(t, axis, sequential=True), expected)


def test_a_lone_column_is_not_summed_pairwise():
    # NumPy sums a contiguous run pairwise; the sequential sum must not, or an agent alone
    # would get other sums than in a batch.
    x = np.exp(np.random.default_rng(1).uniform(-20, 20, 5000))
    assert not np.array_equal(x.sum(), left_to_right(x, 0))
    assert np.array_equal(instance_sum(x, 0, sequential=True), left_to_right(x, 0))
    column = x.reshape(-1, 1)
    assert np.array_equal(instance_sum(column, 0, sequential=True)[0], left_to_right(x, 0))
