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

import importlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cogsim import __version__
from cogsim.errors import InputError, check_judgments_fit
from cogsim.outputs import GENERATE_FILES, json_ready, output_folder
from cogsim.population import AnnotatorPopulation
from cogsim.population.assignment import check_schedule
from cogsim.spec import PopulationSpec, parse_spec, spec_to_toml
from cogsim.tasks import all_pairs, random_pairs

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
    spec, seed = _resolve(spec, n_pairs, annotators_per_pair, seed)
    n_planned = len(pairs) if pairs is not None else spec.assignment.pairs
    check_judgments_fit(n_planned, spec.assignment.annotators_per_pair)
    if pairs is None:
        pairs = _pairs_for(spec, items, seed)
    population = AnnotatorPopulation(spec, items, pairs, seed=seed, source=source)
    if spec.scaling is None:          # the written spec fixes the scaling the run used
        spec = parse_spec({**spec.model_dump(exclude_none=True),
                           "scaling": population.registry.scaling.to_spec()}, source)
    judgments = population.run(progress=progress, run_id=f"{spec.name}-seed{seed}")
    summary = summarize(judgments, population)
    return GenerateResult(spec, seed, items, pairs, judgments, summary, population)


def _resolve(spec: PopulationSpec, n_pairs: int | None, annotators_per_pair: int | None,
             seed: int | None) -> tuple[PopulationSpec, int]:
    """The spec with the command-line overrides and the seed applied."""
    updates = {}
    if n_pairs is not None:
        updates["pairs"] = n_pairs
    if annotators_per_pair is not None:
        updates["annotators_per_pair"] = annotators_per_pair
    if updates:
        spec = spec.model_copy(update={"assignment": spec.assignment.model_copy(update=updates)})
    seed = spec.seed if seed is None else int(seed)
    if not 0 <= seed < 2**63:
        raise InputError(f"seed: expected a whole number from 0 to 2**63 - 1, got {seed}")
    return spec.model_copy(update={"seed": seed}), seed


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


# ------------------------------------------------------------------ sharded, streaming
#: Judgments a shard holds before writing them as one part; shards of a sharded run unless
#: told otherwise (fixed, so that the dataset's files do not depend on the number of workers).
CHUNK_ROWS, DEFAULT_SHARDS = 250_000, 4


@dataclass
class ShardTask:
    """One shard's work (picklable): the pairs as item codes (n, 2) and ids (``None``: the
    row numbers); the shard computes its part of the schedule (its annotators' entries)."""
    spec: PopulationSpec
    items: pd.DataFrame
    seed: int
    source: str
    shard: int
    n_shards: int
    folder: str
    run_id: str
    chunk_rows: int
    n_steps: int
    codes: np.ndarray
    pair_ids: np.ndarray | None


def _pairs_for(spec: PopulationSpec, items: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The pairs ``generate`` samples for ``spec`` and ``seed`` (the pair stream is the
    seed's 7th spawned sequence)."""
    pair_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(7)[6])
    return (all_pairs(items) if spec.assignment.sampler == "all"
            else random_pairs(items, spec.assignment.pairs, pair_rng))


def _pair_codes(spec: PopulationSpec, items: pd.DataFrame, pairs: pd.DataFrame | None,
                seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The pairs as item codes (rows of ``items``), (n, 2), and their ids (``None`` when
    they are the row numbers).  Sampled pairs are drawn as :func:`_pairs_for` draws them,
    on the items numbered by row: the codes come without a table of ids to look up."""
    if pairs is None:
        numbered = items[[c for c in ("prompt",) if c in items.columns]].assign(
            item_id=np.arange(len(items)))
        pairs = _pairs_for(spec, numbered, seed)
        return pairs[["item_a", "item_b"]].to_numpy(np.int64), None
    index = pd.Index(items["item_id"].astype(str))
    codes = np.stack([index.get_indexer(pairs[c].astype(str)) for c in ("item_a", "item_b")], 1)
    return codes, pairs["pair_id"].to_numpy()


def judge_shard(task: ShardTask) -> dict:
    """Judge the entries of one shard and write them as ``judgments/part-<shard>-<chunk>
    .parquet``.  The shard builds the whole population (parameters and prior experiences come
    from the population's streams in one order) but only its annotators judge; a judgment
    draws from the judge's keyed stream, an annotator learns only from its own judgments, and
    drift moves every annotator's weights from its own stream in every shard alike: the union
    of the shards' judgments is the unsharded run's.  Returns the counts for the summary."""
    from cogsim.population.assignment import shard_entries
    from cogsim.population.judgments import JudgmentLog

    step, who, row = shard_entries(task.spec.assignment, task.spec.n_annotators,
                                   len(task.codes), _assignment_rng(task.seed), task.shard,
                                   task.n_shards, task.source)
    who, row = who.astype(np.int32), row.astype(np.int32)     # 32-bit: half the memory
    a_all, b_all = task.codes[row, 0], task.codes[row, 1]
    pair_id = row.astype(np.int64) if task.pair_ids is None else task.pair_ids[row]
    population = AnnotatorPopulation(task.spec, task.items, None, seed=task.seed,
                                     source=task.source)
    labels = population.strategy_labels
    counts = {"a_won": np.zeros(len(who), bool), "first": 0, "rows": row,
              "groups": np.zeros(len(task.spec.groups), np.int64),
              "strategies": np.zeros(len(labels), np.int64)}
    folder, buffer, rows, part = Path(task.folder) / "judgments", [], 0, 0

    def flush():
        nonlocal buffer, rows, part
        if rows:
            log = JudgmentLog()
            for columns in buffer:
                log.add(**columns)
            table = log.table(task.run_id, seed=task.seed, item_ids=population.item_ids,
                              group_names=population.group_names, kinds=population.kinds,
                              strategy_labels=labels)
            table.to_parquet(folder / f"part-{task.shard:04d}-{part:05d}.parquet", index=False)
            part += 1
        buffer, rows = [], 0

    bounds = np.searchsorted(step, np.arange(task.n_steps + 1))
    for s in range(task.n_steps):
        lo, hi = bounds[s], bounds[s + 1]
        if hi > lo:
            w, a = who[lo:hi], a_all[lo:hi]
            columns = population.judge_step(w, a, b_all[lo:hi], pair_id[lo:hi])
            buffer.append(columns)
            rows += hi - lo
            counts["a_won"][lo:hi] = columns["chosen"] == a
            counts["groups"] += np.bincount(population.group_index[w],
                                            minlength=len(counts["groups"]))
            counts["strategies"] += np.bincount(columns["strategy"],
                                                minlength=len(labels))[:len(labels)]
            counts["first"] += int((columns["chosen"] == columns["first"]).sum())
        population.end_step(social=task.n_shards == 1)
        if rows >= task.chunk_rows:
            flush()
    flush()
    counts.update(labels=list(labels), parts=part)
    if task.shard == 0:
        counts.update(true_values=population.true_mean_values(), n_annotators=population.n,
                      gold_values=pd.Series(population.gold_values, index=population.item_ids),
                      item_ids=population.item_ids, scaling=population.registry.scaling.to_spec(),
                      group_names=[g.name for g in task.spec.groups])
    return counts


def _assignment_rng(seed: int) -> np.random.Generator:
    """The population's assignment stream: the seed's 3rd spawned sequence."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(7)[2])


def _background_import(name: str) -> threading.Thread:
    """Import module ``name`` in a started thread (join it before forking)."""
    thread = threading.Thread(target=importlib.import_module, args=(name,), daemon=True)
    thread.start()
    return thread


def _stream_summary(results: list[dict], rows: list[np.ndarray], codes: np.ndarray) -> dict:
    """The summary of a sharded run from the shards' counts (no judgments table needed);
    ``rows[s]`` are the pair rows of shard s's entries, ``codes`` the pairs' item codes."""
    from cogsim import fidelity

    head = results[0]
    n = np.bincount(np.concatenate(rows), minlength=len(codes))
    a_wins = np.bincount(np.concatenate([r[x["a_won"]] for r, x in zip(rows, results)]),
                         minlength=len(codes))
    total, judged, names = int(n.sum()), n > 0, head["group_names"]
    groups, strategies = (sum(r[k] for r in results) for k in ("groups", "strategies"))
    summary = {"n_judgments": total, "n_pairs": int(judged.sum()),
               "n_annotators": int(head["n_annotators"]), "n_items": int(len(head["item_ids"])),
               "judgments_per_group": {names[g]: int(c) for g, c in enumerate(groups) if c},
               "strategies": {lab: int(c) for lab, c in zip(head["labels"], strategies) if c}}
    twice = n >= 2
    k, nn = a_wins[twice].astype(float), n[twice].astype(float)
    summary["inter_annotator_agreement"] = (
        float(np.mean((k * (k - 1) + (nn - k) * (nn - k - 1)) / (nn * (nn - 1))))
        if twice.any() else None)
    summary.update(position_bias_rate=sum(r["first"] for r in results) / total,
                   lapse_rate=float(summary["strategies"].get("lapse", 0) / total))
    # Items in the order of their ids as text, pairs (lo < hi) sorted: as fidelity orders them.
    ab = codes[judged]
    used = np.unique(ab)                                  # item codes judged
    names_used = np.asarray(head["item_ids"], dtype=object)[used].astype(str)
    ids = np.unique(names_used)
    rank_of = np.zeros(len(head["item_ids"]), dtype=np.int64)
    rank_of[used] = np.searchsorted(ids, names_used)      # one lookup per item, not per pair
    rank = rank_of[ab]
    lo, hi = rank.min(axis=1), rank.max(axis=1)
    lo_wins = np.where(rank[:, 0] == lo, a_wins[judged], n[judged] - a_wins[judged])
    pair, where = np.unique(lo * len(ids) + hi, return_inverse=True)   # sorted by (lo, hi)
    scores = fidelity.bradley_terry_counts(
        pair // len(ids), pair % len(ids), np.bincount(where, lo_wins, len(pair)),
        np.bincount(where, n[judged], len(pair)), len(ids))
    bt = pd.Series(scores, index=ids).sort_values(ascending=False)
    return {**summary, "bradley_terry_ranking": [{"item_id": str(i), "score": round(float(s), 6)}
                                                 for i, s in bt.items()],
            "kendall_tau_vs_true_values": fidelity.kendall_tau(bt, head["true_values"]),
            "kendall_tau_vs_gold_values": fidelity.kendall_tau(bt, head["gold_values"])}


def generate_sharded(spec: PopulationSpec, items: pd.DataFrame, out_dir: str | Path, *,
                     pairs: pd.DataFrame | None = None, n_pairs: int | None = None,
                     annotators_per_pair: int | None = None, seed: int | None = None,
                     source: str = "spec", executor=None, shards: int | None = None,
                     overwrite: bool = False, progress: Callable[[int, int], None] | None = None,
                     chunk_rows: int = CHUNK_ROWS) -> dict:
    """Generate with the annotators split into shards judged in parallel on ``executor``,
    the judgments streamed to a partitioned Parquet dataset; returns the summary.

    Writes (through :func:`cogsim.outputs.output_folder`) ``judgments/part-<shard>-<chunk>
    .parquet`` (``pandas.read_parquet(out_dir / "judgments")`` reads them all), ``spec.toml``
    and ``summary.json`` (counts, agreement, position bias, lapses, the Bradley-Terry ranking
    from pooled counts and its Kendall tau).  A shard writes every ``chunk_rows`` judgments:
    memory does not grow with the judgments (only with what annotators learn).  Shard s of S
    holds annotators i with i mod S = s (:func:`judge_shard`); S is ``shards`` (default
    ``DEFAULT_SHARDS``), never the number of workers, so the files are the same on any
    executor, and their rows are :func:`generate`'s for the same spec and seed.  Social
    influence couples annotators across shards: a spec with ``[social]`` runs as one shard.
    """
    from cogsim.executor import SerialExecutor

    spec, seed = _resolve(spec, n_pairs, annotators_per_pair, seed)
    n_shards = 1 if spec.social is not None else int(shards or DEFAULT_SHARDS)
    if n_shards < 1:
        raise InputError(f"shards: expected a whole number >= 1, got {n_shards}")
    n_shards = min(n_shards, spec.n_annotators)
    executor, run_id = executor or SerialExecutor(), f"{spec.name}-seed{seed}"
    summarizer = _background_import("cogsim.fidelity")    # SciPy: while the pairs are drawn
    codes, pair_ids = _pair_codes(spec, items, pairs, seed)
    codes, pairs = codes.astype(np.int32), None               # 32-bit: half the memory
    n_steps = check_schedule(spec.assignment, spec.n_annotators, len(codes), source)
    summarizer.join()                   # before any worker is forked: no import half-done
    with output_folder(out_dir, overwrite=overwrite) as tmp:
        (tmp / "judgments").mkdir()
        tasks = [ShardTask(spec, items, seed, source, s, n_shards, str(tmp), run_id, chunk_rows,
                           n_steps, codes, pair_ids) for s in range(n_shards)]
        results = executor.map(judge_shard, tasks, progress=progress)
        rows = [r.pop("rows") for r in results]
        summary = {"shards": n_shards, **_stream_summary(results, rows, codes)}
        if spec.scaling is None:
            spec = parse_spec({**spec.model_dump(exclude_none=True),
                               "scaling": results[0]["scaling"]}, source)
        header = {"cogsim version": __version__, "seed": seed,
                  "regenerate with": f"cogsim generate --population spec.toml --seed {seed} "
                                     f"--workers N --shards {n_shards}"}
        (tmp / "spec.toml").write_text(spec_to_toml(spec, header, relative_to=Path(
            os.path.abspath(out_dir))), encoding="utf-8")
        (tmp / "summary.json").write_text(json.dumps(
            json_ready({"cogsim_version": __version__, "seed": seed, **summary}),
            indent=2) + "\n")
    return summary
