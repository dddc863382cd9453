"""A dueling-bandit learner against a living population (the cogsim oracle).

One run: a condition, a seed, K items, a learner (:class:`dueling.DoubleThompson`).  Each
round the learner picks a pair; one annotator, drawn by the oracle, judges it (a duel of
an item with itself asks no one); the learner records who won.  Every ``STEP_ROUNDS`` (60)
rounds are one step of the oracle's clock: the annotators who judged none of the learner's
duels in it do other work (each judges one random pair of the K items), then the step
closes (drift acts).  So every annotator judges once per step and the population's clock
runs with the rounds, whether the learner asks or not.

Conditions
----------
static
    No learning, no drift: the population's preferences stay as they start.
learning
    A judgment (the learner's or other work) is followed, with probability 0.1, by gold
    feedback to its annotator (``Oracle.feedback(judged, outcomes="gold")``: both items'
    values under the spec's rubric, ``[feedback.gold]``).  The IBL annotators (75%) move
    from their own taste towards the rubric; the Bradley-Terry group (25%) does not learn.
drifting
    Every value weight of every annotator takes the spec's random-walk step (``[drift]
    sd``) each step, and annotators experience the item they choose at its value under
    their current weights (``experience_rate = 1``): how drift reaches the IBL annotators,
    whose choices come from their memories.

The population's current preferences
------------------------------------
``P[i, j]``, the probability that an annotator drawn at random (as the oracle draws them)
chooses i over j, is measured every ``probe_every`` rounds on a copy of the oracle (so that
measuring changes nothing), in which every annotator judges every pair ``reps`` times
(shown in random order, position bias included) with drift, experience and feedback off.
The rounds up to the next measurement are scored with it.  The current best item b* is
the Condorcet winner of P, or the Copeland winner when there is none
(:func:`dueling.best_item`); a round's regret is (Delta(a) + Delta(b)) / 2 with
Delta(x) = max(0, P[b*, x] - 1/2) (:func:`dueling.regret`).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
from dueling import DoubleThompson, best_item, condorcet_winner, regret

from cogsim import Oracle
from cogsim.baselines.random_utility import values
from cogsim.spec import PopulationSpec, load_spec
from cogsim.spec import mean as dist_mean
from cogsim.tasks import default_items

HERE = Path(__file__).resolve().parent
SPEC = HERE / "population.toml"

#: Per condition: drift on or off, the experience rate, and the probability that a judgment
#: is followed by gold feedback to its annotator.
CONDITIONS = {
    "static": {"drift": False, "experience_rate": 0.0, "gold_feedback": 0.0},
    "learning": {"drift": False, "experience_rate": 0.0, "gold_feedback": 0.1},
    "drifting": {"drift": True, "experience_rate": 1.0, "gold_feedback": 0.0},
}
#: Rounds per oracle step (each annotator judges at most once per step).
STEP_ROUNDS = 60


def item_values(spec: PopulationSpec) -> pd.DataFrame:
    """The built-in items' values under the crowd's mean taste (``crowd``: the
    share-weighted mean of the groups' mean value weights) and under the rubric
    (``rubric``: ``[feedback.gold]``), over the items' standard units; read from the spec
    alone (no annotator is drawn)."""
    if spec.feedback is None or not spec.feedback.gold:
        raise ValueError("item_values: the spec has no [feedback.gold] rubric")
    pop = Oracle(spec, seed=0, fatigue=False, social=False, drift=False).population
    crowd = np.zeros(len(pop.attributes))
    for g in spec.groups:
        for name, w in g.values.items():
            crowd[pop.attributes.index(name)] += g.share * dist_mean(w)
    ids = default_items()["item_id"].to_numpy()
    z = pop.z[pop.registry.codes(pd.Series(ids))]
    return pd.DataFrame({"crowd": values(z, crowd), "rubric": values(z, pop.gold_weights)},
                        index=pd.Index(ids, name="item_id"))


def choose_items(spec: PopulationSpec, n_items: int = 10, seed: int = 0) -> list[str]:
    """K of the built-in items: the first random draw (``default_rng(seed)``) in which the
    crowd's favourite and the rubric's favourite (:func:`item_values`) differ."""
    v = item_values(spec)
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        pick = np.sort(rng.choice(len(v), n_items, replace=False))
        if v["crowd"].iloc[pick].argmax() != v["rubric"].iloc[pick].argmax():
            return [str(x) for x in v.index[pick]]
    raise ValueError("choose_items: no draw where the crowd's and the rubric's favourite "
                     "differ")


def make_oracle(condition: str, seed: int, spec: PopulationSpec | None = None) -> Oracle:
    """The living population of a condition."""
    spec = load_spec(SPEC) if spec is None else spec
    c = CONDITIONS[condition]
    spec = spec.model_copy(update={"experience_rate": c["experience_rate"]})
    return Oracle(spec, seed=seed, fatigue=False, social=False, drift=c["drift"])


def preference_matrix(oracle: Oracle, ids: list[str], reps: int = 3) -> np.ndarray:
    """P[i, j] = P(an annotator drawn at random prefers item i to j), measured on a copy of
    the oracle: every annotator judges every pair ``reps`` times, shown in random order,
    with drift, social influence, experience and feedback off (the copy is discarded)."""
    probe = copy.deepcopy(oracle)
    pop = probe.population
    pop.spec = pop.spec.model_copy(update={"drift": None, "social": None, "feedback": None,
                                           "experience_rate": 0.0, "fatigue": None})
    K = len(ids)
    index = {x: i for i, x in enumerate(ids)}
    pairs = pd.DataFrame([(ids[i], ids[j]) for i in range(K) for j in range(i + 1, K)],
                         columns=["item_a", "item_b"])
    wins = np.zeros((K, K))
    seen = np.zeros((K, K))
    everyone = list(range(probe.n_annotators))
    for _ in range(reps):
        j = probe.judge(pairs, annotators=everyone)
        a = j["item_a"].map(index).to_numpy()
        b = j["item_b"].map(index).to_numpy()
        a_won = (j["chosen"] == j["item_a"]).to_numpy()
        np.add.at(wins, (a, b), a_won)
        np.add.at(wins, (b, a), ~a_won)
        np.add.at(seen, (a, b), 1)
        np.add.at(seen, (b, a), 1)
    P = np.divide(wins, seen, out=np.full((K, K), 0.5), where=seen > 0)
    np.fill_diagonal(P, 0.5)
    return P


def _other_work(oracle: Oracle, ids: list[str], who: np.ndarray, rng: np.random.Generator,
                gold: float, lessons: np.random.Generator) -> None:
    """The annotators who judged none of the learner's duels in this step judge one random
    pair of the items each; each judgment gets gold feedback with probability ``gold``."""
    if not len(who):
        return
    K = len(ids)
    first = rng.integers(0, K, len(who))
    second = (first + rng.integers(1, K, len(who))) % K
    names = np.asarray(ids)
    work = pd.DataFrame({"item_a": names[first], "item_b": names[second],
                         "annotator_id": who})
    judged = oracle.judge(work)
    if gold:
        taught = lessons.random(len(judged)) < gold
        if taught.any():
            oracle.feedback(judged[taught], outcomes="gold")


def run(condition: str, seed: int, *, rounds: int = 10_000, n_items: int = 10,
        probe_every: int = 250, reps: int = 3, discount: float = 1.0,
        spec: PopulationSpec | None = None) -> dict:
    """One run of the learner against the living population.

    Parameters
    ----------
    condition : {"static", "learning", "drifting"}
    seed : int
        Seeds the population (the oracle) and, through ``SeedSequence([seed, 1])``, the
        learner.
    rounds, n_items, probe_every, reps : int
        Rounds; K items (:func:`choose_items`); rounds between measurements of P;
        judgments per annotator and pair in a measurement.
    discount : float
        The learner's discount of its counts (1: D-TS as published).

    Returns
    -------
    dict
        ``regret`` (per round), ``best`` (b* per measurement), ``condorcet`` (whether
        a Condorcet winner existed, per measurement), ``first``/``second`` (the duels),
        ``queries``, the items, and summary measures.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"condition: expected one of {list(CONDITIONS)}, got {condition!r}")
    spec = load_spec(SPEC) if spec is None else spec
    ids = choose_items(spec, n_items)
    taste = item_values(spec).loc[ids]
    oracle = make_oracle(condition, seed, spec)
    gold = CONDITIONS[condition]["gold_feedback"]
    learner = DoubleThompson(n_items, np.random.default_rng(np.random.SeedSequence([seed, 1])),
                             discount=discount)
    chores = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    lessons = np.random.default_rng(np.random.SeedSequence([seed, 3]))
    everyone = np.arange(oracle.n_annotators)
    per_round = np.zeros(rounds)
    duels = np.zeros((rounds, 2), dtype=np.int64)
    best, has_cw, margin = [], [], []
    judged_in_step: list[int] = []
    queries = 0
    for t in range(rounds):
        if t % probe_every == 0:
            P = preference_matrix(oracle, ids, reps)
            b_star = best_item(P)
            best.append(b_star)
            has_cw.append(condorcet_winner(P) is not None)
            margin.append(float(np.delete(P[b_star], b_star).min()))
        a, b = learner.select()
        duels[t] = a, b
        per_round[t] = regret(P, a, b, b_star)
        if a != b:
            judged = oracle.judge([(ids[a], ids[b])], k=1)
            a_won = judged["chosen"].iloc[0] == ids[a]
            learner.update(a if a_won else b, b if a_won else a)
            if gold and lessons.random() < gold:
                oracle.feedback(judged, outcomes="gold")
            judged_in_step.append(int(judged["annotator_id"].iloc[0]))
            queries += 1
        else:
            learner.update(a, a)
        if (t + 1) % STEP_ROUNDS == 0:
            _other_work(oracle, ids, np.setdiff1d(everyone, judged_in_step), chores,
                        gold, lessons)
            oracle.end_step()
            judged_in_step = []
    P_end = preference_matrix(oracle, ids, reps)
    final_best = best_item(P_end)
    last = duels[-min(1000, rounds):]
    return {
        "condition": condition, "seed": seed, "rounds": rounds, "items": ids,
        "discount": discount, "probe_every": probe_every,
        "crowd_favourite": int(taste["crowd"].to_numpy().argmax()),
        "rubric_favourite": int(taste["rubric"].to_numpy().argmax()),
        "regret": per_round, "best": best, "condorcet": has_cw, "best_margin": margin,
        "first": duels[:, 0], "second": duels[:, 1], "final_best": final_best,
        "cumulative_regret": float(per_round.sum()),
        "regret_last_1000": float(per_round[-len(last):].sum()),
        "queries": queries,
        "best_changes": int(np.sum(np.diff(best) != 0)),
        "distinct_best": len(set(best)),
        "last_1000_first_is_best": float(np.mean(last[:, 0] == final_best)),
        "condorcet_share": float(np.mean(has_cw)),
    }
