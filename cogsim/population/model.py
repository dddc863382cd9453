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

from collections.abc import Callable, Iterator

import mesa
import numpy as np
import pandas as pd

from cogsim.actr import ACTRBatch
from cogsim.baselines.random_utility import RANDOM_UTILITY_KINDS
from cogsim.baselines.random_utility import judge as random_utility_judge
from cogsim.ibl import IBLBatch
from cogsim.payoffs import payoff_table
from cogsim.population import assignment, effects, parameters
from cogsim.population.judgments import STRATEGIES, JudgmentLog
from cogsim.similarity import item_similarity, similarity_lookup
from cogsim.spec import PopulationSpec, SpecError
from cogsim.tasks import attribute_columns

__all__ = ["PRIOR_SPAN", "Annotator", "AnnotatorPopulation"]

#: Seconds over which ACT-R annotators' prior experiences are spread before the first judgment.
PRIOR_SPAN = 600.0


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


class AnnotatorPopulation(mesa.Model):
    """Annotators judging pairs of items, one batch of judgments per step.

    Parameters
    ----------
    spec : PopulationSpec
    items : DataFrame
        Item table (``item_id`` and numeric attributes).
    pairs : DataFrame
        Pairs to judge (``pair_id``, ``item_a``, ``item_b``); each is judged by
        ``spec.assignment.annotators_per_pair`` annotators.
    seed : int, optional
        Overrides ``spec.seed``; every random draw derives from it.
    source : str
        Where the spec came from, for error messages.
    """

    def __init__(self, spec: PopulationSpec, items: pd.DataFrame, pairs: pd.DataFrame,
                 seed: int | None = None, source: str = "spec"):
        seed = spec.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.spec, self.seed_value, self.source = spec, seed, source
        self.attributes = attribute_columns(items)
        spec.check_attributes(self.attributes, source)
        streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
        self._rng_params, self._rng_prior, self._rng_assign, self._rng_judge, \
            self._rng_effects, self._rng_ibl, self._rng_actr = streams
        self.items = items.reset_index(drop=True)
        self.item_ids = self.items["item_id"].to_numpy().astype(str)
        raw = self.raw = self.items[self.attributes].to_numpy(dtype=float)
        sd = raw.std(axis=0)
        self.z = (raw - raw.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        self.payoffs = payoff_table(self.items)
        index = {item: i for i, item in enumerate(self.item_ids)}
        self.pairs = pairs.reset_index(drop=True)
        self.pair_items = np.stack([self.pairs["item_a"].map(index).to_numpy(),
                                    self.pairs["item_b"].map(index).to_numpy()], axis=1)
        self._build_annotators()
        self._schedule = assignment.schedule(spec.assignment, self.n, len(self.pairs),
                                             self._rng_assign, source)
        self.n_steps = len(self._schedule)
        self._build_models()
        network = effects.social_network(spec.social, self.n, self._rng_effects)
        self.graph, self.neighbours = network if network is not None else (None, None)
        self.done = np.zeros(self.n, dtype=np.int64)
        self.last = effects.LastJudgments(self.n)
        self.log = JudgmentLog()
        self.step_lapse_rate = 0.0
        self.datacollector = mesa.DataCollector(model_reporters={
            "lapse_rate": lambda m: m.step_lapse_rate,
            "judgments": lambda m: int(m.done.sum())})

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
        if gold is None:
            self.gold_weights = parameters.gold_weights(groups, counts, self.attributes)
        else:
            self.gold_weights = np.array([gold.get(a, 0.0) for a in self.attributes])
        self.gold_values = self.z @ self.gold_weights
        if self.payoffs is not None and gold is None:
            self.gold_values = self.payoffs.expected_values()
        for i in range(self.n):
            Annotator(self, i, str(self.group_names[i]), str(self.kinds[i]))

    def _draw(self, engine: str, rows: np.ndarray) -> dict[str, np.ndarray | None]:
        return parameters.draw_arguments(engine, self.spec.groups, self.group_index, rows,
                                         self._rng_params)

    def _build_models(self) -> None:
        """Every annotator's parameters, and one batched model per kind with its priors."""
        drawn = self._draw("all", np.arange(self.n))
        self.scale, self.value_noise = drawn["scale"], drawn["value_noise"]
        self.ibl_rows = np.flatnonzero(self.kinds == "ibl")
        self.actr_rows = np.flatnonzero(self.kinds == "actr")
        self.slot = np.full(self.n, -1)          # row of each annotator in its model's batch
        self.slot[self.ibl_rows] = np.arange(len(self.ibl_rows))
        self.slot[self.actr_rows] = np.arange(len(self.actr_rows))
        self.strategy_labels = list(STRATEGIES)
        self.ibl = self.actr = None
        if len(self.ibl_rows) or len(self.actr_rows):
            similarity = similarity_lookup(item_similarity(self.z))
        if len(self.ibl_rows):
            rows = self.ibl_rows
            args = self._draw("ibl", rows)
            prior = np.rint(args.pop("prior_instances")).astype(int)
            self.ibl = IBLBatch(len(rows), ["item"], **args, seed=self._rng_ibl)
            self.ibl.similarity("item", similarity, 1.0)
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
            **args, seed=self._rng_actr)
        self.actr.similarity("item", similarity, 1.0)
        self.rewarded = np.array([bool(g.utility_learning) for g in own])
        self.strategy_labels += heuristics
        self._actr_labels = np.array([0] + [self.strategy_labels.index(h) for h in heuristics])
        # Each item as an ACT-R chunk's slots: item code, then the raw attributes.
        self.chunks = np.column_stack([np.arange(len(self.raw), dtype=float), self.raw])
        self.actr.advance(PRIOR_SPAN)
        for who, items, value in self._prior_experiences(rows, prior):
            when = self._rng_prior.uniform(0, PRIOR_SPAN, len(who))
            self.actr.learn(self.chunks[items], value, agents=who, when=when)

    def experienced_value(self, annotators: np.ndarray, items: np.ndarray,
                          rng: np.random.Generator) -> np.ndarray:
        """What annotators experience an item to be worth: their value function plus
        Gaussian noise of their ``value_noise``; for a gamble, a draw of its payoff."""
        if self.payoffs is not None:
            return self.payoffs.draw(items, rng)
        return (np.einsum("ij,ij->i", self.z[items], self.weights[annotators])
                + rng.normal(0, 1, len(annotators)) * self.value_noise[annotators])

    def _prior_experiences(self, rows: np.ndarray, counts: np.ndarray
                           ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Rounds of prior experience: each annotator of ``rows`` gets ``counts`` random
        items valued by :meth:`experienced_value`; yields (batch rows, items, values)."""
        rng = self._rng_prior
        for k in range(int(counts.max()) if len(counts) else 0):
            who = np.flatnonzero(counts > k)
            items = rng.integers(0, len(self.z), len(who))
            yield who, items, self.experienced_value(rows[who], items, rng)

    # ---------------------------------------------------------------- steps
    def step(self) -> None:
        """Judge every pair scheduled for this step, in one batch per model kind."""
        s = self.steps - 1          # Mesa counts steps from 1
        if s >= self.n_steps:
            self.running = False
            return
        who, pair = self._schedule[s]
        rng, spec = self._rng_judge, self.spec
        items = self.pair_items[pair]                    # (m, 2): item_a, item_b
        a_first = rng.random(len(who)) < 0.5
        first = np.where(a_first, items[:, 0], items[:, 1])
        second = np.where(a_first, items[:, 1], items[:, 0])
        v_first, v_second, p_first, decided, rt, strategy = self._evaluate(who, first, second)
        choose_first = np.where(np.isnan(p_first), v_first > v_second,
                                rng.random(len(who)) < np.nan_to_num(p_first))
        ties = v_first == v_second
        choose_first = np.where(ties & np.isnan(p_first), rng.random(len(who)) < 0.5,
                                choose_first)
        choose_first = np.where(decided >= 0, decided == 1, choose_first)
        choose_first, shortcut = effects.apply_position_bias(spec.position_bias, choose_first,
                                                             strategy, rng)
        choose_first, lapse_rate = effects.apply_lapses(spec.fatigue, self.done[who],
                                                        choose_first, strategy, rng)
        p_total = effects.probability_first(p_first, shortcut, lapse_rate)
        chosen = np.where(choose_first, first, second)
        other = np.where(choose_first, second, first)
        self._learn(who, chosen, other)
        self.done[who] += 1
        self.last.record(who, chosen, np.where(choose_first, v_first, v_second), other,
                         np.where(choose_first, v_second, v_first))
        effects.social_influence(spec.social, self.neighbours, self.last, self._memories(),
                                 self._rng_effects)
        effects.drift(spec.drift, self.weights, self._rng_effects)
        self.step_lapse_rate = (float((strategy == effects.LAPSE).mean()) if len(who)
                                else 0.0)
        self.log.add(
            step=np.full(len(who), s), pair_id=self.pairs["pair_id"].to_numpy()[pair],
            annotator_id=who, item_a=items[:, 0], item_b=items[:, 1], first=first,
            chosen=chosen, value_a=np.where(a_first, v_first, v_second),
            value_b=np.where(a_first, v_second, v_first),
            p_a=np.where(a_first, p_total, 1 - p_total), rt=rt, strategy=strategy)
        self.datacollector.collect(self)

    def _evaluate(self, who, first, second):
        """Each judging annotator's view of its pair (first shown, second shown).

        Returns the values of the two options; P(first) where the model gives one (NaN for
        IBL, which chooses the higher blended value, and ACT-R); the choice where the model
        has made it (1 first, 0 second, -1 not yet: ACT-R decides itself); the response
        time (NaN but for ACT-R); and the strategy code (index into ``strategy_labels``).
        """
        m = len(who)
        v1, v2, p = np.empty(m), np.empty(m), np.full(m, np.nan)
        decided, rt = np.full(m, -1), np.full(m, np.nan)
        strategy = np.zeros(m, dtype=np.int64)
        kinds = self.kinds[who]
        ibl = np.flatnonzero(kinds == "ibl")
        if len(ibl):
            options = np.stack([first[ibl], second[ibl]], axis=1)[:, :, None].astype(float)
            self.ibl.choose(options, agents=self.slot[who[ibl]])
            v1[ibl], v2[ibl] = self.ibl.last_blended[:, 0], self.ibl.last_blended[:, 1]
        actr = np.flatnonzero(kinds == "actr")
        if len(actr):
            pairs = self.chunks[np.stack([first[actr], second[actr]], axis=1)]
            res = self.actr.judge(pairs, 0, agents=self.slot[who[actr]])
            v1[actr], v2[actr] = res["values"][:, 0], res["values"][:, 1]
            decided[actr] = 1 - res["choice"]
            rt[actr] = res["rt"]
            strategy[actr] = np.where(res["guess"], STRATEGIES.index("guess"),
                                      self._actr_labels[res["strategy"]])
        for kind in RANDOM_UTILITY_KINDS:
            rows = np.flatnonzero(kinds == kind)
            if len(rows):
                v1[rows], v2[rows], p[rows] = random_utility_judge(
                    kind, self.z[first[rows]], self.z[second[rows]], self.weights[who[rows]],
                    self.scale[who[rows]])
        return v1, v2, p, decided, rt, strategy

    def _outcomes(self, sub: np.ndarray, chosen: np.ndarray):
        """What annotators ``sub`` learn about their chosen items: their own experience (at
        ``experience_rate``) or, at the feedback rate, the gold value, which wins.  Returns
        (outcome, learn mask, gold mask)."""
        spec, rng = self.spec, self._rng_effects
        outcome = np.full(len(sub), np.nan)
        learn = np.zeros(len(sub), dtype=bool)
        gold = np.zeros(len(sub), dtype=bool)
        if spec.experience_rate > 0:
            own = rng.random(len(sub)) < spec.experience_rate
            value = self.experienced_value(sub, chosen, rng)
            outcome[own], learn[own] = value[own], True
        if spec.feedback is not None and spec.feedback.rate > 0:
            gold = rng.random(len(sub)) < spec.feedback.rate
            outcome[gold], learn[gold] = self.gold_values[chosen][gold], True
        return outcome, learn, gold

    def _learn(self, who, chosen, other) -> None:
        """IBL and ACT-R annotators learn from gold feedback or their own experience; ACT-R
        annotators of groups with utility learning are rewarded +1 for a choice that the
        gold values agree with and -1 for one they contradict."""
        if self.ibl is not None and self.ibl.pending_options is not None:
            rows = self.kinds[who] == "ibl"
            outcome, learn, _ = self._outcomes(who[rows], chosen[rows])
            # The engine credits the chosen option; choices are given so that a shortcut or
            # a lapse credits the item actually chosen.
            pending_items = self.ibl.pending_options[:, :, 0]
            choice_index = np.where(pending_items[:, 0] == chosen[rows], 0, 1)
            self.ibl.respond(outcome, choices=choice_index, learn=learn)
        rows = np.flatnonzero(self.kinds[who] == "actr")
        if self.actr is None or not len(rows):
            return
        sub, item = who[rows], chosen[rows]
        outcome, learn, gold = self._outcomes(sub, item)
        if learn.any():
            self.actr.learn(self.chunks[item[learn]], outcome[learn],
                            agents=self.slot[sub[learn]])
        reward = gold & self.rewarded[self.slot[sub]]
        if reward.any():
            right = self.gold_values[item] >= self.gold_values[other[rows]]
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
                self.chunks[items], values, agents=self.slot[rows])))
        return out

    # ------------------------------------------------------------------ run
    def run(self, progress: Callable[[int, int], None] | None = None,
            run_id: str = "run-0") -> pd.DataFrame:
        """Run every step; returns the judgments table (see JUDGMENT_COLUMNS)."""
        for s in range(self.n_steps):
            self.step()
            if progress is not None:
                progress(s + 1, self.n_steps)
        return self.judgments(run_id)

    def judgments(self, run_id: str = "run-0") -> pd.DataFrame:
        """The judgments made so far, one row per judgment."""
        return self.log.table(run_id, seed=self.seed_value, item_ids=self.item_ids,
                              group_names=self.group_names, kinds=self.kinds,
                              strategy_labels=self.strategy_labels)

    def true_mean_values(self) -> pd.Series:
        """Each item's value averaged over the annotators' current value functions."""
        return pd.Series(self.z @ self.weights.mean(axis=0), index=self.item_ids)
