"""The population: reproducibility and the realism effects, each with a stated effect size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim import fidelity
from cogsim.generate import generate
from cogsim.spec import SpecError, load_spec, parse_spec
from cogsim.tasks import default_items, load_items

ITEMS = default_items()
IBL = {"name": "g", "share": 1, "model": "ibl", "prior_instances": 5, "value_noise": 1.5,
       "noise": 0.3, "mismatch_penalty": 10.0,
       "values": {"helpfulness": 1.0, "correctness": 0.5}}


def run(groups, extra=None, n=60, pairs=1000, k=3, seed=0, items=ITEMS):
    spec = {"n_annotators": n, "seed": seed, "groups": groups,
            "assignment": {"pairs": pairs, "annotators_per_pair": k}, **(extra or {})}
    return generate(parse_spec(spec), items)


def bt_group(name, values, share=1.0, scale=0.5):
    return {"name": name, "share": share, "model": "bradley_terry", "scale": scale,
            "values": values}


def test_same_seed_same_judgments_different_seed_different():
    spec = load_spec("populations/default.toml")
    items = load_items(spec.items)
    a = generate(spec, items).judgments
    b = generate(spec, items).judgments
    c = generate(spec, items, seed=1).judgments
    pd.testing.assert_frame_equal(a, b)
    assert not a[["chosen", "annotator_id"]].equals(c[["chosen", "annotator_id"]])


def test_position_bias_raises_p_first_to_the_set_level():
    """Indifferent annotators (all weights 0) choose first half the time; with
    p_first = 0.7 the rate is 0.7.  3000 judgments: SE 0.008, tolerance 0.03 (> 3 SE)."""
    flat = [bt_group("flat", {"helpfulness": 0.0})]
    unbiased = run(flat).summary["position_bias_rate"]
    biased = run(flat, {"position_bias": {"p_first": 0.7}}).summary["position_bias_rate"]
    assert abs(unbiased - 0.5) < 0.03
    assert abs(biased - 0.7) < 0.03


def test_fatigue_raises_lapses_over_time():
    """Lapse rate = min(0.4, 0.01 * judgments done): about 0.05 over the first 10
    judgments of each annotator and 0.4 after 40; observed rates within 0.04 of those."""
    r = run([bt_group("b", {"helpfulness": 1.0})], {"fatigue": {"per_judgment": 0.01,
                                                                 "maximum": 0.4}})
    j = r.judgments
    early = (j[j.step < 10]["strategy"] == "lapse").mean()
    late = (j[j.step >= 40]["strategy"] == "lapse").mean()
    assert abs(early - 0.045) < 0.04 and abs(late - 0.4) < 0.04
    lapse_series = r.population.datacollector.get_model_vars_dataframe()["lapse_rate"]
    assert lapse_series.iloc[-10:].mean() > lapse_series.iloc[:10].mean() + 0.25


def gold_accuracy(result) -> float:
    """Share of judgments in the second half choosing the item of higher gold value."""
    j, pop = result.judgments, result.population
    gold = dict(zip(pop.item_ids, pop.gold_values))
    late = j[j.step >= j.step.max() / 2]
    better = np.where(late.item_a.map(gold) > late.item_b.map(gold), late.item_a, late.item_b)
    return float((late.chosen.to_numpy() == better).mean())


def test_feedback_raises_agreement_with_gold():
    """IBL annotators with 5 noisy prior instances agree with the gold ranking on about
    59% of late judgments; seeing the gold value after half of them raises it to about
    74%.  Required: an increase of at least 0.08 (1500 judgments, SE of the difference
    about 0.017)."""
    without = gold_accuracy(run([IBL]))
    with_feedback = gold_accuracy(run([IBL], {"feedback": {"rate": 0.5}}))
    assert with_feedback > without + 0.08


def test_social_influence_raises_agreement_between_neighbours():
    """On a complete network every pair of annotators are neighbours; storing a
    neighbour's latest judgment every step raises their agreement from about 0.535 to
    0.57.  Required over three seeds: a mean increase of at least 0.015 (9000 judgments
    per condition, SE of the mean difference about 0.006)."""
    diffs = []
    for seed in range(3):
        base = run([IBL], seed=seed).summary["inter_annotator_agreement"]
        social = run([IBL], {"social": {"network": "complete", "weight": 1.0}},
                     seed=seed).summary["inter_annotator_agreement"]
        diffs.append(social - base)
    assert np.mean(diffs) > 0.015


def test_groups_with_different_values_produce_different_rankings():
    """Two groups valuing different attributes: each group's Bradley-Terry ranking tracks
    its own values (tau > 0.6) and not the other's (tau below 0.35).  Items without
    prompts, so that any two can be compared and the rankings are identified."""
    groups = [bt_group("helpful", {"helpfulness": 1.0}, 0.5),
              bt_group("concise", {"concision": 1.0, "length": -0.5}, 0.5)]
    r = run(groups, n=40, pairs=2000, k=2, items=ITEMS.drop(columns="prompt"))
    j, pop = r.judgments, r.population
    bt = {g: fidelity.bradley_terry(j[j.group == g]) for g in ("helpful", "concise")}
    truth = {g: pd.Series(pop.z @ pop.weights[pop.group_names == g].mean(axis=0),
                          index=pop.item_ids) for g in ("helpful", "concise")}
    assert fidelity.kendall_tau(bt["helpful"], truth["helpful"]) > 0.6
    assert fidelity.kendall_tau(bt["concise"], truth["concise"]) > 0.6
    assert fidelity.kendall_tau(bt["helpful"], bt["concise"]) < 0.35


def test_drift_moves_values_away_from_their_start():
    """With drift sd 0.05 per step, weights after 50 steps differ from the start by about
    0.05 * sqrt(50) = 0.35 in sd; without drift they do not move."""
    spec = {"helpfulness": 1.0, "correctness": 1.0}
    still = run([bt_group("b", spec)], n=20, pairs=500, k=2)
    moving = run([bt_group("b", spec)], {"drift": {"sd": 0.05}}, n=20, pairs=500, k=2)
    steps = moving.population.n_steps
    cols = [moving.population.attributes.index(a) for a in spec]
    assert np.all(still.population.weights[:, cols] == 1.0)
    moved = moving.population.weights - still.population.weights
    assert abs(moved.std() - 0.05 * np.sqrt(steps)) < 0.1


def test_unknown_attribute_in_spec_names_file_and_field():
    spec = parse_spec({"groups": [{"name": "g", "share": 1, "values": {"lenght": 1.0}}]})
    with pytest.raises(SpecError, match=r"my\.toml: field 'groups\[0\]\.values\.lenght'"):
        generate(spec, ITEMS, source="my.toml")


def test_workload_too_small_is_reported():
    spec = parse_spec({"n_annotators": 5, "groups": [bt_group("b", {"helpfulness": 1.0})],
                       "assignment": {"pairs": 100, "annotators_per_pair": 2, "workload": 10}})
    with pytest.raises(SpecError, match="assignment.workload"):
        generate(spec, ITEMS)


def test_mesa_agents_are_handles_onto_rows():
    r = run([IBL], n=10, pairs=50, k=2)
    pop = r.population
    agents = sorted(pop.agents, key=lambda a: a.index)
    assert len(agents) == 10
    assert agents[3].value_weights["helpfulness"] == pop.weights[3, pop.attributes.index("helpfulness")]
    assert sum(a.judgments_done for a in agents) == len(r.judgments)


def test_packaged_default_population_is_populations_default():
    import cogsim
    packaged = Path(cogsim.__file__).parent / "data" / "default_population.toml"
    assert packaged.read_text() == Path("populations/default.toml").read_text()


# ------------------------------------------------------------------ ACT-R annotators
ACTR = {"name": "a", "share": 1, "model": "actr", "prior_instances": 5, "value_noise": 1.5,
        "noise": 0.3, "values": {"helpfulness": 1.0, "correctness": 0.5}}


def share_choosing_longer(result) -> float:
    j, pop = result.judgments, result.population
    length = dict(zip(pop.item_ids, pop.raw[:, pop.attributes.index("length")]))
    la, lb = j.item_a.map(length).to_numpy(), j.item_b.map(length).to_numpy()
    longer = np.where(la > lb, j.item_a, j.item_b)
    return float((j.chosen.to_numpy() == longer)[la != lb].mean())


def test_actr_annotators_judge_with_response_times_and_strategies():
    """ACT-R rows carry a positive response time; a heuristic judgment takes 3 production
    cycles plus encoding, an evaluation 4 cycles plus two retrievals, so evaluations are
    slower.  Rows of other models have no response time."""
    r = run([{**ACTR, "share": 0.5, "heuristics": ["prefer_first"]},
             {**IBL, "share": 0.5}], n=20, pairs=300, k=2)
    j = r.judgments
    actr, ibl = j[j.model == "actr"], j[j.model == "ibl"]
    assert len(actr) == len(ibl) == 300
    assert np.all(actr.rt > 0) and ibl.rt.isna().all()
    assert set(actr.strategy) == {"evaluate", "prefer_first"}
    first = actr[actr.strategy == "prefer_first"]
    assert (first.chosen == first["first"]).all()
    assert first.value_a.isna().all()
    evaluated = actr[actr.strategy == "evaluate"]
    assert np.isfinite(evaluated[["value_a", "value_b"]].to_numpy()).all()
    assert np.allclose(first.rt, 2.0 + 3 * 0.05)        # default encoding_time 2 s
    assert evaluated.rt.min() > 2.0 + 4 * 0.05


def test_actr_same_seed_same_judgments():
    groups = [{**ACTR, "heuristics": ["prefer_first", "prefer_larger:length"]}]
    a = run(groups, n=10, pairs=100, k=2).judgments
    b = run(groups, n=10, pairs=100, k=2).judgments
    c = run(groups, n=10, pairs=100, k=2, seed=1).judgments
    pd.testing.assert_frame_equal(a, b)
    assert not a[["chosen", "rt"]].equals(c[["chosen", "rt"]])


def test_actr_length_heuristic_raises_preference_for_longer():
    """Adding the prefer_larger:length production (utility 0 against evaluate's 1, noise
    0.5: used on about 22% of judgments) raises P(choose the longer) from about 0.55 to
    0.65.  3000 judgments each, SE of the difference about 0.013; required: +0.05."""
    plain = run([{**ACTR, "heuristics": []}])
    lengthy = run([{**ACTR, "heuristics": ["prefer_larger:length"]}])
    assert set(plain.judgments.strategy) == {"evaluate"}
    assert share_choosing_longer(lengthy) > share_choosing_longer(plain) + 0.05


def test_actr_feedback_raises_agreement_with_gold():
    """ACT-R annotators learning gold values of chosen items on half the judgments agree
    with gold on about 72% of late judgments against about 60% without.  Required: +0.05
    (1500 judgments each, SE of the difference about 0.017)."""
    group = [{**ACTR, "heuristics": []}]
    without = gold_accuracy(run(group))
    with_feedback = gold_accuracy(run(group, {"feedback": {"rate": 0.5}}))
    assert with_feedback > without + 0.05


def test_actr_utility_learning_favours_the_strategy_that_pays():
    """Evaluate and prefer_first start at equal utility (P(evaluate) about 0.5).  Gold
    feedback after every judgment rewards +1/-1: evaluating is right about 70% of the time,
    the shortcut 50%, so with utility learning evaluate wins about 80% of late judgments
    against about 47% without.  Required: +0.15 (1200 late judgments each)."""
    group = {**ACTR, "heuristics": ["prefer_first"], "evaluate_utility": 0.0,
             "utility_noise": 0.2, "prior_instances": 30, "value_noise": 0.5}
    extra = {"feedback": {"rate": 1.0}}

    def late_evaluate(result):
        j = result.judgments
        return float((j[j.step >= 40].strategy == "evaluate").mean())
    fixed = late_evaluate(run([{**group, "utility_learning": False}], extra))
    learning = late_evaluate(run([{**group, "utility_learning": True}], extra))
    assert learning > fixed + 0.15


def test_actr_fields_on_another_model_are_rejected():
    with pytest.raises(SpecError, match=r"field 'groups\[0\]'.*heuristics applies only to "
                                        r"model = 'actr'"):
        parse_spec({"groups": [{**IBL, "heuristics": ["prefer_first"]}]})
    with pytest.raises(SpecError, match="unknown heuristic 'prefer_shorter'"):
        parse_spec({"groups": [{**ACTR, "heuristics": ["prefer_shorter"]}]})


def test_actr_heuristic_on_unknown_attribute_names_the_field():
    spec = parse_spec({"groups": [{**ACTR, "heuristics": ["prefer_larger:lenght"]}]})
    with pytest.raises(SpecError, match=r"my\.toml: field 'groups\[0\]\.heuristics\[0\]': "
                                        r"unknown attribute 'lenght'"):
        generate(spec, ITEMS, source="my.toml")


@pytest.mark.parametrize("path", sorted(Path("populations").glob("*.toml")), ids=str)
def test_every_shipped_population_runs(path):
    spec = load_spec(path)
    items = load_items(path.parent / spec.items) if spec.items else ITEMS
    r = generate(spec, items, n_pairs=60)
    assert len(r.judgments) == 60 * r.spec.assignment.annotators_per_pair
    assert r.judgments.chosen.notna().all()


def test_default_population_matches_alpaca_eval_humans():
    """On its items, the default texts, the default population was tuned to AlpacaEval's
    human annotators: agreement 0.657, P(prefer longer) 0.636, P(prefer lists) 0.604, P(prefer
    first) 0.518.  Over 3 seeds x 600 pairs x 3 annotators (5,400 judgments; SE of each rate
    about 0.007, of agreement about 0.01) each measure is within 0.035 of the human figure."""
    spec = load_spec("populations/default.toml")
    items = load_items(spec.items)
    runs = [generate(spec, items, seed=s, n_pairs=600).summary for s in range(3)]
    mean = {k: np.mean([r[k] for r in runs]) for k in
            ("inter_annotator_agreement", "prefer_longer", "prefer_lists", "position_bias_rate")}
    human = {"inter_annotator_agreement": 0.657, "prefer_longer": 0.636, "prefer_lists": 0.604,
             "position_bias_rate": 0.518}
    for k, v in human.items():
        assert abs(mean[k] - v) < 0.035, (k, mean[k], v)
