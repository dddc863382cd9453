"""Pair assignment: which annotator judges which pair at which step.

Each pair is judged by ``annotators_per_pair`` (k) distinct annotators.  Annotators are
taken in a random order and spread evenly: the j-th judge of pair p is annotator
``perm[(p + j * stride) % n]`` with ``stride = n // k``, so no annotator judges a pair
twice and the load differs by at most one pair between annotators.  Each annotator then
judges its pairs in random order, one per step.
"""

from __future__ import annotations

import numpy as np

from cogsim.spec import Assignment, SpecError

__all__ = ["Schedule", "schedule"]

#: Per step: the annotators judging, and the pair (row of the pairs table) each judges.
Schedule = list[tuple[np.ndarray, np.ndarray]]


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
        One (annotators, pairs) tuple of equal-length arrays per step.

    Raises
    ------
    SpecError
        More annotators per pair than annotators, or a load beyond ``workload``.
    """
    k, n = assignment.annotators_per_pair, n_annotators
    if k > n:
        raise SpecError(f"{source}: field 'assignment.annotators_per_pair': {k} "
                        f"annotators per pair, but the population has only {n}")
    perm = rng.permutation(n)
    stride = max(1, n // k)
    pair = np.repeat(np.arange(n_pairs), k)
    replica = np.tile(np.arange(k), n_pairs)
    annotator = perm[(pair + replica * stride) % n]
    order = np.lexsort((rng.random(len(pair)), annotator))
    pair, annotator = pair[order], annotator[order]
    starts = np.searchsorted(annotator, np.arange(n))
    step = np.arange(len(pair)) - starts[annotator]
    load = np.bincount(annotator, minlength=n).max()
    if assignment.workload is not None and load > assignment.workload:
        raise SpecError(f"{source}: field 'assignment.workload': {n_pairs} pairs x "
                        f"{k} annotators need {load} judgments from some annotator, more "
                        f"than the workload of {assignment.workload}; expected fewer pairs or "
                        f"more annotators")
    n_steps = int(step.max()) + 1 if len(step) else 0
    by_step = np.argsort(step, kind="stable")
    bounds = np.searchsorted(step[by_step], np.arange(n_steps + 1))
    return [(annotator[by_step[bounds[s]:bounds[s + 1]]],
             pair[by_step[bounds[s]:bounds[s + 1]]]) for s in range(n_steps)]
