"""A population of cognitive annotators as a Mesa model.

Each annotator is a thin Mesa agent: a handle onto one row of the batched models (one
``IBLBatch`` for all IBL annotators, one ``ACTRBatch`` for all ACT-R annotators, value-weight
arrays for the Bradley-Terry/Thurstone baselines).  A model step judges every pair scheduled for that step in one vectorized
call per model kind, then applies the realism effects switched on in the spec: position
bias, fatigue lapses, feedback from gold values, social influence over a network, and
drift of values.

IBL annotators remember items: an instance is (item, experienced value).  Partial matching
compares items by their attributes: the similarity of two items is
1 + sum_j (s_j - 1) / A, with s_j the bounded linear similarity on attribute j over the
item set's range, computed once for every pair of items.

ACT-R annotators hold the same experiences as chunks (item code, the item's attributes,
value) and judge through their production system: evaluate both options by blended
retrieval with partial matching on the item, or take a heuristic (prefer the first shown,
prefer the longer, ...) chosen by noisy utilities.  Their clocks run in seconds: prior
experiences are spread over the ``PRIOR_SPAN`` seconds before the first judgment, and each
judgment takes its modelled response time, which the judgments table records in ``rt``.

Gamble items (an item table with ``outcomes`` and ``probabilities``, see
:func:`cogsim.tasks.gamble_items`) are valued by experience: an IBL or ACT-R annotator's prior
instances are payoffs sampled from the described distributions (mental sampling), feedback
from its own experience is a payoff drawn from the chosen gamble, and the gold value of a
gamble is its expected value unless the spec gives gold weights.
"""

from __future__ import annotations

from typing import Callable

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.special import expit, ndtr

from cogsim.actr import ACTRBatch
from cogsim.ibl import IBLBatch
from cogsim.spec import PopulationSpec, SpecError, sample
from cogsim.tasks import attribute_columns

__all__ = ["Annotator", "AnnotatorPopulation", "JUDGMENT_COLUMNS"]

JUDGMENT_COLUMNS = ["run_id", "step", "pair_id", "annotator_id", "group", "item_a", "item_b",
                    "first", "chosen", "value_a", "value_b", "p_a", "rt", "strategy", "model",
                    "seed"]
STRATEGIES = ["evaluate", "first", "lapse", "guess"]
#: Seconds over which ACT-R annotators' prior experiences are spread before the first judgment.
PRIOR_SPAN = 600.0


class Annotator(mesa.Agent):
    """One annotator: a view onto row ``index`` of the population's arrays."""

    def __init__(self, model: "AnnotatorPopulation", index: int, group: str, kind: str):
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
        return int(self.model.done[self.index])


def _largest_remainder(shares: np.ndarray, n: int) -> np.ndarray:
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts))[: n - counts.sum()]] += 1
    return counts


def item_similarity(z: np.ndarray) -> np.ndarray:
    """Similarity of every pair of items: 1 + mean_j (bounded linear s_j - 1)."""
    span = z.max(axis=0) - z.min(axis=0)
    span[span == 0] = 1.0
    sim = np.ones((len(z), len(z)))
    for j in range(z.shape[1]):
        sim -= np.abs(z[:, None, j] - z[None, :, j]) / span[j] / z.shape[1]
    return sim


def _table_similarity(table: np.ndarray) -> Callable:
    """Similarity of item codes looked up in a precomputed item-by-item table (kept in
    single precision: half the cache footprint for a random-access gather)."""
    flat, n_items = table.astype(np.float32).ravel(), table.shape[1]

    def similarity(x, y):
        index = np.asarray(x).astype(np.intp)
        index *= n_items
        index += np.asarray(y).astype(np.intp)
        return np.take(flat, index)
    similarity.exact_on_equal = True
    return similarity


def _strings(labels: np.ndarray, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """labels[codes] as a pandas string array, built in Arrow (fast for millions of rows)."""
    arr = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                         pa.array(np.asarray(labels, dtype=str)))
    return pd.array(arr.dictionary_decode(), dtype=pd.StringDtype("pyarrow"))


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
        self.payoffs = _payoff_table(self.items)
        index = {item: i for i, item in enumerate(self.item_ids)}
        self.pairs = pairs.reset_index(drop=True)
        self.pair_items = np.stack([self.pairs["item_a"].map(index).to_numpy(),
                                    self.pairs["item_b"].map(index).to_numpy()], axis=1)
        self._build_annotators()
        self._build_schedule()
        self._build_models()
        self._build_network()
        self.done = np.zeros(self.n, dtype=np.int64)
        self._pair_counts = np.zeros((len(self.pairs), 2), dtype=np.int64)
        self._agree_num = self._agree_den = 0
        self._last_choice = np.full(self.n, -1)
        self._last_value = np.zeros(self.n)
        self._last_other = np.full(self.n, -1)
        self._last_other_value = np.zeros(self.n)
        self._records: list[dict] = []
        self.step_lapse_rate = 0.0
        self.datacollector = mesa.DataCollector(model_reporters={
            "agreement": lambda m: m.agreement_so_far(),
            "lapse_rate": lambda m: m.step_lapse_rate,
            "judgments": lambda m: int(m.done.sum())})

    # ------------------------------------------------------------- building
    def _build_annotators(self) -> None:
        spec = self.spec
        self.n = spec.n_annotators
        counts = _largest_remainder(np.array([g.share for g in spec.groups]), self.n)
        self.group_index = np.repeat(np.arange(len(spec.groups)), counts)
        self.group_names = np.array([g.name for g in spec.groups])[self.group_index]
        self.kinds = np.array([g.model for g in spec.groups])[self.group_index]
        self.weights = np.zeros((self.n, len(self.attributes)))
        for gi, g in enumerate(spec.groups):
            rows = np.flatnonzero(self.group_index == gi)
            for a, param in g.values.items():
                self.weights[rows, self.attributes.index(a)] = sample(param, self._rng_params,
                                                                      len(rows))
        gold = spec.feedback.gold if spec.feedback and spec.feedback.gold else None
        if gold is None:
            shares = counts / counts.sum()
            mean_w = np.zeros(len(self.attributes))
            for gi, g in enumerate(spec.groups):
                for a, param in g.values.items():
                    mean_w[self.attributes.index(a)] += shares[gi] * _mean(param)
            self.gold_weights = mean_w
        else:
            self.gold_weights = np.array([gold.get(a, 0.0) for a in self.attributes])
        self.gold_values = self.z @ self.gold_weights
        if self.payoffs is not None and gold is None:
            outcomes, cumulative = self.payoffs
            probabilities = np.diff(cumulative, prepend=0.0, axis=1)
            self.gold_values = (outcomes * probabilities).sum(axis=1)
        for i in range(self.n):
            Annotator(self, i, str(self.group_names[i]), str(self.kinds[i]))

    def _param(self, name: str, rows: np.ndarray, low: float = 0.0) -> np.ndarray | None:
        out = np.zeros(len(rows))
        for gi, g in enumerate(self.spec.groups):
            sel = self.group_index[rows] == gi
            if not sel.any():
                continue
            param = getattr(g, name)
            if param is None:
                return None
            out[sel] = sample(param, self._rng_params, int(sel.sum()))
        return np.maximum(out, low)

    def _build_models(self) -> None:
        every = np.arange(self.n)
        self.scale = self._param("scale", every, low=1e-6)
        self.value_noise = self._param("value_noise", every)
        self.ibl_rows = np.flatnonzero(self.kinds == "ibl")
        self.actr_rows = np.flatnonzero(self.kinds == "actr")
        self.slot = np.full(self.n, -1)          # row of each annotator in its model's batch
        self.slot[self.ibl_rows] = np.arange(len(self.ibl_rows))
        self.slot[self.actr_rows] = np.arange(len(self.actr_rows))
        self.strategy_labels = list(STRATEGIES)
        self.ibl = self.actr = None
        if len(self.ibl_rows) or len(self.actr_rows):
            similarity = _table_similarity(item_similarity(self.z))
        if len(self.ibl_rows):
            rows = self.ibl_rows
            self.ibl = IBLBatch(len(rows), ["item"], noise=self._param("noise", rows),
                                decay=self._param("decay", rows),
                                temperature=self._param("temperature", rows, low=0.01),
                                mismatch_penalty=self._param("mismatch_penalty", rows),
                                seed=self._rng_ibl)
            self.ibl.similarity("item", similarity, 1.0)
            prior = np.rint(self._param("prior_instances", rows)).astype(int)
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
        utility = {"evaluate": self._param("evaluate_utility", rows, low=-np.inf)}
        for h in heuristics:
            utility[h] = np.array([0.0 if h in g.heuristics else -1e6 for g in own])
        self.actr = ACTRBatch(
            len(rows), ["item", *self.attributes], key_attributes=["item"],
            heuristics=heuristics, utility=utility,
            utility_noise=self._param("utility_noise", rows),
            utility_learning=any(g.utility_learning for g in own),
            discount_reward_by_time=False, decay=self._param("decay", rows),
            instantaneous_noise=self._param("noise", rows),
            retrieval_threshold=self._param("retrieval_threshold", rows, low=-np.inf),
            latency_factor=self._param("latency_factor", rows),
            encoding_motor_time=self._param("encoding_time", rows),
            partial_matching=True, mismatch_penalty=self._param("mismatch_penalty", rows),
            blending=True, temperature=self._param("temperature", rows, low=0.01),
            seed=self._rng_actr)
        self.actr.similarity("item", similarity, 1.0)
        self.rewarded = np.array([bool(g.utility_learning) for g in own])
        self.strategy_labels += heuristics
        self._actr_labels = np.array([0] + [self.strategy_labels.index(h) for h in heuristics])
        # Each item as an ACT-R chunk's slots: item code, then the raw attributes.
        self.chunks = np.column_stack([np.arange(len(self.raw), dtype=float), self.raw])
        self.actr.advance(PRIOR_SPAN)
        prior = np.rint(self._param("prior_instances", rows)).astype(int)
        for who, items, value in self._prior_experiences(rows, prior):
            when = self._rng_prior.uniform(0, PRIOR_SPAN, len(who))
            self.actr.learn(self.chunks[items], value, agents=who, when=when)

    def experienced_value(self, annotators: np.ndarray, items: np.ndarray,
                          rng: np.random.Generator) -> np.ndarray:
        """What annotators experience an item to be worth: their value function plus
        Gaussian noise of their ``value_noise``; for a gamble, a draw of its payoff."""
        if self.payoffs is not None:
            outcomes, cumulative = self.payoffs
            u = rng.random(len(items))
            k = (cumulative[items] < u[:, None]).sum(axis=1)
            return outcomes[items, np.minimum(k, outcomes.shape[1] - 1)]
        return (np.einsum("ij,ij->i", self.z[items], self.weights[annotators])
                + rng.normal(0, 1, len(annotators)) * self.value_noise[annotators])

    def _prior_experiences(self, rows: np.ndarray, counts: np.ndarray):
        """Rounds of prior experience: each annotator of ``rows`` gets ``counts`` random
        items valued by :meth:`experienced_value`; yields (batch rows, items, values)."""
        rng = self._rng_prior
        for k in range(int(counts.max()) if len(counts) else 0):
            who = np.flatnonzero(counts > k)
            items = rng.integers(0, len(self.z), len(who))
            yield who, items, self.experienced_value(rows[who], items, rng)

    def _build_schedule(self) -> None:
        a = self.spec.assignment
        k, n, n_pairs = a.annotators_per_pair, self.n, len(self.pairs)
        if k > n:
            raise SpecError(f"{self.source}: field 'assignment.annotators_per_pair': {k} "
                            f"annotators per pair, but the population has only {n}")
        rng = self._rng_assign
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
        if a.workload is not None and load > a.workload:
            raise SpecError(f"{self.source}: field 'assignment.workload': {n_pairs} pairs x "
                            f"{k} annotators need {load} judgments from some annotator, more "
                            f"than the workload of {a.workload}; expected fewer pairs or "
                            f"more annotators")
        self.n_steps = int(step.max()) + 1 if len(step) else 0
        by_step = np.argsort(step, kind="stable")
        bounds = np.searchsorted(step[by_step], np.arange(self.n_steps + 1))
        self._schedule = [(annotator[by_step[bounds[s]:bounds[s + 1]]],
                           pair[by_step[bounds[s]:bounds[s + 1]]]) for s in range(self.n_steps)]

    def _build_network(self) -> None:
        social = self.spec.social
        self.neighbours = None
        if social is None:
            return
        seed = int(self._rng_effects.integers(2 ** 31))
        n = self.n
        if social.network == "complete" or n <= social.degree + 1:
            graph = nx.complete_graph(n)
        elif social.network == "erdos_renyi":
            graph = nx.gnp_random_graph(n, social.degree / max(n - 1, 1), seed=seed)
        else:
            graph = nx.watts_strogatz_graph(n, max(2, social.degree), social.rewire, seed=seed)
        self.graph = graph
        adj = nx.to_scipy_sparse_array(graph, nodelist=range(n), format="csr")
        self.neighbours = (adj.indptr, adj.indices)

    # ---------------------------------------------------------------- steps
    def agreement_so_far(self) -> float:
        """Share of pairs of judgments of the same pair that agree, over all judgments so far."""
        if self._agree_den == 0:
            return float("nan")
        return self._agree_num / self._agree_den

    def _count(self, pair: np.ndarray, chose_a: np.ndarray) -> None:
        """Add judgments to the per-pair counts and to the running agreement sums."""
        touched = np.unique(pair)

        def sums(c):
            total = c.sum(axis=1)
            return int((c * (c - 1)).sum()), int((total * (total - 1)).sum())
        num0, den0 = sums(self._pair_counts[touched])
        np.add.at(self._pair_counts, (pair, np.where(chose_a, 0, 1)), 1)
        num1, den1 = sums(self._pair_counts[touched])
        self._agree_num += num1 - num0
        self._agree_den += den1 - den0

    def step(self) -> None:
        """Judge every pair scheduled for this step, in one batch per model kind."""
        s = self.steps - 1          # Mesa counts steps from 1
        if s >= self.n_steps:
            self.running = False
            return
        who, pair = self._schedule[s]
        rng = self._rng_judge
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
        spec = self.spec
        shortcut = 0.0
        if spec.position_bias is not None:
            shortcut = 2 * spec.position_bias.p_first - 1
            use = rng.random(len(who)) < shortcut
            choose_first = np.where(use, True, choose_first)
            strategy[use] = 1
        lapse_rate = np.zeros(len(who))
        if spec.fatigue is not None:
            f = spec.fatigue
            lapse_rate = np.minimum(f.maximum, f.base + f.per_judgment * self.done[who])
            lapse = rng.random(len(who)) < lapse_rate
            choose_first = np.where(lapse, rng.random(len(who)) < 0.5, choose_first)
            strategy[lapse] = 2
        p_total = lapse_rate * 0.5 + (1 - lapse_rate) * (shortcut + (1 - shortcut) * p_first)
        chosen = np.where(choose_first, first, second)
        v_chosen = np.where(choose_first, v_first, v_second)
        other = np.where(choose_first, second, first)
        self._learn(who, chosen, other)
        self.done[who] += 1
        self._count(pair, chosen == items[:, 0])
        self._last_choice[who] = chosen
        self._last_value[who] = v_chosen
        self._last_other[who] = other
        self._last_other_value[who] = np.where(choose_first, v_second, v_first)
        self._social(who)
        if spec.drift is not None and spec.drift.sd > 0:
            self.weights += self._rng_effects.normal(0, spec.drift.sd, self.weights.shape)
        self.step_lapse_rate = float((strategy == 2).mean()) if len(who) else 0.0
        self._records.append({
            "step": np.full(len(who), s), "pair_id": self.pairs["pair_id"].to_numpy()[pair],
            "annotator_id": who, "item_a": items[:, 0], "item_b": items[:, 1],
            "first": first, "chosen": chosen,
            "value_a": np.where(a_first, v_first, v_second),
            "value_b": np.where(a_first, v_second, v_first),
            "p_a": np.where(a_first, p_total, 1 - p_total), "rt": rt, "strategy": strategy})
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
        for kind, link in (("bradley_terry", expit),
                           ("thurstone", lambda d: ndtr(d / np.sqrt(2)))):
            rows = np.flatnonzero(kinds == kind)
            if len(rows):
                w = self.weights[who[rows]]
                v1[rows] = np.einsum("ij,ij->i", self.z[first[rows]], w)
                v2[rows] = np.einsum("ij,ij->i", self.z[second[rows]], w)
                p[rows] = link((v1[rows] - v2[rows]) / self.scale[who[rows]])
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

    def _social(self, who) -> None:
        """Annotators store a random neighbour's latest judgment as experience: both items,
        valued as the neighbour valued them."""
        social = self.spec.social
        if social is None or social.weight == 0:
            return
        rng = self._rng_effects
        indptr, indices = self.neighbours
        for batch, rows in ((self.ibl, self.ibl_rows), (self.actr, self.actr_rows)):
            if batch is None:
                continue
            degree = indptr[rows + 1] - indptr[rows]
            take = (rng.random(len(rows)) < social.weight) & (degree > 0)
            rows, degree = rows[take], degree[take]
            if not len(rows):
                continue
            pick = indices[indptr[rows] + (rng.random(len(rows)) * degree).astype(int)]
            seen = self._last_choice[pick] >= 0
            rows, pick = rows[seen], pick[seen]
            for item, value in ((self._last_choice, self._last_value),
                                (self._last_other, self._last_other_value)):
                if not len(rows):
                    break
                # An ACT-R neighbour that judged by a heuristic has no values to pass on.
                known = np.isfinite(value[pick])
                if not known.any():
                    continue
                if batch is self.ibl:
                    batch.populate(item[pick][known][:, None, None].astype(float),
                                   value[pick][known], agents=self.slot[rows[known]])
                else:
                    batch.learn(self.chunks[item[pick][known]], value[pick][known],
                                agents=self.slot[rows[known]])

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
        if not self._records:
            return pd.DataFrame(columns=JUDGMENT_COLUMNS)
        cols = {k: np.concatenate([r[k] for r in self._records]) for k in self._records[0]}
        who = cols["annotator_id"]
        df = pd.DataFrame({
            "run_id": run_id, "step": cols["step"].astype(np.int64),
            "pair_id": cols["pair_id"].astype(np.int64), "annotator_id": who.astype(np.int64),
            "group": _strings(self.group_names, who),
            "item_a": _strings(self.item_ids, cols["item_a"]),
            "item_b": _strings(self.item_ids, cols["item_b"]),
            "first": _strings(self.item_ids, cols["first"]),
            "chosen": _strings(self.item_ids, cols["chosen"]), "value_a": cols["value_a"],
            "value_b": cols["value_b"], "p_a": cols["p_a"], "rt": cols["rt"],
            "strategy": _strings(np.array(self.strategy_labels), cols["strategy"]),
            "model": _strings(self.kinds, who),
            "seed": np.int64(self.seed_value)})
        return df[JUDGMENT_COLUMNS]

    def true_mean_values(self) -> pd.Series:
        """Each item's value averaged over the annotators' current value functions."""
        return pd.Series(self.z @ self.weights.mean(axis=0), index=self.item_ids)


def _payoff_table(items: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Gamble items' outcomes and cumulative probabilities, padded to (n_items, K); None
    when the items are not gambles.  Padding repeats the last outcome with cumulative 1."""
    if "outcomes" not in items.columns:
        return None
    width = int(items["outcomes"].map(len).max())
    outcomes = np.empty((len(items), width))
    cumulative = np.ones((len(items), width))
    for i, (x, p) in enumerate(zip(items["outcomes"], items["probabilities"])):
        outcomes[i, :len(x)], outcomes[i, len(x):] = x, x[-1]
        cumulative[i, :len(p)] = np.cumsum(p)
    cumulative[:, -1] = 1.0
    return outcomes, cumulative


def _mean(param) -> float:
    from cogsim.spec import Dist
    if not isinstance(param, Dist):
        return float(param)
    d = param
    return {"fixed": lambda: d.value, "normal": lambda: d.mean,
            "lognormal": lambda: d.median * np.exp(d.sigma ** 2 / 2),
            "uniform": lambda: (d.low + d.high) / 2,
            "beta": lambda: (d.low or 0.0) + ((1.0 if d.high is None else d.high) - (d.low or 0.0))
            * d.a / (d.a + d.b)}[d.dist]()
