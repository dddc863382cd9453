"""Annotator parameters: from a group's spec field to an engine's argument, in one table.

A parameter keeps one name from the TOML spec to the math: the spec field of a group
(:class:`cogsim.spec.Group`, where its one default lives), the group parameter drawn here,
and the engine argument.  The one exception is ACT-R, whose engine keeps the names ACT-R
modellers know (``instantaneous_noise`` is ``:ans``); :data:`ARGUMENTS` is the one table
that maps a spec field to each engine's argument.

Every per-annotator draw happens here, from the population's parameter stream, in the
order of :data:`ARGUMENTS` (value weights first): that order is part of the reproducibility
contract (same spec and seed, same annotators).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from cogsim.memory import MINIMUM_TEMPERATURE
from cogsim.spec import Group, mean, sample

__all__ = ["ARGUMENTS", "Argument", "draw", "draw_arguments", "draw_value_weights",
           "gold_weights", "group_sizes"]


class Argument(NamedTuple):
    """One row of :data:`ARGUMENTS`."""

    engine: str     # who takes it: "all" annotators, "ibl" (IBLBatch), "actr" (ACTRBatch)
    field: str      # the spec field of a group, and the name of the drawn parameter
    argument: str   # the engine's argument (or the population's name) that receives it
    floor: float    # draws below it are raised to it: the low end of the field's range


#: The one table: spec field -> engine argument, in draw order.  ``prior_instances`` (how
#: many prior experiences) and ``evaluate_utility`` (the initial utility of the
#: "evaluate" production) are used by the population to set the engine up.
ARGUMENTS: tuple[Argument, ...] = (
    #        engine   spec field              engine argument           floor
    Argument("all",  "scale",                "scale",                  1e-6),
    Argument("all",  "value_noise",          "value_noise",            0.0),
    Argument("ibl",  "noise",                "noise",                  0.0),
    Argument("ibl",  "decay",                "decay",                  0.0),
    Argument("ibl",  "temperature",          "temperature",            MINIMUM_TEMPERATURE),
    Argument("ibl",  "mismatch_penalty",     "mismatch_penalty",       0.0),
    Argument("ibl",  "prior_instances",      "prior_instances",        0.0),
    Argument("actr", "evaluate_utility",     "evaluate_utility",       -math.inf),
    Argument("actr", "utility_noise",        "utility_noise",          0.0),    # :egs
    Argument("actr", "decay",                "decay",                  0.0),    # :bll
    Argument("actr", "noise",                "instantaneous_noise",    0.0),    # :ans
    Argument("actr", "retrieval_threshold",  "retrieval_threshold",    -math.inf),  # :rt
    Argument("actr", "latency_factor",       "latency_factor",         0.0),    # :lf
    Argument("actr", "encoding_time",        "encoding_motor_time",    0.0),
    Argument("actr", "mismatch_penalty",     "mismatch_penalty",       0.0),    # :mp
    Argument("actr", "temperature",          "temperature",            MINIMUM_TEMPERATURE),
    Argument("actr", "prior_instances",      "prior_instances",        0.0),
)


def group_sizes(shares: np.ndarray, n: int) -> np.ndarray:
    """Annotators per group: ``n`` split by ``shares`` with the largest-remainder rule."""
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts))[: n - counts.sum()]] += 1
    return counts


def draw(groups: list[Group], group_index: np.ndarray, rows: np.ndarray, field: str,
         floor: float, rng: np.random.Generator) -> np.ndarray | None:
    """Draw parameter ``field`` for annotators ``rows``, group by group, raised to ``floor``.

    Returns None when a group with annotators among ``rows`` leaves the parameter unset
    (``temperature``: the engine then uses its default rule for every one of them; draws
    of the groups before it have been made).
    """
    out = np.zeros(len(rows))
    for gi, g in enumerate(groups):
        sel = group_index[rows] == gi
        if not sel.any():
            continue
        param = getattr(g, field)
        if param is None:
            return None
        out[sel] = sample(param, rng, int(sel.sum()))
    return np.maximum(out, floor)


def draw_arguments(engine: str, groups: list[Group], group_index: np.ndarray,
                   rows: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray | None]:
    """Draw every parameter of ``engine`` for annotators ``rows``, keyed by the engine's
    argument names (:data:`ARGUMENTS`)."""
    return {a.argument: draw(groups, group_index, rows, a.field, a.floor, rng)
            for a in ARGUMENTS if a.engine == engine}


def draw_value_weights(groups: list[Group], group_index: np.ndarray, attributes: list[str],
                       rng: np.random.Generator) -> np.ndarray:
    """Each annotator's weights over the item attributes, (n annotators, n attributes);
    an attribute a group does not value has weight 0."""
    weights = np.zeros((len(group_index), len(attributes)))
    for gi, g in enumerate(groups):
        rows = np.flatnonzero(group_index == gi)
        for a, param in g.values.items():
            weights[rows, attributes.index(a)] = sample(param, rng, len(rows))
    return weights


def gold_weights(groups: list[Group], counts: np.ndarray, attributes: list[str]) -> np.ndarray:
    """Default gold weights: the groups' mean value weights, weighted by group size."""
    shares = counts / counts.sum()
    weights = np.zeros(len(attributes))
    for gi, g in enumerate(groups):
        for a, param in g.values.items():
            weights[attributes.index(a)] += shares[gi] * mean(param)
    return weights
