"""Generate a synthetic preference dataset: run a population and write its outputs.

Outputs (in one folder, written atomically: a temporary folder renamed at the end):
``judgments.parquet`` (the judgments table), ``preferences.jsonl`` (prompt / chosen /
rejected, for reward-model and DPO trainers), ``spec.toml`` (the resolved spec with seed and
version: enough to regenerate) and ``summary.json`` (counts, agreement, position bias, length and
list bias where the items have those attributes, the Bradley-Terry ranking of items and its
Kendall tau against the true mean values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from cogsim import __version__, fidelity
from cogsim.outputs import atomic_directory, json_ready
from cogsim.population import AnnotatorPopulation
from cogsim.spec import PopulationSpec, spec_to_toml
from cogsim.tasks import all_pairs, random_pairs

__all__ = ["GenerateResult", "generate", "preference_view", "summarize", "write_outputs"]


@dataclass
class GenerateResult:
    """What a generation run produced."""

    spec: PopulationSpec
    seed: int
    items: pd.DataFrame
    pairs: pd.DataFrame
    judgments: pd.DataFrame
    summary: dict
    population: AnnotatorPopulation


def generate(spec: PopulationSpec, items: pd.DataFrame, *, pairs: pd.DataFrame | None = None,
             n_pairs: int | None = None, annotators_per_pair: int | None = None,
             seed: int | None = None, source: str = "spec",
             progress: Callable[[int, int], None] | None = None) -> GenerateResult:
    """Run the population of ``spec`` on ``items``; command-line options override the spec."""
    updates = {}
    if n_pairs is not None:
        updates["pairs"] = n_pairs
    if annotators_per_pair is not None:
        updates["annotators_per_pair"] = annotators_per_pair
    if updates:
        spec = spec.model_copy(update={"assignment": spec.assignment.model_copy(update=updates)})
    seed = spec.seed if seed is None else int(seed)
    spec = spec.model_copy(update={"seed": seed})
    if pairs is None:
        pair_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(7)[6])
        pairs = (all_pairs(items) if spec.assignment.sampler == "all"
                 else random_pairs(items, spec.assignment.pairs, pair_rng))
    population = AnnotatorPopulation(spec, items, pairs, seed=seed, source=source)
    judgments = population.run(progress=progress, run_id=f"{spec.name}-seed{seed}")
    summary = summarize(judgments, population)
    return GenerateResult(spec, seed, items, pairs, judgments, summary, population)


def summarize(judgments: pd.DataFrame, population: AnnotatorPopulation) -> dict:
    """Counts, agreement, position bias, lapses and the Bradley-Terry ranking of items."""
    summary = {"n_judgments": int(len(judgments)),
               "n_pairs": int(judgments["pair_id"].nunique()),
               "n_annotators": int(judgments["annotator_id"].nunique()),
               "n_items": int(len(population.items)),
               "judgments_per_group": {str(k): int(v) for k, v in
                                       judgments["group"].value_counts().sort_index().items()},
               "strategies": {str(k): int(v) for k, v in
                              judgments["strategy"].value_counts().sort_index().items()}}
    try:
        summary["inter_annotator_agreement"] = fidelity.pairwise_agreement(judgments)
    except ValueError:
        summary["inter_annotator_agreement"] = None
    summary["position_bias_rate"] = float((judgments["chosen"] == judgments["first"]).mean())
    summary["lapse_rate"] = float((judgments["strategy"] == "lapse").mean())
    if "length" in population.attributes:
        try:
            summary["prefer_longer"] = fidelity.prefer_longer(judgments, population.items)
        except ValueError:
            pass
    if "has_list" in population.attributes:
        try:
            lists = population.items.assign(is_list=population.items["has_list"] > 0)
            summary["prefer_lists"] = fidelity.prefer_lists(judgments, lists)
        except ValueError:
            pass
    bt = fidelity.bradley_terry(judgments).sort_values(ascending=False)
    truth = population.true_mean_values()
    summary["bradley_terry_ranking"] = [{"item_id": str(i), "score": round(float(s), 6)}
                                        for i, s in bt.items()]
    summary["kendall_tau_vs_true_values"] = fidelity.kendall_tau(bt, truth)
    summary["kendall_tau_vs_gold_values"] = fidelity.kendall_tau(
        bt, pd.Series(population.gold_values, index=population.item_ids))
    return summary


def preference_view(judgments: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """One row per judgment: prompt, chosen and rejected texts, annotator, group, margin."""
    text = dict(zip(items["item_id"], items["text"] if "text" in items else items["item_id"]))
    prompt = dict(zip(items["item_id"], items["prompt"])) if "prompt" in items else {}
    chose_a = judgments["chosen"] == judgments["item_a"]
    rejected = np.where(chose_a, judgments["item_b"], judgments["item_a"])
    margin = np.where(chose_a, judgments["value_a"] - judgments["value_b"],
                      judgments["value_b"] - judgments["value_a"])
    return pd.DataFrame({
        "prompt": judgments["item_a"].map(prompt).fillna("") if prompt else "",
        "chosen": judgments["chosen"].map(text), "rejected": pd.Series(rejected).map(text),
        "chosen_id": judgments["chosen"], "rejected_id": rejected,
        "annotator_id": judgments["annotator_id"], "group": judgments["group"],
        "margin": margin})


def write_outputs(result: GenerateResult, out_dir: str | Path) -> Path:
    """Write the four outputs into ``out_dir``, replacing it only once all are written."""
    with atomic_directory(out_dir) as tmp:
        result.judgments.to_parquet(tmp / "judgments.parquet", index=False)
        preference_view(result.judgments, result.items).to_json(
            tmp / "preferences.jsonl", orient="records", lines=True, force_ascii=False)
        header = {"cogsim version": __version__, "seed": result.seed,
                  "regenerate with": f"cogsim generate --population spec.toml "
                                     f"--seed {result.seed}"}
        (tmp / "spec.toml").write_text(spec_to_toml(result.spec, header))
        (tmp / "summary.json").write_text(json.dumps(
            json_ready({"cogsim_version": __version__, "seed": result.seed, **result.summary}),
            indent=2) + "\n")
    return Path(out_dir)
