"""``generate`` split into shards of annotators judged in parallel, the judgments streamed to
a partitioned Parquet dataset (``cogsim generate --workers/--scheduler/--shards``).

The parent draws the pairs, checks the assignment and hands each shard its number; a shard
computes its own part of the schedule (:func:`cogsim.population.assignment.shard_entries`),
builds the population and judges.  The parent sums the shards' counts as they come in and
writes the summary; it never imports the population (a forked worker does, in parallel).
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
from cogsim.errors import InputError
from cogsim.generate.plan import assignment_rng, pair_codes, resolve
from cogsim.outputs import json_ready, output_folder
from cogsim.population.assignment import check_schedule
from cogsim.spec import PopulationSpec, parse_spec, spec_to_toml

__all__ = ["CHUNK_ROWS", "DEFAULT_SHARDS", "ShardTask", "generate_sharded", "judge_shard"]

#: Judgments a shard holds before writing them as one part; shards of a sharded run unless
#: told otherwise (fixed, so that the dataset's files do not depend on the number of workers).
CHUNK_ROWS, DEFAULT_SHARDS = 250_000, 4
#: The summary counts item pairs in a table of (items judged)^2 cells up to this many cells
#: beyond 4 per pair (else it sorts the pairs); either way the counts are the same.
TABLE_CELLS = 2**20


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


def judge_shard(task: ShardTask) -> dict:
    """Judge the entries of one shard and write them as ``judgments/part-<shard>-<chunk>
    .parquet``.  The shard builds the whole population (parameters and prior experiences come
    from the population's streams in one order) but only its annotators judge; a judgment
    draws from the judge's keyed stream, an annotator learns only from its own judgments, and
    drift moves every annotator's weights from its own stream in every shard alike: the union
    of the shards' judgments is the unsharded run's.  Returns the counts for the summary."""
    from cogsim.population import AnnotatorPopulation
    from cogsim.population.assignment import shard_entries
    from cogsim.population.judgments import JudgmentLog
    from cogsim.population.model import JUDGMENTS_PER_PLAN

    step, who, row = shard_entries(task.spec.assignment, task.spec.n_annotators,
                                   len(task.codes), assignment_rng(task.seed), task.shard,
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
    s = 0
    while s < task.n_steps:             # plans of steps, judged in one pass when they can be
        plan, spans, size = [], [], 0
        while s < task.n_steps and (not spans or size < JUDGMENTS_PER_PLAN):
            lo, hi = bounds[s], bounds[s + 1]
            if hi > lo:
                plan.append((who[lo:hi], a_all[lo:hi], b_all[lo:hi], pair_id[lo:hi]))
                spans.append((lo, hi))
                size += hi - lo
            plan.append(None)
            s += 1
        judged = iter(population.judge_steps(plan, social=task.n_shards == 1))
        for entry in plan:
            if entry is not None:
                lo, hi = spans.pop(0)
                columns = next(judged)
                buffer.append(columns)
                rows += hi - lo
                counts["a_won"][lo:hi] = columns["chosen"] == entry[1]
                counts["groups"] += np.bincount(population.group_index[entry[0]],
                                                minlength=len(counts["groups"]))
                counts["strategies"] += np.bincount(columns["strategy"],
                                                    minlength=len(labels))[:len(labels)]
                counts["first"] += int((columns["chosen"] == columns["first"]).sum())
            elif rows >= task.chunk_rows:   # after each step, as the parts were always cut
                flush()
    flush()
    counts.update(labels=list(labels), parts=part)
    if task.shard == 0:
        counts.update(true_values=population.true_mean_values(), n_annotators=population.n,
                      gold_values=pd.Series(population.gold_values, index=population.item_ids),
                      item_ids=population.item_ids, scaling=population.registry.scaling.to_spec(),
                      group_names=[g.name for g in task.spec.groups])
    return counts


def _background_import(name: str) -> threading.Thread:
    """Import module ``name`` in a started daemon thread (never start one before a fork:
    a child forked during an import would find the module half-done)."""
    thread = threading.Thread(target=importlib.import_module, args=(name,), daemon=True)
    thread.start()
    return thread


def _judge_shards(executor, tasks: list[ShardTask], progress: Callable[[int, int], None] | None
                  ) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """Run the shards on ``executor``; returns their counts and, per pair, the judgments and
    the wins of option a, summed as the shards finish.  SciPy (for the summary) is imported
    in a thread once a shard has finished: the workers are running by then (no fork while an
    import is half-done), and the import overlaps their work."""
    results, n_pairs, importer = [None] * len(tasks), len(tasks[0].codes), None
    n, a_wins = np.zeros(n_pairs, np.int64), np.zeros(n_pairs, np.int64)
    for done, (i, result) in enumerate(executor.imap(judge_shard, tasks), start=1):
        rows = result.pop("rows")
        n += np.bincount(rows, minlength=n_pairs)
        a_wins += np.bincount(rows[result.pop("a_won")], minlength=n_pairs)
        results[i], importer = result, importer or _background_import("cogsim.fidelity")
        if progress is not None:
            progress(done, len(tasks))
    importer.join()
    return results, n, a_wins


def _stream_summary(results: list[dict], n: np.ndarray, a_wins: np.ndarray,
                    codes: np.ndarray) -> dict:
    """The summary of a sharded run from the shards' counts (no judgments table needed);
    ``n`` and ``a_wins`` are the judgments and wins of option a per pair, ``codes`` the
    pairs' item codes."""
    from cogsim import fidelity

    head = results[0]
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
    every = bool(judged.all())
    ab = codes if every else codes[judged]
    wins, counts = (a_wins, n) if every else (a_wins[judged], n[judged])
    used = np.flatnonzero(np.bincount(ab.ravel(), minlength=len(head["item_ids"])))
    names_used = np.asarray(head["item_ids"], dtype=object)[used].astype(str)
    ids = np.unique(names_used)
    rank_of = np.zeros(len(head["item_ids"]), dtype=np.int64)
    rank_of[used] = np.searchsorted(ids, names_used)      # one lookup per item, not per pair
    rank = rank_of[ab]
    lo, hi = np.minimum(rank[:, 0], rank[:, 1]), np.maximum(rank[:, 0], rank[:, 1])
    lo_wins, key, m = np.where(rank[:, 0] == lo, wins, counts - wins), lo * len(ids) + hi, len(ids)
    if m * m <= 4 * len(key) + TABLE_CELLS:    # pairs (lo, hi) counted in a table: no sort
        per_key = np.bincount(key, counts, m * m)
        pair = np.flatnonzero(per_key)
        pair_wins, pair_n = np.bincount(key, lo_wins, m * m)[pair], per_key[pair]
    else:                                 # sorted by (lo, hi) either way
        pair, where = np.unique(key, return_inverse=True)
        pair_wins, pair_n = (np.bincount(where, w, len(pair)) for w in (lo_wins, counts))
    scores = fidelity.bradley_terry_counts(pair // m, pair % m, pair_wins, pair_n, m)
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

    spec, seed = resolve(spec, n_pairs, annotators_per_pair, seed)
    n_shards = 1 if spec.social is not None else int(shards or DEFAULT_SHARDS)
    if n_shards < 1:
        raise InputError(f"shards: expected a whole number >= 1, got {n_shards}")
    n_shards = min(n_shards, spec.n_annotators)
    executor, run_id = executor or SerialExecutor(), f"{spec.name}-seed{seed}"
    codes, pair_ids = pair_codes(spec, items, pairs, seed)
    codes, pairs = codes.astype(np.int32), None               # 32-bit: half the memory
    n_steps = check_schedule(spec.assignment, spec.n_annotators, len(codes), source)
    with output_folder(out_dir, overwrite=overwrite) as tmp:
        (tmp / "judgments").mkdir()
        tasks = [ShardTask(spec, items, seed, source, s, n_shards, str(tmp), run_id, chunk_rows,
                           n_steps, codes, pair_ids) for s in range(n_shards)]
        results, n, a_wins = _judge_shards(executor, tasks, progress)
        summary = {"shards": n_shards, **_stream_summary(results, n, a_wins, codes)}
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
