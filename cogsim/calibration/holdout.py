"""choices13k's fixed final test set: problems that no calibration and no design decision sees.

The rule, fixed once and recorded in ``calibration/choices13k/final_test_set.json``: take the
distinct problem ids of ``c13k_selections.csv`` (column ``Problem``), sorted ascending;
permute them with ``numpy.random.default_rng(FINAL_TEST_SEED).permutation``; the first
``FINAL_TEST_SIZE`` are the final test set.  Both rows of a problem played with and without
feedback go to the same side.  ``load_calibration_data("choices13k")`` returns the other
problems (the development set); `final_test_data` returns these, for the one table that
reports final scores.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["FINAL_TEST_SEED", "FINAL_TEST_SIZE", "FINAL_TEST_RULE", "final_test_ids",
           "split_final_test", "final_test_data"]

FINAL_TEST_SEED = 15_2026
FINAL_TEST_SIZE = 2000
FINAL_TEST_RULE = (f"distinct Problem ids of c13k_selections.csv sorted ascending, permuted "
                   f"with numpy.random.default_rng({FINAL_TEST_SEED}).permutation; the first "
                   f"{FINAL_TEST_SIZE} are the final test set (all their rows, with and "
                   f"without feedback)")


def final_test_ids(problem_ids) -> np.ndarray:
    """The final test set's problem ids (sorted) among ``problem_ids`` by the fixed rule."""
    ids = np.unique(np.asarray(problem_ids))
    chosen = np.random.default_rng(FINAL_TEST_SEED).permutation(ids)[:FINAL_TEST_SIZE]
    return np.sort(chosen)


def split_final_test(data):
    """(development, final test) `RateData` of choices13k with problems as groups."""
    final = np.isin(data.unit_ids, final_test_ids(data.unit_ids))
    return data.subset(np.flatnonzero(~final)), data.subset(np.flatnonzero(final))


def final_test_data(data_home: str | os.PathLike[str] | None = None):
    """choices13k's final test problems as `RateData` (see the module doc)."""
    from cogsim.calibration.sources import choices13k_data

    return split_final_test(choices13k_data(data_home))[1]
