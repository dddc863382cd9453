"""The population: reproducibility and the realism effects, each with a stated effect size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cogsim import fidelity
from cogsim.generate import generate
from cogsim.spec import SpecError, load_spec, parse_spec
from cogsim.tasks import default_items

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
    a = generate(spec, ITEMS).judgments
    b = generate(spec, ITEMS).judgments
    c = generate(spec, ITEMS, seed=1).judgments
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
    from pathlib import Path
    import cogsim
    packaged = Path(cogsim.__file__).parent / "data" / "default_population.toml"
    assert packaged.read_text() == Path("populations/default.toml").read_text()
