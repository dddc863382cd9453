"""Pair assignment: which annotator judges which pair at which step.

Each pair is judged by ``annotators_per_pair`` (k) distinct annotators.  Annotators are
taken in a random order and spread evenly: the j-th judge of pair p is annotator
``perm[(p + j * stride) % n]`` with ``stride = n // k``, so no annotator judges a pair
twice and the load differs by at most one pair between annotators.  Each annotator then
judges its pairs in random order, one per step: entry ``e = p * k + j`` draws a uniform
``u[e]`` (one draw per entry, in entry order, after the permutation), and an annotator's
entries are ordered by (u, e).

:func:`schedule` gives the whole schedule; :func:`shard_entries` gives the part of it of
the annotators ``i`` with ``i % n_shards == shard``, computed from the same stream without
the others' entries ever being ordered (a shard of a sharded ``generate`` computes its own).
"""

from __future__ import annotations

import numpy as np

from cogsim.spec import Assignment, SpecError

__all__ = ["Schedule", "check_schedule", "schedule", "shard_entries"]

#: Per step: the annotators judging, and the pair (row of the pairs table) each judges.
Schedule = list[tuple[np.ndarray, np.ndarray]]


def check_schedule(assignment: Assignment, n_annotators: int, n_pairs: int,
                   source: str = "spec") -> int:
    """Check that the assignment can be scheduled, without drawing it; returns the number of
    steps (the largest load of an annotator).

    Parameters
    ----------
    assignment : Assignment
        The spec's ``assignment`` section (``annotators_per_pair``, ``workload``).
    n_annotators, n_pairs : int
    source : str
        Where the spec came from, for error messages.

    Returns
    -------
    int
        The number of steps of the schedule.

    Raises
    ------
    SpecError
        More annotators per pair than annotators, or a load beyond ``workload``.
    """
    k, n = assignment.annotators_per_pair, n_annotators
    if k > n:
        raise SpecError(f"{source}: field 'assignment.annotators_per_pair': {k} "
                        f"annotators per pair, but the population has only {n}")
    # Position q gets every k-th entry of each full round of n pairs, plus one per judge j
    # whose window of the last n_pairs % n pairs covers q.
    rest = n_pairs % n
    offsets = (np.arange(k, dtype=np.int64) * max(1, n // k))[:, None]
    window = np.bincount(((offsets + np.arange(rest)) % n).ravel(), minlength=n)
    load = int(k * (n_pairs // n) + (window.max() if rest else 0))
    if assignment.workload is not None and load > assignment.workload:
        raise SpecError(f"{source}: field 'assignment.workload': {n_pairs} pairs x "
                        f"{k} annotators need {load} judgments from some annotator, more "
                        f"than the workload of {assignment.workload}; expected fewer pairs or "
                        f"more annotators")
    return load


def shard_entries(assignment: Assignment, n_annotators: int, n_pairs: int,
                  rng: np.random.Generator, shard: int = 0, n_shards: int = 1,
                  source: str = "spec") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The schedule's entries of the annotators ``i`` with ``i % n_shards == shard``.

    Parameters
    ----------
    assignment : Assignment
    n_annotators, n_pairs : int
    rng : numpy.random.Generator
        The population's assignment stream (the whole schedule's, in every shard).
    shard, n_shards : int
        Which annotators.
    source : str
        Where the spec came from, for error messages.

    Returns
    -------
    step, annotator, pair : numpy.ndarray
        One entry each, sorted by (step, annotator): the entries of :func:`schedule`'s steps
        that these annotators hold, in the same order.

    Raises
    ------
    SpecError
        As :func:`check_schedule`.
    """
    check_schedule(assignment, n_annotators, n_pairs, source)
    k, n = assignment.annotators_per_pair, n_annotators
    perm = rng.permutation(n)
    uniform = rng.random(n_pairs * k)
    # Entries repeat with period L = min(n, n_pairs) pairs: entry e = p k + j sits at
    # position (p + j stride) % n, that of entry e % (L k).
    period = max(1, min(n, n_pairs))
    position = ((np.arange(period)[:, None] + np.arange(k) * max(1, n // k)) % n).ravel()
    own = np.flatnonzero(perm[position] % n_shards == shard)
    rounds = np.arange(0, n_pairs * k, period * k)
    entry = (rounds[:, None] + own).ravel()
    entry = entry[entry < n_pairs * k]                    # increasing
    annotator = perm[position[entry % (period * k)]]
    order = _by_annotator_then_uniform(annotator // n_shards, uniform[entry], entry)
    annotator, pair = annotator[order], entry[order] // k
    local = annotator // n_shards
    counts = np.bincount(local, minlength=-(-n // n_shards))
    step = np.arange(len(local)) - (np.cumsum(counts) - counts)[local]
    by_step = np.argsort(step.astype(np.uint16) if len(step) and step.max() < 2**16 else step,
                         kind="stable")                   # radix sort for 16-bit steps
    return step[by_step], annotator[by_step], pair[by_step]


def _by_annotator_then_uniform(local: np.ndarray, uniform: np.ndarray,
                               entry: np.ndarray) -> np.ndarray:
    """``numpy.lexsort((entry, uniform, local))``: one sort of a 64-bit key (the annotator
    above the uniform's leading bits), falling back on the lexsort where two keys tie."""
    bits = max(1, int(local.max()).bit_length()) if len(local) else 1
    drop = max(0, bits - 11)                      # uniforms carry 53 bits: 11 bits are free
    key = ((local.astype(np.uint64) << np.uint64(53 - drop))
           | ((uniform * 2.0**53).astype(np.uint64) >> np.uint64(drop)))
    order = np.argsort(key)
    ranked = key[order]
    if len(ranked) > 1 and (ranked[1:] == ranked[:-1]).any():
        return np.lexsort((entry, uniform, local))
    return order


def schedule(assignment: Assignment, n_annotators: int, n_pairs: int,
             rng: np.random.Generator, source: str = "spec") -> Schedule:
    """Assign every pair to k annotators and order each annotator's pairs into steps.

    Parameters
    ----------
    assignment : Assignment
        The spec's ``assignment`` section (``annotators_per_pair``, ``workload``).
    n_annotators, n_pairs : int
    rng : numpy.random.Generator
        The population's assignment stream.
    source : str
        Where the spec came from, for error messages.

    Returns
    -------
    Schedule
        One (annotators, pairs) tuple of equal-length arrays per step, annotators in
        increasing order.

    Raises
    ------
    SpecError
        More annotators per pair than annotators, or a load beyond ``workload``.
    """
    step, annotator, pair = shard_entries(assignment, n_annotators, n_pairs, rng,
                                          source=source)
    n_steps = int(step[-1]) + 1 if len(step) else 0
    bounds = np.searchsorted(step, np.arange(n_steps + 1))
    return [(annotator[bounds[s]:bounds[s + 1]], pair[bounds[s]:bounds[s + 1]])
            for s in range(n_steps)]
