"""The on-demand oracle: a long-lived population that judges any pair when asked.

:class:`Oracle` wraps an :class:`~cogsim.population.AnnotatorPopulation`.  Items arrive with
the queries (ids of items it knows, or attribute mappings of new ones) and are matched on
their attributes in the scaling the spec (or the reference item set) fixed.  Annotators
learn from what they experience and from :meth:`Oracle.feedback`; time, fatigue, social
influence and drift advance with the queries as in a ``generate`` run.

Steps
-----
As in a run, a *step* is a round in which each annotator judges at most one pair; social
influence and drift act when a step closes.  The oracle keeps one step open across calls:

* k random annotators per pair (the default): the open step has a random order of the
  annotators (drawn when it opens, from the oracle's assignment stream); each pair takes
  the next k annotators in that order who have not judged in the step (within the group,
  if one is given).  When fewer than k are left, the step closes and a new one opens.
* given annotators (an ``annotator_id`` column, or ``annotators=[...]``): a pair whose
  annotator has already judged in the open step closes it first.
* :meth:`Oracle.end_step` closes the open step.

This rule reads the queries one pair at a time, and every draw of a judgment comes from the
judging annotator's own stream, so the judgments are the same whether the pairs come in one
batch, in many small ones, or across a save and a load.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim.errors import InputError
from cogsim.oracle.feedback import aggregate, lessons
from cogsim.oracle.queries import Query, annotator_ids, read_query
from cogsim.oracle.rewards import completion_rewards
from cogsim.population import AnnotatorPopulation
from cogsim.population.judgments import JudgmentLog
from cogsim.spec import PopulationSpec, SpecError, load_spec, parse_spec
from cogsim.streams import KeyedStreams

__all__ = ["ORACLE_MEMORY", "Oracle", "aggregate"]

#: The oracle's memory when the spec has none: PyIBL's optimized learning (flat cost per
#: judgment) and at most 150 instances per annotator (flat memory and cost).  A population whose
#: decay can reach 1 keeps exact learning, with the same bound on instances.
ORACLE_MEMORY = {"optimized_learning": True, "max_instances": 150}


def _resolve(spec: PopulationSpec, fatigue: bool, social: bool, drift: bool,
             source: str) -> PopulationSpec:
    """The spec the oracle runs: effects switched off as asked, and a memory section."""
    updates = {k: None for k, on in (("fatigue", fatigue), ("social", social),
                                     ("drift", drift)) if not on}
    if spec.memory is None:
        data = {**spec.model_dump(exclude_none=True), **updates, "memory": ORACLE_MEMORY}
        try:
            return parse_spec(data, source)
        except SpecError:
            data["memory"] = {**ORACLE_MEMORY, "optimized_learning": False}
            return parse_spec(data, source)
    return spec.model_copy(update=updates)


def _reference_items(spec: PopulationSpec, items: pd.DataFrame | None) -> pd.DataFrame:
    from cogsim.tasks import default_items, load_items, validate_items

    if items is not None:
        return validate_items(items, "items")
    if spec.items:
        return load_items(spec.items)
    return default_items()


class Oracle:
    """A population of annotators that judges pairs on demand.

    Parameters
    ----------
    population : PopulationSpec, str or Path
        A population spec, or the path of one (a calibration's ``population.toml``).
    items : DataFrame, optional
        The reference item set: it fixes the attribute scaling when the spec has no
        ``scaling`` section, and prior experiences are drawn from it (default: the
        spec's ``items``, else the built-in items).  Its items can be named by id.
    seed : int, optional
        Overrides the spec's seed.
    fatigue, social, drift : bool
        Switch the spec's fatigue (lapses growing with judgments), social influence and
        drift of values off with False.

    Examples
    --------
    >>> oracle = Oracle("populations/default.toml")                  # doctest: +SKIP
    >>> oracle.judge([("p00r0", "p00r1")])                           # doctest: +SKIP
    """

    def __init__(self, population: PopulationSpec | str | Path,
                 items: pd.DataFrame | None = None, *, seed: int | None = None,
                 fatigue: bool = True, social: bool = True, drift: bool = True):
        if isinstance(population, PopulationSpec):
            spec, source = population, "population"
        else:
            spec, source = load_spec(population), str(population)
        seed = spec.seed if seed is None else int(seed)
        if not 0 <= seed < 2 ** 63:
            raise InputError(f"seed: expected a whole number from 0 to 2**63 - 1, got {seed}")
        spec = _resolve(spec, fatigue, social, drift, source).model_copy(update={"seed": seed})
        self.spec, self.seed = spec, seed
        self.population = AnnotatorPopulation(spec, _reference_items(spec, items), seed=seed,
                                              source=source)
        n = self.population.n
        key = np.random.SeedSequence([seed, 0x0AC1E]).generate_state(2, np.uint64)[1]
        self._assign = KeyedStreams(int(key), n)
        self._used = np.zeros(n, dtype=bool)      # judged in the open step
        self._order: np.ndarray | None = None      # the open step's order of annotators
        self.pairs_seen = 0
        self.run_id = f"{spec.name}-seed{seed}"

    # ------------------------------------------------------------ describing
    @property
    def n_annotators(self) -> int:
        return self.population.n

    @property
    def annotators(self) -> pd.DataFrame:
        """One row per annotator: id, group, model kind, judgments made."""
        pop = self.population
        return pd.DataFrame({"annotator_id": np.arange(pop.n), "group": pop.group_names,
                             "model": pop.kinds, "judgments": pop.done})

    @property
    def items(self) -> pd.DataFrame:
        """Every item the oracle knows, in the order it learned them: ``item_id``,
        ``prompt`` and ``text`` (None where an item has none), then its attributes."""
        reg = self.population.registry
        table = pd.DataFrame(reg.raw, columns=reg.attributes)
        table.insert(0, "item_id", pd.Series(reg.ids, dtype=object))
        table.insert(1, "prompt", [reg.prompts.get(c) for c in range(len(reg))])
        table.insert(2, "text", [reg.texts.get(c) for c in range(len(reg))])
        return table

    @property
    def step(self) -> int:
        """Steps closed so far."""
        return self.population.judging_step

    def add_items(self, items: pd.DataFrame) -> np.ndarray:
        """Register items (checked first; nothing changes on an error); returns their
        codes."""
        return self.population.registry.add(items, "items")

    # --------------------------------------------------------------- judging
    def judge(self, pairs, *, items: pd.DataFrame | None = None, k: int | None = None,
              annotators: Sequence[int] | None = None, group: str | None = None
              ) -> pd.DataFrame:
        """Judge a batch of pairs; returns one row per judgment (the judgments table).

        Parameters
        ----------
        pairs : DataFrame or sequence of pairs
            A table with ``item_a`` and ``item_b`` (item ids; optionally ``pair_id``, and
            ``annotator_id``: then each row is one judgment by that annotator), or a
            sequence of (item_a, item_b), each item an id or a mapping of its attributes
            (with an optional ``item_id``; without one, its id is derived from its values).
        items : DataFrame, optional
            New items that the pairs name by id.
        k : int, optional
            Annotators per pair (default: the spec's ``assignment.annotators_per_pair``),
            drawn at random (see the module notes), from ``group`` if given.
        annotators : sequence of int, optional
            These annotators each judge every pair.
        group : str, optional
            Draw the k annotators from this group.

        Raises
        ------
        ValueError
            An unknown item, annotator or group, an item with missing, extra or non-finite
            attributes, an empty batch, or k out of range; the oracle is unchanged.
        """
        pop = self.population
        query = read_query(pairs, pop.registry, pop.n, items)
        plan = self._plan(query, k, annotators, group)
        if query.new_items is not None:
            pop.registry.add_checked(query.new_items, query.new_values)
        codes_a, codes_b = query.codes(pop.registry)
        n_pairs = len(codes_a)
        pair_id = (query.pair_id if query.pair_id is not None
                   else self.pairs_seen + np.arange(n_pairs))
        self.pairs_seen += n_pairs
        steps = [None if entry is None else
                 (entry[0], codes_a[entry[1]], codes_b[entry[1]], pair_id[entry[1]])
                 for entry in plan(self)]
        log = JudgmentLog()
        for columns in pop.judge_steps(steps):
            log.add(**columns)
        return log.table(self.run_id, seed=self.seed, item_ids=pop.item_ids,
                         group_names=pop.group_names, kinds=pop.kinds,
                         strategy_labels=pop.strategy_labels)

    def rewards(self, prompts: Sequence, completions: Sequence, k: int | None = None
                ) -> list[float]:
        """Each completion's win rate against the same prompt's other completions, judged
        by k annotators per pair (see :mod:`cogsim.oracle.rewards`).

        Parameters
        ----------
        prompts, completions : sequence
            One prompt per completion: strings, or conversations (lists of ``{"role",
            "content"}`` messages; the last user turn of a prompt, the last assistant turn
            of a completion).
        k : int, optional
            Annotators per pair (default: the spec's).

        Returns
        -------
        list of float
            Rewards in [0, 1], one per completion.
        """
        return completion_rewards(self, prompts, completions, k)

    def _plan(self, query: Query, k: int | None, annotators, group: str | None):
        """Check who is to judge; returns the assignment to run (which changes state)."""
        pop, n_pairs = self.population, len(query.item_a)
        explicit = [x for x in (query.annotator is not None and "annotator_id column",
                                annotators is not None and "annotators",
                                group is not None and "group") if x]
        if len(explicit) > 1:
            raise InputError(f"judge: {explicit[0]} and {explicit[1]} both say who judges; "
                             f"expected one of them")
        if query.annotator is not None or annotators is not None:
            if k is not None:
                raise InputError("judge: k applies to randomly drawn annotators; expected no "
                                 "k with given annotators")
            if annotators is not None:
                ids = annotator_ids(annotators, pop.n)
                who = np.tile(ids, n_pairs)
                rows = np.repeat(np.arange(n_pairs), len(ids))
            else:
                who, rows = query.annotator, np.arange(n_pairs)
            return lambda oracle: oracle._given(who, rows)
        pool = None                                  # everyone
        if group is not None:
            names = [str(g) for g in dict.fromkeys(pop.group_names)]
            if group not in names:
                raise InputError(f"judge: unknown group {group!r}; expected one of {names}")
            pool = pop.group_names == group
        k = pop.spec.assignment.annotators_per_pair if k is None else k
        size = pop.n if pool is None else int(pool.sum())
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= size:
            where = f"group {group!r}" if group is not None else "the population"
            raise InputError(f"judge: k: expected a whole number from 1 to {size} (the "
                             f"annotators of {where}), got {k!r}")
        return lambda oracle: oracle._random(int(k), pool, n_pairs)

    def _given(self, who: np.ndarray, rows: np.ndarray):
        """Segments (annotators, pair rows) of given judgments; a repeat closes the step
        (yields None when the closed step had judgments)."""
        start = 0
        for r in range(len(who)):
            if self._used[who[r]]:
                if r > start:
                    yield who[start:r], rows[start:r]
                    start = r
                if self._open_new_step():
                    yield None
            self._used[who[r]] = True
        if len(who) > start:
            yield who[start:], rows[start:]

    def _random(self, k: int, pool: np.ndarray | None, n_pairs: int):
        """Segments (annotators, pair rows) of k annotators per pair, in the open step's
        order, from the annotators ``pool`` marks (None: all); None where a step closes."""
        done = 0
        while done < n_pairs:
            if self._order is None:
                self._order = np.argsort(self._assign.random((self.n_annotators,),
                                                             np.arange(self.n_annotators)),
                                         kind="stable")
            order = self._order
            free = order[~self._used[order] if pool is None
                         else ~self._used[order] & pool[order]]
            take = min(len(free) // k, n_pairs - done)
            if take == 0:
                if self._open_new_step():
                    yield None
                continue
            who = free[:take * k]
            self._used[who] = True
            yield who, np.repeat(np.arange(done, done + take), k)
            done += take

    def _open_new_step(self) -> bool:
        """Forget who judged in the open step; returns whether anyone did (then the
        population's step is to end)."""
        judged = bool(self._used.any())
        self._used[:] = False
        self._order = None
        return judged

    def _close_step(self) -> None:
        if self._open_new_step():
            self.population.end_step()

    def end_step(self) -> None:
        """Close the open step (social influence and drift act); the next pair opens a
        new one."""
        self._close_step()

    # -------------------------------------------------------------- feedback
    def feedback(self, judgments: pd.DataFrame, *, outcomes="gold", preferred=None,
                 who="judged") -> int:
        """Annotators learn what the items of judged pairs are worth.

        Parameters
        ----------
        judgments : DataFrame
            Pairs (``item_a``, ``item_b``), e.g. a table :meth:`judge` returned; with
            ``who="judged"`` it needs ``annotator_id``.
        outcomes : "gold" or mapping of item id to value
            What each item is revealed to be worth: the spec's gold values, or given
            values (in the annotators' value units).
        preferred : sequence of item ids, optional
            Instead of outcomes, a gold preference per row: the preferred item is learned
            at +1 and the other at -1 (one unit of value either side of indifference).
        who : "judged", "all", a group name, or a sequence of annotator ids
            Who learns: the annotator of each row, everyone, a group, or these annotators
            (each learns about every row).

        Returns
        -------
        int
            Experiences stored (IBL and ACT-R annotators; random-utility annotators do not
            learn).

        Raises
        ------
        ValueError
            Unknown items, annotators or group, a missing column, a non-finite value; the
            oracle is unchanged.
        """
        pop = self.population
        learners, codes, values = lessons(pop, judgments, outcomes, preferred, who)
        memory = np.isin(pop.kinds[learners], ("ibl", "actr"))
        learners, codes, values = learners[memory], codes[memory], values[memory]
        # In rounds, so that no annotator stores twice in one call of its engine.
        rank = pd.Series(learners).groupby(learners).cumcount().to_numpy()
        for r in range(int(rank.max()) + 1 if len(rank) else 0):
            now = rank == r
            for rows, store in pop._memories():
                mine = now & np.isin(learners, rows)
                if mine.any():
                    store(learners[mine], codes[mine], values[mine])
        return int(len(learners))

    # ------------------------------------------------------------ aggregate
    @staticmethod
    def aggregate(judgments: pd.DataFrame) -> pd.DataFrame:
        """Per pair: votes for each item, the majority, and the mean P(item_a)."""
        return aggregate(judgments)

    # ----------------------------------------------------------- save / load
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the full state to a folder (see :mod:`cogsim.oracle.state`)."""
        from cogsim.oracle.state import save_state

        return save_state(self, Path(path), overwrite=overwrite)

    @classmethod
    def load(cls, path: str | Path) -> Oracle:
        """An oracle that continues exactly where the saved one stopped."""
        from cogsim.oracle.state import load_state

        return load_state(cls, Path(path))
