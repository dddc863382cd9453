"""Generate a synthetic preference dataset: run a population and write its outputs.

Outputs (in one folder, written through :func:`cogsim.outputs.output_folder`: nothing is
half-written and nothing but these four files is touched):
``judgments.parquet`` (the judgments table), ``preferences.jsonl`` (prompt / chosen /
rejected, for reward-model and DPO trainers), ``spec.toml`` (the resolved spec with seed and
version: enough to regenerate) and ``summary.json`` (counts, agreement, position bias, length and
list bias where the items have those attributes, the Bradley-Terry ranking of items and its
Kendall tau against the true mean values).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cogsim import __version__
from cogsim.errors import check_judgments_fit
from cogsim.generate.plan import pairs_for, resolve
from cogsim.generate.sharded import generate_sharded, judge_shard
from cogsim.outputs import GENERATE_FILES, json_ready, output_folder
from cogsim.spec import PopulationSpec, parse_spec, spec_to_toml

if TYPE_CHECKING:       # the population (Mesa) is loaded by the runs, not by the import
    from cogsim.population import AnnotatorPopulation

__all__ = ["GenerateResult", "OUTPUT_FILES", "generate",
           "generate_sharded", "judge_shard", "preference_view", "summarize", "write_outputs"]

OUTPUT_FILES = GENERATE_FILES


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
    spec, seed = resolve(spec, n_pairs, annotators_per_pair, seed)
    n_planned = len(pairs) if pairs is not None else spec.assignment.pairs
    check_judgments_fit(n_planned, spec.assignment.annotators_per_pair)
    if pairs is None:
        pairs = pairs_for(spec, items, seed)
    from cogsim.population import AnnotatorPopulation

    population = AnnotatorPopulation(spec, items, pairs, seed=seed, source=source)
    if spec.scaling is None:          # the written spec fixes the scaling the run used
        spec = parse_spec({**spec.model_dump(exclude_none=True),
                           "scaling": population.registry.scaling.to_spec()}, source)
    judgments = population.run(progress=progress, run_id=f"{spec.name}-seed{seed}")
    summary = summarize(judgments, population)
    return GenerateResult(spec, seed, items, pairs, judgments, summary, population)


def summarize(judgments: pd.DataFrame, population: AnnotatorPopulation) -> dict:
    """Counts, agreement, position bias, lapses and the Bradley-Terry ranking of items."""
    from cogsim import fidelity  # SciPy's optimizer: loaded when the judging is done

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


def preference_view(judgments: pd.DataFrame, items: pd.DataFrame, *,
                    margin: bool = False) -> pd.DataFrame:
    """One row per judgment: ``prompt``, ``chosen`` and ``rejected`` texts (what TRL's
    reward and DPO trainers read), the item ids, annotator and group, and
    ``value_difference`` = value(chosen) - value(rejected) in the annotator's own value
    units (negative when the annotator chose against its own values: noise, bias, lapse).

    TRL gives a column named ``margin`` a meaning (RewardTrainer subtracts it inside its
    loss), so none is written unless ``margin=True``; then ``margin`` =
    max(0, value_difference), the non-negative strength of the preference that TRL expects.
    """
    text = dict(zip(items["item_id"], items["text"] if "text" in items else items["item_id"]))
    prompt = dict(zip(items["item_id"], items["prompt"])) if "prompt" in items else {}
    chose_a = judgments["chosen"] == judgments["item_a"]
    rejected = np.where(chose_a, judgments["item_b"], judgments["item_a"])
    difference = np.where(chose_a, judgments["value_a"] - judgments["value_b"],
                          judgments["value_b"] - judgments["value_a"])
    view = pd.DataFrame({
        "prompt": judgments["item_a"].map(prompt).fillna("") if prompt else "",
        "chosen": judgments["chosen"].map(text), "rejected": pd.Series(rejected).map(text),
        "chosen_id": judgments["chosen"], "rejected_id": rejected,
        "annotator_id": judgments["annotator_id"], "group": judgments["group"],
        "value_difference": difference})
    if margin:
        view["margin"] = np.maximum(difference, 0.0)
    return view


def write_files(result: GenerateResult, folder: Path, *, margin: bool = False,
                spec_home: Path | None = None) -> None:
    """Write the four outputs into ``folder`` (a temporary folder of `output_folder`);
    ``spec_home`` is where ``spec.toml`` will finally live (its items path is made relative
    to it)."""
    result.judgments.to_parquet(folder / "judgments.parquet", index=False)
    preference_view(result.judgments, result.items, margin=margin).to_json(
        folder / "preferences.jsonl", orient="records", lines=True, force_ascii=False)
    header = {"cogsim version": __version__, "seed": result.seed,
              "regenerate with": f"cogsim generate --population spec.toml "
                                 f"--seed {result.seed}"}
    (folder / "spec.toml").write_text(spec_to_toml(result.spec, header,
                                                   relative_to=spec_home or folder),
                                      encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(
        json_ready({"cogsim_version": __version__, "seed": result.seed, **result.summary}),
        indent=2) + "\n")


def write_outputs(result: GenerateResult, out_dir: str | Path, *, overwrite: bool = False,
                  margin: bool = False) -> Path:
    """Write the four outputs into ``out_dir`` through `cogsim.outputs.output_folder`: a
    non-empty ``out_dir`` is refused unless ``overwrite`` (then only these four files are
    replaced)."""
    with output_folder(out_dir, overwrite=overwrite) as tmp:
        write_files(result, tmp, margin=margin, spec_home=Path(os.path.abspath(out_dir)))
    return Path(out_dir)
