"""The Mesa model: annotators as thin agents onto rows of batched models, one batch of
judgments per step.

:class:`AnnotatorPopulation` is a ``mesa.Model``; each :class:`Annotator` is a
``mesa.Agent`` holding its row: of one ``IBLBatch`` for all IBL annotators, of one
``ACTRBatch`` for all ACT-R annotators, or of the value-weight arrays of the random-utility
baselines.  A step judges every pair scheduled for it in one vectorized call per model
kind, then applies the realism effects (:mod:`cogsim.population.effects`) and lets the
models learn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import mesa
import numpy as np
import pandas as pd

from cogsim.actr import ACTRBatch
from cogsim.baselines.random_utility import RANDOM_UTILITY_KINDS, values
from cogsim.baselines.random_utility import judge as random_utility_judge
from cogsim.ibl import IBLBatch
from cogsim.population import assignment, effects, parameters
from cogsim.population.judgments import STRATEGIES, JudgmentLog
from cogsim.spec import PopulationSpec, SpecError
from cogsim.streams import KeyedStreams, RandomSource, normals, uniforms
from cogsim.tasks import attribute_columns
from cogsim.tasks.registry import AttributeScaling, ItemRegistry

__all__ = ["PRIOR_SPAN", "Annotator", "AnnotatorPopulation"]

#: Seconds over which ACT-R annotators' prior experiences are spread before the first judgment.
PRIOR_SPAN = 600.0
#: Judgments per plan when a run judges its steps (see AnnotatorPopulation.run).
JUDGMENTS_PER_PLAN = 4096
#: Largest decay used with optimized learning (which needs d < 1).
OPTIMIZED_MAX_DECAY = 0.999


class Annotator(mesa.Agent):
    """One annotator: a view onto row ``index`` of the population's arrays."""

    def __init__(self, model: AnnotatorPopulation, index: int, group: str, kind: str):
        super().__init__(model)
        self.index = index
        self.group = group
        self.kind = kind

    @property
    def value_weights(self) -> dict[str, float]:
        """Current weights of the annotator's value function over item attributes."""
        return dict(zip(self.model.attributes, self.model.weights[self.index]))

    @property
    def judgments_done(self) -> int:
        """How many judgments the annotator has made."""
        return int(self.model.done[self.index])


def _unscaled_text_features_dropped(items: pd.DataFrame, spec: PopulationSpec) -> pd.DataFrame:
    """Text items judged by a spec with a ``scaling`` section keep only the text features
    it scales: a spec calibrated before the featurizer gained features still runs."""
    if spec.scaling is None or "text" not in items.columns:
        return items
    from cogsim.text import FEATURE_NAMES

    extra = [c for c in FEATURE_NAMES if c in items.columns and c not in spec.scaling]
    return items.drop(columns=extra) if extra else items


class AnnotatorPopulation(mesa.Model):
    """Annotators judging pairs of items, one batch of judgments per step.

    Parameters
    ----------
    spec : PopulationSpec
    items : DataFrame
        The reference item set (``item_id`` and numeric attributes): it fixes the
        attribute scaling when the spec has no ``scaling`` section, and the annotators'
        prior experiences are drawn from it.  More items can arrive later
        (:attr:`registry`).
    pairs : DataFrame, optional
        Pairs to judge in :meth:`run` (``pair_id``, ``item_a``, ``item_b``); each is
        judged by ``spec.assignment.annotators_per_pair`` annotators.
    seed : int, optional
        Overrides ``spec.seed``; every random draw derives from it.
    source : str
        Where the spec came from, for error messages.

    Notes
    -----
    A step is a round in which each annotator judges at most one pair
    (:meth:`judge_step`, any number of calls); :meth:`end_step` then applies social
    influence and drift.  Every draw of a judgment comes from the judging annotator's own
    keyed stream (:class:`cogsim.streams.KeyedStreams`), so an annotator's judgments do not
    depend on which other annotators judge in the same call.
    """

    def __init__(self, spec: PopulationSpec, items: pd.DataFrame,
                 pairs: pd.DataFrame | None = None, seed: int | None = None,
                 source: str = "spec"):
        seed = spec.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.spec, self.seed_value, self.source = spec, seed, source
        items = _unscaled_text_features_dropped(items, spec)
        self.attributes = attribute_columns(items)
        spec.check_attributes(self.attributes, source)
        sequences = np.random.SeedSequence(seed).spawn(7)
        self._rng_params, self._rng_prior, self._rng_assign, _, self._rng_network, _, _ = [
            np.random.default_rng(s) for s in sequences]
        keys = [int(s.generate_state(2, np.uint64)[1]) for s in sequences]
        self.items = items.reset_index(drop=True)
        scaling = (AttributeScaling.from_spec(spec.scaling, self.attributes)
                   if spec.scaling is not None else AttributeScaling.fit(items, self.attributes))
        self.registry = ItemRegistry(scaling)
        self.registry.add_checked(self.items)
        self.n_reference = len(self.items)
        self._build_annotators()
        self.draws = KeyedStreams(keys[3], self.n)        # each judgment's own draws
        self.effect_draws = KeyedStreams(keys[4], self.n)  # social influence and drift
        self._keys = keys
        self._build_models()
        network = effects.social_network(spec.social, self.n, self._rng_network)
        self.graph, self.neighbours = network if network is not None else (None, None)
        self.done = np.zeros(self.n, dtype=np.int64)
        self.last = effects.LastJudgments(self.n)
        self.log = JudgmentLog()
        self.judging_step = 0            # steps closed so far (the log's ``step``)
        self.step_judgments = 0          # judgments in the open step
        self.step_lapses = 0
        self.step_lapse_rate = 0.0
        self.datacollector = mesa.DataCollector(model_reporters={
            "lapse_rate": lambda m: m.step_lapse_rate,
            "judgments": lambda m: int(m.done.sum())})
        self.pairs, self._schedule, self.n_steps = None, [], 0
        if pairs is not None:
            self.pairs = pairs.reset_index(drop=True)
            self.pair_items = np.stack([self.registry.codes(self.pairs["item_a"], "pairs"),
                                        self.registry.codes(self.pairs["item_b"], "pairs")],
                                       axis=1)
            self._schedule = assignment.schedule(spec.assignment, self.n, len(self.pairs),
                                                 self._rng_assign, source)
            self.n_steps = len(self._schedule)

    # ------------------------------------------------------------------ items
    @property
    def item_ids(self) -> np.ndarray:
        """Id of every item the population knows, by code."""
        return self.registry.ids

    @property
    def raw(self) -> np.ndarray:
        """Every known item's raw attribute values, (n items, A)."""
        return self.registry.raw

    @property
    def z(self) -> np.ndarray:
        """Every known item's attributes in standard units, (n items, A)."""
        return self.registry.z

    @property
    def payoffs(self):
        """The gamble items' payoff table (None when items are not gambles)."""
        return self.registry.payoffs

    def gold_value(self, codes: np.ndarray) -> np.ndarray:
        """Gold value of items: the gold weights over standard units, or a gamble's
        expected value."""
        if self.payoffs is not None and not self._gold_given:
            return self.payoffs.expected_value(codes)
        return values(self.registry.z[codes], self.gold_weights)

    @property
    def gold_values(self) -> np.ndarray:
        """Gold value of every known item, by code."""
        return self.gold_value(np.arange(len(self.registry)))

    # ------------------------------------------------------------- building
    def _build_annotators(self) -> None:
        """Groups, value weights and gold values; one Mesa agent per annotator."""
        spec, groups = self.spec, self.spec.groups
        self.n = spec.n_annotators
        counts = parameters.group_sizes(np.array([g.share for g in groups]), self.n)
        self.group_index = np.repeat(np.arange(len(groups)), counts)
        self.group_names = np.array([g.name for g in groups])[self.group_index]
        self.kinds = np.array([g.model for g in groups])[self.group_index]
        self.weights = parameters.draw_value_weights(groups, self.group_index, self.attributes,
                                                     self._rng_params)
        gold = spec.feedback.gold if spec.feedback and spec.feedback.gold else None
        self._gold_given = gold is not None
        if gold is None:
            self.gold_weights = parameters.gold_weights(groups, counts, self.attributes)
        else:
            self.gold_weights = np.array([gold.get(a, 0.0) for a in self.attributes])
        for i in range(self.n):
            Annotator(self, i, str(self.group_names[i]), str(self.kinds[i]))

    def _draw(self, engine: str, rows: np.ndarray) -> dict[str, np.ndarray | None]:
        args = parameters.draw_arguments(engine, self.spec.groups, self.group_index, rows,
                                         self._rng_params)
        memory = self.spec.memory
        if engine != "all" and memory is not None and memory.optimized_learning is not False:
            # The spec keeps decay below 1 up to 5 sd; a rarer draw is held just below it.
            args["decay"] = np.minimum(args["decay"], OPTIMIZED_MAX_DECAY)
        return args

    def _memory_arguments(self) -> dict:
        memory = self.spec.memory
        if memory is None:
            return {}
        return {"optimized_learning": memory.optimized_learning,
                "max_instances": memory.max_instances}

    def _build_models(self) -> None:
        """Every annotator's parameters, and one batched model per kind with its priors."""
        drawn = self._draw("all", np.arange(self.n))
        self.scale, self.value_noise = drawn["scale"], drawn["value_noise"]
        self.ibl_rows = np.flatnonzero(self.kinds == "ibl")
        self.actr_rows = np.flatnonzero(self.kinds == "actr")
        self.random_utility_kinds = [k for k in RANDOM_UTILITY_KINDS if (self.kinds == k).any()]
        self.slot = np.full(self.n, -1)          # row of each annotator in its model's batch
        self.slot[self.ibl_rows] = np.arange(len(self.ibl_rows))
        self.slot[self.actr_rows] = np.arange(len(self.actr_rows))
        self.strategy_labels = list(STRATEGIES)
        self.ibl = self.actr = None
        similarity = self.registry.similarity_function()
        if len(self.ibl_rows):
            rows = self.ibl_rows
            args = self._draw("ibl", rows)
            prior = np.rint(args.pop("prior_instances")).astype(int)
            self.ibl = IBLBatch(len(rows), ["item"], **args, **self._memory_arguments(),
                                seed=KeyedStreams(self._keys[5], len(rows)))
            self.ibl.similarity("item", similarity, 1.0)
            self.ibl.sequential_sums = True
            for who, items, value in self._prior_experiences(rows, prior):
                self.ibl.populate(items[:, None, None].astype(float), value, agents=who, when=0)
        if len(self.actr_rows):
            self._build_actr(similarity)

    def _build_actr(self, similarity: Callable) -> None:
        """One ACTRBatch for all ACT-R annotators; a heuristic that a group does not list
        gets a utility of -1e6 for its annotators, so they never use it."""
        if "item" in self.attributes:
            raise SpecError(f"{self.source}: ACT-R annotators keep the item code in a chunk "
                            f"slot named 'item'; rename the item attribute 'item'")
        rows, groups = self.actr_rows, self.spec.groups
        own = [groups[gi] for gi in self.group_index[rows]]
        heuristics = list(dict.fromkeys(h for g in groups if g.model == "actr"
                                        for h in g.heuristics))
        args = self._draw("actr", rows)
        prior = np.rint(args.pop("prior_instances")).astype(int)
        utility = {"evaluate": args.pop("evaluate_utility")}
        for h in heuristics:
            utility[h] = np.array([0.0 if h in g.heuristics else -1e6 for g in own])
        self.actr = ACTRBatch(
            len(rows), ["item", *self.attributes], key_attributes=["item"],
            heuristics=heuristics, utility=utility,
            utility_learning=any(g.utility_learning for g in own),
            discount_reward_by_time=False, partial_matching=True, blending=True,
            **args, **self._memory_arguments(), seed=KeyedStreams(self._keys[6], len(rows)))
        self.actr.similarity("item", similarity, 1.0)
        self.actr.declarative.sequential_sums = True
        self.rewarded = np.array([bool(g.utility_learning) for g in own])
        self.strategy_labels += heuristics
        self._actr_labels = np.array([0] + [self.strategy_labels.index(h) for h in heuristics])
        self.actr.advance(PRIOR_SPAN)
        for who, items, value in self._prior_experiences(rows, prior):
            when = self._rng_prior.uniform(0, PRIOR_SPAN, len(who))
            self.actr.learn(self.chunks(items), value, agents=who, when=when)

    def chunks(self, codes: np.ndarray) -> np.ndarray:
        """Items as ACT-R chunks' slots: item code, then the raw attributes."""
        return np.column_stack([np.asarray(codes, dtype=float), self.registry.raw[codes]])

    def experienced_value(self, annotators: np.ndarray, items: np.ndarray,
                          rng: RandomSource) -> np.ndarray:
        """What annotators experience an item to be worth: their value function plus
        Gaussian noise of their ``value_noise``; for a gamble, a draw of its payoff.
        ``rng`` is a Generator or keyed streams over the annotators."""
        if self.payoffs is not None:
            return self.payoffs.draw(items, uniforms(rng, (len(items),), annotators))
        return (values(self.z[items], self.weights[annotators])
                + normals(rng, len(annotators), annotators) * self.value_noise[annotators])

    def _prior_experiences(self, rows: np.ndarray, counts: np.ndarray
                           ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Rounds of prior experience: each annotator of ``rows`` gets ``counts`` random
        items valued by :meth:`experienced_value`; yields (batch rows, items, values)."""
        rng = self._rng_prior
        for k in range(int(counts.max()) if len(counts) else 0):
            who = np.flatnonzero(counts > k)
            items = rng.integers(0, self.n_reference, len(who))
            yield who, items, self.experienced_value(rows[who], items, rng)

    # ---------------------------------------------------------------- steps
    def step(self) -> None:
        """Judge every pair scheduled for this step (one batch per model kind), then end
        the step."""
        s = self.steps - 1          # Mesa counts steps from 1
        if s >= self.n_steps:
            self.running = False
            return
        who, pair = self._schedule[s]
        items = self.pair_items[pair]
        self.log.add(**self.judge_step(who, items[:, 0], items[:, 1],
                                       self.pairs["pair_id"].to_numpy()[pair]))
        self.end_step()

    def judge_step(self, who: np.ndarray, item_a: np.ndarray, item_b: np.ndarray,
                   pair_id: np.ndarray) -> dict[str, np.ndarray]:
        """Annotators ``who`` (distinct, none of them judged yet in this step) judge the
        pairs (item codes ``item_a``, ``item_b``) in one batch per model kind, and learn.

        Returns the judgments' columns (item codes; see :class:`JudgmentLog`).
        """
        judged, last = self._judge(who, item_a, item_b)
        return self._record(who, pair_id, judged, last)

    def judge_steps(self, plan: Sequence[tuple | None], social: bool = True
                    ) -> list[dict[str, np.ndarray]]:
        """Judge a plan: each entry ``(who, item_a, item_b, pair_id)`` as :meth:`judge_step`
        judges it, and ``None`` ends the step (:meth:`end_step`, with ``social``).

        When nothing can act between the entries (no learning, social influence or drift,
        no ACT-R annotator judging, every IBL option matched by an instance), the plan's
        judgments are evaluated in one batch: an annotator's n-th judgment gets the draws
        of its n-th call (:meth:`~cogsim.streams.KeyedStreams.random`, ``ahead``), so the
        results are those of one entry at a time, with one fixed cost instead of one per
        step.  Returns the columns of each entry.
        """
        entries = [e for e in plan if e is not None]
        if len(entries) < 2 or not self._can_judge_ahead(entries):
            out = []
            for entry in plan:
                if entry is None:
                    self.end_step(social=social)
                else:
                    out.append(self.judge_step(*entry))
            return out
        who, item_a, item_b = (np.concatenate([e[k] for e in entries]) for k in range(3))
        judged, last = self._judge(who, item_a, item_b, ahead=_earlier_repeats(who))
        out, start = [], 0
        for entry in plan:
            if entry is None:
                self.end_step(social=social)
                continue
            rows = slice(start, start + len(entry[0]))
            start = rows.stop
            out.append(self._record(entry[0], entry[3], {k: v[rows] for k, v in judged.items()},
                                    [v[rows] for v in last]))
        return out

    def _can_judge_ahead(self, entries: list[tuple]) -> bool:
        """Whether judging ``entries`` in one batch gives what judging them in turn does."""
        if self.spec.social is not None or self.spec.drift is not None or self._sees_outcomes():
            return False
        kinds = self.kinds[np.concatenate([e[0] for e in entries])]
        if (kinds == "actr").any():
            return False
        ibl = self.slot[np.concatenate([e[0] for e in entries])[kinds == "ibl"]]
        return not len(ibl) or self.ibl.always_matches(ibl)

    def _sees_outcomes(self) -> bool:
        """Whether judging can end in an outcome to learn (own experience or feedback)."""
        spec = self.spec
        return spec.experience_rate > 0 or (spec.feedback is not None and spec.feedback.rate > 0)

    def _judge(self, who, item_a, item_b, ahead=None):
        """The judgments of annotators ``who`` (repeating only with ``ahead``: each one's
        earlier judgments in the batch, see :meth:`judge_steps`).  Returns the judged
        columns and, for the social memory, (chosen, its value, other, its value)."""
        spec = self.spec
        m = len(who)
        # Every uniform a judgment may need, in one draw from the annotators' streams:
        # order shown, choice, tie, position shortcut, lapse, lapse coin.
        u = iter(self.draws.random((6, m), who, ahead=ahead))
        if ahead is not None:
            self.draws.advance(*np.unique(who, return_counts=True))
        a_first = next(u) < 0.5
        first = np.where(a_first, item_a, item_b)
        second = np.where(a_first, item_b, item_a)
        v_first, v_second, p_first, decided, rt, strategy = self._evaluate(who, first, second,
                                                                           ahead)
        # Where P is NaN the comparison is False, and the higher value is taken instead.
        no_p = np.isnan(p_first)
        choose_first = np.where(no_p, v_first > v_second, next(u) < p_first)
        ties = v_first == v_second
        choose_first = np.where(ties & no_p, next(u) < 0.5, choose_first)
        if decided is not None:
            choose_first = np.where(decided >= 0, decided == 1, choose_first)
        choose_first, shortcut = effects.apply_position_bias(
            spec.position_bias, choose_first, strategy, lambda: next(u))
        done = self.done[who] if ahead is None else self.done[who] + ahead
        choose_first, lapse_rate = effects.apply_lapses(
            spec.fatigue, done, choose_first, strategy, lambda: next(u))
        p_total = effects.probability_first(p_first, shortcut, lapse_rate)
        chosen = np.where(choose_first, first, second)
        other = np.where(choose_first, second, first)
        self._learn(who, chosen, other)
        last = [chosen, np.where(choose_first, v_first, v_second), other,
                np.where(choose_first, v_second, v_first)]
        return dict(
            annotator_id=who, item_a=item_a, item_b=item_b, first=first, chosen=chosen,
            value_a=np.where(a_first, v_first, v_second),
            value_b=np.where(a_first, v_second, v_first),
            p_a=np.where(a_first, p_total, 1 - p_total), rt=rt, strategy=strategy), last

    def _record(self, who, pair_id, judged: dict[str, np.ndarray], last: list[np.ndarray]
                ) -> dict[str, np.ndarray]:
        """Count the judgments of ``who`` in the step and keep them for social influence;
        returns the step's columns."""
        m = len(who)
        self.done[who] += 1
        self.last.record(who, *last)
        self.step_judgments += m
        self.step_lapses += int((judged["strategy"] == effects.LAPSE).sum())
        return dict(step=np.full(m, self.judging_step), pair_id=np.asarray(pair_id),
                    **judged)

    def end_step(self, social: bool = True, drift: bool = True) -> None:
        """Close the step: social influence and drift (unless switched off), then the
        data collector."""
        if social:
            effects.social_influence(self.spec.social, self.neighbours, self.last,
                                     self._memories(), self.effect_draws)
        if drift:
            effects.drift(self.spec.drift, self.weights, self.effect_draws)
        self.step_lapse_rate = (self.step_lapses / self.step_judgments
                                if self.step_judgments else 0.0)
        self.datacollector.collect(self)
        self.judging_step += 1
        self.step_judgments = self.step_lapses = 0

    def _evaluate(self, who, first, second, ahead=None):
        """Each judging annotator's view of its pair (first shown, second shown).

        Returns the values of the two options; P(first) where the model gives one (NaN for
        IBL, which chooses the higher blended value, and ACT-R); the choice where the model
        has made it (1 first, 0 second, -1 not yet: ACT-R decides itself; None when no
        ACT-R annotator judged); the response time (NaN but for ACT-R); and the strategy
        code (index into ``strategy_labels``).
        """
        m = len(who)
        v1, v2, p, rt = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
        p.fill(np.nan)
        rt.fill(np.nan)
        decided = None
        strategy = np.zeros(m, dtype=np.int64)
        kinds = self.kinds[who]
        ibl = (kinds == "ibl").nonzero()[0]
        if len(ibl):
            options = np.empty((len(ibl), 2, 1))      # (annotators, options, attribute)
            options[:, 0, 0], options[:, 1, 0] = first[ibl], second[ibl]
            self.ibl.choose(options, agents=self.slot[who[ibl]],
                            ahead=None if ahead is None else ahead[ibl], checked=True)
            v1[ibl], v2[ibl] = self.ibl.last_blended[:, 0], self.ibl.last_blended[:, 1]
        actr = (kinds == "actr").nonzero()[0] if len(self.actr_rows) else ()
        if len(actr):
            pairs = self.chunks(np.stack([first[actr], second[actr]], axis=1).ravel()
                                ).reshape(len(actr), 2, -1)
            res = self.actr.judge(pairs, 0, agents=self.slot[who[actr]])
            v1[actr], v2[actr] = res["values"][:, 0], res["values"][:, 1]
            decided = np.full(m, -1)
            decided[actr] = 1 - res["choice"]
            rt[actr] = res["rt"]
            strategy[actr] = np.where(res["guess"], STRATEGIES.index("guess"),
                                      self._actr_labels[res["strategy"]])
        for kind in self.random_utility_kinds:         # the kinds this population has
            rows = (kinds == kind).nonzero()[0]
            if len(rows):
                v1[rows], v2[rows], p[rows] = random_utility_judge(
                    kind, self.z[first[rows]], self.z[second[rows]], self.weights[who[rows]],
                    self.scale[who[rows]])
        return v1, v2, p, decided, rt, strategy

    def _outcomes(self, sub: np.ndarray, chosen: np.ndarray):
        """What annotators ``sub`` learn about their chosen items: their own experience (at
        ``experience_rate``) or, at the feedback rate, the gold value, which wins.  Returns
        (outcome, learn mask, gold mask)."""
        spec, rng = self.spec, self.draws
        outcome = np.full(len(sub), np.nan)
        learn = np.zeros(len(sub), dtype=bool)
        gold = np.zeros(len(sub), dtype=bool)
        if spec.experience_rate > 0:
            own = rng.random((len(sub),), sub) < spec.experience_rate
            value = self.experienced_value(sub, chosen, rng)
            outcome[own], learn[own] = value[own], True
        if spec.feedback is not None and spec.feedback.rate > 0:
            gold = rng.random((len(sub),), sub) < spec.feedback.rate
            outcome[gold], learn[gold] = self.gold_value(chosen)[gold], True
        return outcome, learn, gold

    def _learn(self, who, chosen, other) -> None:
        """IBL and ACT-R annotators learn from gold feedback or their own experience; ACT-R
        annotators of groups with utility learning are rewarded +1 for a choice that the
        gold values agree with and -1 for one they contradict."""
        if self.ibl is not None and self.ibl.pending_options is not None \
                and not self._sees_outcomes():
            self.ibl.end_decision()           # no outcome to learn, and no draw for one
        elif self.ibl is not None and self.ibl.pending_options is not None:
            rows = self.kinds[who] == "ibl"
            outcome, learn, _ = self._outcomes(who[rows], chosen[rows])
            # The engine credits the chosen option; choices are given so that a shortcut or
            # a lapse credits the item actually chosen.
            pending_items = self.ibl.pending_options[:, :, 0]
            choice_index = np.where(pending_items[:, 0] == chosen[rows], 0, 1)
            self.ibl.respond(outcome, choices=choice_index, learn=learn)
        if self.actr is None:
            return
        rows = np.flatnonzero(self.kinds[who] == "actr")
        if not len(rows):
            return
        sub, item = who[rows], chosen[rows]
        outcome, learn, gold = self._outcomes(sub, item)
        if learn.any():
            self.actr.learn(self.chunks(item[learn]), outcome[learn],
                            agents=self.slot[sub[learn]])
        reward = gold & self.rewarded[self.slot[sub]]
        if reward.any():
            right = self.gold_value(item) >= self.gold_value(other[rows])
            self.actr.reward(np.where(right[reward], 1.0, -1.0), agents=self.slot[sub[reward]])

    def _memories(self) -> list[tuple[np.ndarray, effects.Store]]:
        """The models that remember (IBL, ACT-R): their annotators and how to store an
        experience of an item at a value in them, for social influence."""
        out = []
        if self.ibl is not None:
            out.append((self.ibl_rows, lambda rows, items, values: self.ibl.populate(
                items[:, None, None].astype(float), values, agents=self.slot[rows])))
        if self.actr is not None:
            out.append((self.actr_rows, lambda rows, items, values: self.actr.learn(
                self.chunks(items), values, agents=self.slot[rows])))
        return out

    # ------------------------------------------------------------------ run
    def run(self, progress: Callable[[int, int], None] | None = None,
            run_id: str = "run-0") -> pd.DataFrame:
        """Run every step; returns the judgments table (see JUDGMENT_COLUMNS).

        Steps are judged in plans of about :data:`JUDGMENTS_PER_PLAN` judgments
        (:meth:`judge_steps`: in one pass when nothing changes the annotators between
        steps), with the same results as :meth:`step` called once per step.
        """
        s = self.steps
        pair_ids = self.pairs["pair_id"].to_numpy() if self.pairs is not None else None
        while s < self.n_steps:
            plan, size = [], 0
            while s < self.n_steps and (not plan or size < JUDGMENTS_PER_PLAN):
                who, pair = self._schedule[s]
                items = self.pair_items[pair]
                plan += [(who, items[:, 0], items[:, 1], pair_ids[pair]), None]
                size += len(who)
                s += 1
            for columns in self.judge_steps(plan):
                self.log.add(**columns)
            self.steps = s                # as Mesa counts the steps of Model.step
            if progress is not None:
                progress(s, self.n_steps)
        return self.judgments(run_id)

    def judgments(self, run_id: str = "run-0") -> pd.DataFrame:
        """The judgments made so far, one row per judgment."""
        return self.log.table(run_id, seed=self.seed_value, item_ids=self.item_ids,
                              group_names=self.group_names, kinds=self.kinds,
                              strategy_labels=self.strategy_labels)

    def true_mean_values(self) -> pd.Series:
        """Each item's value averaged over the annotators' current value functions."""
        return pd.Series(values(self.z, self.weights.mean(axis=0)), index=self.item_ids)


def _earlier_repeats(who: np.ndarray) -> np.ndarray:
    """For each entry of ``who``, how many earlier entries name the same annotator."""
    order = np.argsort(who, kind="stable")
    ranked = who[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    run = np.repeat(starts, np.diff(np.r_[starts, len(who)]))
    out = np.empty(len(who), dtype=np.int64)
    out[order] = np.arange(len(who)) - run
    return out
