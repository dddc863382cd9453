"""The item registry's similarity: the formula, and the same numbers (bit for bit) from
each way of computing it (one block, one pass per attribute, a table of distinct items)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogsim.errors import ItemError
from cogsim.tasks import registry as registry_module
from cogsim.tasks.registry import AttributeScaling, ItemRegistry


@pytest.fixture
def registry() -> ItemRegistry:
    rng = np.random.default_rng(3)
    attributes = [f"a{j}" for j in range(38)]
    items = pd.DataFrame(rng.normal(0, 2, (300, 38)), columns=attributes)
    items.insert(0, "item_id", [f"i{k}" for k in range(300)])
    reg = ItemRegistry(AttributeScaling.fit(items.iloc[:40], attributes))
    reg.add(items)
    return reg


def test_similarity_is_one_minus_the_mean_bounded_difference(registry):
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, len(registry), 50), rng.integers(0, len(registry), 50)
    z, span = registry.z, registry.scaling.span
    expected = 1 - np.minimum(1, np.abs(z[x] - z[y]) / span).mean(axis=1)
    np.testing.assert_allclose(registry.similarity(x, y), expected, rtol=0, atol=1e-15)
    assert np.all(registry.similarity(x, x) == 1.0)


def test_block_attribute_passes_and_distinct_table_agree_bit_for_bit(registry, monkeypatch):
    rng = np.random.default_rng(1)
    # An engine's shape: (options, instances, agents) against (options, 1, agents), codes
    # drawn from few items, so that the distinct-item table is used.
    x = rng.integers(0, 30, (2, 90, 40)).astype(float)
    y = rng.integers(0, 30, (2, 1, 40)).astype(float)
    tabled = registry.similarity(x, y)
    few = registry.similarity(x, y[:, :, :1] * 0 + 5)   # one item against many: either way
    assert np.array_equal(few, registry.similarity(y[:, :, :1] * 0 + 5, x))
    assert np.array_equal(tabled, registry.similarity(y, x))         # symmetric, bit for bit
    xi, yi = x.astype(np.intp), y.astype(np.intp)
    monkeypatch.setattr(registry_module, "_BLOCK", 10 ** 9)
    block = registry._similarity(xi, yi)
    monkeypatch.setattr(registry_module, "_BLOCK", 0)
    passes = registry._similarity(xi, yi)
    assert tabled.shape == block.shape == passes.shape == (2, 90, 40)
    assert np.array_equal(block, passes) and np.array_equal(tabled, block)
    mixed = registry._similarity(xi[0], yi)        # (90, 40) against (2, 1, 40)
    monkeypatch.setattr(registry_module, "_BLOCK", 10 ** 9)
    assert np.array_equal(mixed, registry._similarity(xi[0], yi)) and mixed.shape == (2, 90, 40)
    one = registry._similarity(xi[:1, :1, :1], yi[:1, :1, :1])      # a lone element too
    assert one[0, 0, 0] == passes[0, 0, 0]


def test_codes_name_the_first_unknown_item_by_its_row(registry):
    ids = pd.Series(["i3", "i7", "nope", "also-not"], index=[10, 11, 12, 13])
    with pytest.raises(ItemError, match=r"pairs, row 3: unknown item 'nope'"):
        registry.codes(ids, "pairs")
    assert registry.codes(["i3", "i7"]).tolist() == [3, 7]


def test_cached_similarities_grow_with_the_items_and_equal_the_computed_ones(monkeypatch):
    rng = np.random.default_rng(2)
    attributes = [f"a{k}" for k in range(38)]
    items = pd.DataFrame(rng.normal(size=(200, 38)), columns=attributes)
    items.insert(0, "item_id", [f"i{k}" for k in range(200)])
    reg = ItemRegistry(AttributeScaling.fit(items.iloc[:40], attributes))
    monkeypatch.setattr(registry_module, "_CACHED", 150)
    for start, stop in ((0, 30), (30, 31), (31, 120), (120, 200)):   # asked between arrivals
        reg.add(items.iloc[start:stop])
        x = rng.integers(0, stop, (2, 70, 5)).astype(float)
        y = rng.integers(0, stop, (2, 1, 5)).astype(float)
        expected = reg._similarity(x.astype(np.intp), y.astype(np.intp))
        assert np.array_equal(reg.similarity(x, y), expected)
        assert np.array_equal(reg.similarity(y[:, 0], y[:, 0]), np.ones((2, 5)))
    assert reg._cached_n == 150 and reg._cache.shape == (150, 150)
    every = np.arange(150)
    assert np.array_equal(reg._cache, reg._similarity(every[:, None], every[None, :]))
    # Codes beyond the cache are computed (the distinct-item table), with the same numbers.
    x, y = rng.integers(100, 200, (2, 70, 5)), rng.integers(100, 200, (2, 1, 5))
    assert np.array_equal(reg.similarity(x, y), reg._similarity(x, y))
