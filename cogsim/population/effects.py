"""Realism effects on top of the models' judgments: position bias, fatigue and lapses,
social influence over a network, and drift of values.

Each effect is switched on by its section of the spec (:class:`cogsim.spec.PositionBias`,
:class:`~cogsim.spec.Fatigue`, :class:`~cogsim.spec.Social`, :class:`~cogsim.spec.Drift`)
and draws from the stream the population gives it, in a fixed order, so the same spec and
seed give the same judgments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx
import numpy as np

from cogsim.spec import Drift, Fatigue, PositionBias, Social
from cogsim.streams import KeyedStreams

__all__ = ["LAPSE", "SHORTCUT", "LastJudgments", "apply_lapses", "apply_position_bias",
           "drift", "probability_first", "social_influence", "social_network"]

#: A judgment-level draw: one uniform per judgment of the batch, from each annotator's stream.
Draw = Callable[[], np.ndarray]

#: Strategy codes of the effects (indices into :data:`cogsim.population.judgments.STRATEGIES`).
SHORTCUT, LAPSE = 1, 2


def apply_position_bias(bias: PositionBias | None, choose_first: np.ndarray,
                        strategy: np.ndarray, draw: Draw) -> tuple[np.ndarray, float]:
    """Take the "prefer the first shown" shortcut at rate ``2 p_first - 1``.

    Returns the choices after the shortcut and its rate (0 when there is no bias); the
    strategy of a judgment that took it becomes :data:`SHORTCUT` (in place).
    """
    if bias is None:
        return choose_first, 0.0
    shortcut = 2 * bias.p_first - 1
    use = draw() < shortcut
    strategy[use] = SHORTCUT
    return use | choose_first, shortcut


def apply_lapses(fatigue: Fatigue | None, done: np.ndarray, choose_first: np.ndarray,
                 strategy: np.ndarray, draw: Draw) -> tuple[np.ndarray, np.ndarray]:
    """Lapses of tired annotators: a random answer at rate ``min(maximum, base +
    per_judgment * done)``, ``done`` the judgments each has made so far.

    Returns the choices after lapses and each judgment's lapse rate; the strategy of a
    lapse becomes :data:`LAPSE` (in place).
    """
    if fatigue is None:
        return choose_first, np.zeros(len(choose_first))
    lapse_rate = np.minimum(fatigue.maximum, fatigue.base + fatigue.per_judgment * done)
    lapse = draw() < lapse_rate
    choose_first = np.where(lapse, draw() < 0.5, choose_first)
    strategy[lapse] = LAPSE
    return choose_first, lapse_rate


def probability_first(p_model: np.ndarray, shortcut: float, lapse_rate: np.ndarray
                      ) -> np.ndarray:
    """P(choose the first shown) after the effects: a lapse is a coin flip, else the
    shortcut, else the model's P(first) (NaN where the model gives none)."""
    return lapse_rate * 0.5 + (1 - lapse_rate) * (shortcut + (1 - shortcut) * p_model)


def social_network(social: Social | None, n: int, rng: np.random.Generator
                   ) -> tuple[nx.Graph, tuple[np.ndarray, np.ndarray]] | None:
    """The annotators' network and its adjacency as CSR (indptr, indices); None without a
    ``social`` section.  A population no larger than ``degree + 1`` is complete."""
    if social is None:
        return None
    seed = int(rng.integers(2 ** 31))
    if social.network == "complete" or n <= social.degree + 1:
        graph = nx.complete_graph(n)
    elif social.network == "erdos_renyi":
        graph = nx.gnp_random_graph(n, social.degree / max(n - 1, 1), seed=seed)
    else:
        graph = nx.watts_strogatz_graph(n, max(2, social.degree), social.rewire, seed=seed)
    adj = nx.to_scipy_sparse_array(graph, nodelist=range(n), format="csr")
    return graph, (adj.indptr, adj.indices)


class LastJudgments:
    """Each annotator's latest judgment (chosen and other item, and its values of them),
    what a neighbour passes on under social influence; item -1 before the first."""

    def __init__(self, n: int) -> None:
        self.choice = np.full(n, -1)
        self.value = np.zeros(n)
        self.other = np.full(n, -1)
        self.other_value = np.zeros(n)

    def record(self, who: np.ndarray, chosen: np.ndarray, value: np.ndarray,
               other: np.ndarray, other_value: np.ndarray) -> None:
        """Store the judgments just made by annotators ``who``."""
        self.choice[who] = chosen
        self.value[who] = value
        self.other[who] = other
        self.other_value[who] = other_value


#: Stores experiences in a model: (annotators, item codes, values).
Store = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


def social_influence(social: Social | None, neighbours: tuple[np.ndarray, np.ndarray] | None,
                     last: LastJudgments, memories: Iterable[tuple[np.ndarray, Store]],
                     rng: KeyedStreams) -> None:
    """With probability ``weight``, an annotator stores a random neighbour's latest
    judgment as its own experience: both items, valued as the neighbour valued them.

    Parameters
    ----------
    social : Social or None
    neighbours : (indptr, indices)
        The network's adjacency (:func:`social_network`).
    last : LastJudgments
    memories : iterable of (annotators, store)
        Per model with a memory, its annotators and how to store experiences in it.
    rng : KeyedStreams
        The annotators' streams for effects.
    """
    if social is None or social.weight == 0:
        return
    indptr, indices = neighbours
    for rows, store in memories:
        degree = indptr[rows + 1] - indptr[rows]
        take = (rng.random((len(rows),), rows) < social.weight) & (degree > 0)
        rows, degree = rows[take], degree[take]
        if not len(rows):
            continue
        pick = indices[indptr[rows] + (rng.random((len(rows),), rows) * degree).astype(int)]
        seen = last.choice[pick] >= 0
        rows, pick = rows[seen], pick[seen]
        for item, value in ((last.choice, last.value), (last.other, last.other_value)):
            if not len(rows):
                break
            # An ACT-R neighbour that judged by a heuristic has no values to pass on.
            known = np.isfinite(value[pick])
            if not known.any():
                continue
            store(rows[known], item[pick][known], value[pick][known])


def drift(spec: Drift | None, weights: np.ndarray, rng: KeyedStreams) -> None:
    """Value weights (n annotators, A) take a Gaussian random-walk step of sd ``spec.sd``
    (in place), each annotator's from its own stream."""
    if spec is not None and spec.sd > 0:
        n, a = weights.shape
        weights += spec.sd * rng.normal((a, n), np.arange(n)).T
