"""The pair assignment: the whole schedule is the one the lexsort over every entry gave, a
shard's part of it (computed alone, as the workers of a sharded ``generate`` do) is the whole
schedule's entries of its annotators, and ties of the sort key are broken as before."""

from __future__ import annotations

import numpy as np
import pytest

from cogsim.population.assignment import check_schedule, schedule, shard_entries
from cogsim.spec import Assignment, SpecError

SHAPES = [(7, 3, 50), (100, 7, 13), (5, 5, 1000), (1000, 2, 999), (33, 1, 3333), (40, 40, 9),
          (20_000, 2, 30_011), (3, 1, 0)]


def reference(k: int, n: int, n_pairs: int, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    """The schedule as first written: one lexsort of every entry by (annotator, uniform)."""
    perm = rng.permutation(n)
    stride = max(1, n // k)
    pair = np.repeat(np.arange(n_pairs), k)
    replica = np.tile(np.arange(k), n_pairs)
    annotator = perm[(pair + replica * stride) % n]
    order = np.lexsort((rng.random(len(pair)), annotator))
    pair, annotator = pair[order], annotator[order]
    starts = np.searchsorted(annotator, np.arange(n))
    step = np.arange(len(pair)) - starts[annotator]
    n_steps = int(step.max()) + 1 if len(step) else 0
    by_step = np.argsort(step, kind="stable")
    bounds = np.searchsorted(step[by_step], np.arange(n_steps + 1))
    return [(annotator[by_step[bounds[s]:bounds[s + 1]]], pair[by_step[bounds[s]:bounds[s + 1]]])
            for s in range(n_steps)]


class CoarseUniforms:
    """A generator whose uniforms take 3 values: most sort keys tie."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def permutation(self, n):
        return self.rng.permutation(n)

    def random(self, size):
        return self.rng.integers(0, 3, size) / 4


def flat(plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    step = np.repeat(np.arange(len(plan)), [len(w) for w, _ in plan])
    return (step, *(np.concatenate([x[i] for x in plan]) if plan else np.zeros(0, int)
                    for i in (0, 1)))


@pytest.mark.parametrize("n,k,n_pairs", SHAPES)
@pytest.mark.parametrize("make_rng", [np.random.default_rng, CoarseUniforms])
def test_schedule_and_its_shards_are_the_lexsorts(n, k, n_pairs, make_rng) -> None:
    spec = Assignment(pairs=max(n_pairs, 1), annotators_per_pair=k)
    whole = schedule(spec, n, n_pairs, make_rng(3))
    expected = reference(k, n, n_pairs, make_rng(3))
    assert len(whole) == len(expected) == check_schedule(spec, n, n_pairs)
    for (w, p), (w0, p0) in zip(whole, expected):
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(p, p0)
    step, who, pair = flat(whole)
    for n_shards in (1, 2, 4, 7):
        for shard in range(n_shards):
            mine = who % n_shards == shard
            got = shard_entries(spec, n, n_pairs, make_rng(3), shard, n_shards)
            for a, b in zip(got, (step[mine], who[mine], pair[mine])):
                np.testing.assert_array_equal(a, b)


def test_a_load_beyond_the_workload_is_refused_before_drawing() -> None:
    spec = Assignment(pairs=100, annotators_per_pair=3, workload=29)
    with pytest.raises(SpecError, match="need 30 judgments"):
        check_schedule(spec, 10, 100, "p.toml")
    with pytest.raises(SpecError, match="annotators_per_pair"):
        check_schedule(Assignment(pairs=1, annotators_per_pair=4), 3, 1)
    assert check_schedule(spec.model_copy(update={"workload": 30}), 10, 100) == 30
