"""A whole population at scale: cogsim's batched Mesa model against Mesa + PyIBL agents.

Workload: 10,000 IBL annotators, 1,000,000 judgments (500,000 pairs, 2 annotators each,
100 judgments per annotator) of items with 8 attributes, about 50 prior instances per
annotator, partial matching on the items' attributes.  cogsim runs it whole; the peer -- a
Mesa model whose agents each hold a PyIBL agent and are stepped one by one -- runs the same
judgments for a slice of annotators, and its time is scaled to the full workload (PyIBL's
cost per judgment does not depend on how many agents there are).  The last line is a JSON
object with judgments_per_s, wall_s, peak_rss_mb and ratio.

Scale-out, side by side in the same run: ``cogsim generate --workers N`` (4 shards of
annotators, judgments streamed to a partitioned Parquet dataset) on 10,000,000 judgments by
20,000 IBL annotators with 1 and with 2 local workers, each in a fresh process: wall time,
peak memory of the whole process tree (RSS summed, which counts pages that forked workers
share with their parent in each; and PSS, which splits them), and whether the files are
identical (``workers2_speedup``, timed on runs without the memory sampler, which would take
CPU from the workers when they use every core; ``workers{1,2}_peak_rss_mb``,
``..._pss_mb``); then 1,000,000 judgments with gold feedback after every judgment, so that
every judgment is learnt (``learning_judgments_per_s``).  ``--quick``: 1,000,000 and
200,000 judgments.

    python benchmarks/population.py [--quick]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import mesa
import numpy as np
import pandas as pd
import pyibl

from cogsim.generate import generate
from cogsim.spec import parse_spec

ATTRIBUTES = [f"a{j}" for j in range(8)]


def item_similarity(z: np.ndarray) -> np.ndarray:
    """The peer's similarity table: 1 - mean_j |z_ij - z_kj| / range_j (what cogsim's
    populations compute on the fly from the items' attributes)."""
    span = z.max(axis=0) - z.min(axis=0)
    span[span == 0] = 1.0
    sim = np.ones((len(z), len(z)))
    for j in range(z.shape[1]):
        sim -= np.abs(z[:, None, j] - z[None, :, j]) / span[j] / z.shape[1]
    return sim


def make_items(n_items: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    items = pd.DataFrame(rng.normal(0, 1, (n_items, 8)).round(3), columns=ATTRIBUTES)
    items.insert(0, "item_id", [f"i{i:04d}" for i in range(n_items)])
    return items


def spec(n_annotators: int, n_pairs: int) -> dict:
    return {"name": "benchmark", "n_annotators": n_annotators, "seed": 0,
            "assignment": {"pairs": n_pairs, "annotators_per_pair": 2},
            "groups": [{"name": "all", "share": 1, "model": "ibl", "prior_instances": 50,
                        "noise": 0.25, "decay": 0.5, "mismatch_penalty": 10.0,
                        "values": {a: {"dist": "normal", "mean": 0.5, "sd": 0.3}
                                   for a in ATTRIBUTES}}]}


def run_cogsim(items, n_annotators: int, n_judgments: int):
    start, cpu = time.perf_counter(), time.process_time()
    result = generate(parse_spec(spec(n_annotators, n_judgments // 2)), items)
    run_cogsim.cpu_s = time.process_time() - cpu
    return time.perf_counter() - start, result


class PyIBLAnnotator(mesa.Agent):
    """A Mesa agent holding a PyIBL agent: the one-by-one way."""

    def __init__(self, model, weights, rng):
        super().__init__(model)
        self.ibl = pyibl.Agent(["item"], noise=0.25, decay=0.5, mismatch_penalty=10.0)
        self.ibl.similarity(["item"], model.similarity, 1.0)
        self.weights = weights
        for _ in range(50):
            item = int(rng.integers(len(model.z)))
            self.ibl.populate([(item,)], float(model.z[item] @ weights + rng.normal(0, 0.3)),
                              when=0)
        self.queue = []

    def step(self):
        a, b = self.queue.pop()
        self.ibl.choose([(a,), (b,)])
        self.ibl.respond(None)     # no outcome: the judgment is stored as its expectation
        self.model.judgments += 1


class PyIBLPopulation(mesa.Model):
    def __init__(self, items, n_annotators: int, per_annotator: int, seed: int = 0):
        super().__init__(seed=seed)
        random.seed(seed)
        rng = np.random.default_rng(seed)
        raw = items[ATTRIBUTES].to_numpy()
        self.z = (raw - raw.mean(0)) / raw.std(0)
        table = item_similarity(self.z)
        self.similarity = lambda x, y: float(table[x, y])
        self.judgments = 0
        for _ in range(n_annotators):
            agent = PyIBLAnnotator(self, rng.normal(0.5, 0.3, 8), rng)
            agent.queue = [tuple(rng.choice(len(self.z), 2, replace=False))
                           for _ in range(per_annotator)]

    def step(self):
        self.agents.shuffle_do("step")


def run_peer(items, n_annotators: int, per_annotator: int) -> float:
    model = PyIBLPopulation(items, n_annotators, per_annotator)
    start = time.perf_counter()
    for _ in range(per_annotator):
        model.step()
    return model.judgments / (time.perf_counter() - start)


def tree_rss_mb(pid: int, pss: bool = True) -> tuple[float, float]:
    """Memory of a process and all its descendants (Linux /proc), in MB: the sum of their
    resident sets (pages a forked worker shares with its parent counted in both) and of
    their proportional sets (PSS: each shared page split between its sharers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    rss = proportional = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                rss += next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
            if pss:         # the kernel walks the page tables: not too often
                with open(f"/proc/{p}/smaps_rollup") as f:
                    proportional += next(int(line.split()[1]) for line in f
                                         if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return rss / 1024, proportional / 1024


def run_sharded(folder: str, n_annotators: int, n_judgments: int, workers: int,
                learning: bool = False, memory: bool = True) -> tuple[float, float, float]:
    """``cogsim generate --workers N`` in a fresh process (4 shards, judgments streamed to
    Parquet): wall seconds, peak RSS and peak PSS of the whole process tree (MB; RSS sampled
    every 0.25 s, PSS every 2 s: reading it walks the processes' page tables and slows them).
    With ``memory=False`` nothing is sampled (NaN memory): the sampler takes CPU from the
    workers when they use every core, so speed-ups are timed on runs without it."""
    import tomli_w

    population = spec(n_annotators, n_judgments // 2)
    population["assignment"]["workload"] = n_judgments
    if learning:             # gold feedback after every judgment: every judgment is learnt
        population["feedback"] = {"rate": 1.0}
    tag = f"{workers}-{int(learning)}" + ("" if memory else "-timed")
    with open(f"{folder}/spec-{tag}.toml", "wb") as f:
        tomli_w.dump(population, f)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cogsim", "generate", "--population",
                             f"{folder}/spec-{tag}.toml", "--items", f"{folder}/items.csv",
                             "--workers", str(workers), "--shards", "4", "--quiet",
                             "--out", f"{folder}/out-{tag}"])
    peak, ticks = [0.0, 0.0], 0
    if not memory:
        proc.wait()
        peak = [float("nan")] * 2
    while proc.poll() is None:
        rss, pss = tree_rss_mb(proc.pid, pss=ticks % 8 == 0)
        peak = [max(peak[0], rss), max(peak[1], pss)]
        ticks += 1
        time.sleep(0.25)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"cogsim generate --workers {workers} failed ({proc.returncode})")
    return wall, peak[0], peak[1]


def scale_out(items, quick: bool) -> dict:
    """One big run sharded over 1 and 2 local workers (timed runs, then memory runs), and
    with learning on 2 workers."""
    n_annotators, n_judgments = (10_000, 1_000_000) if quick else (20_000, 10_000_000)
    n_learning = 200_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="cogsim-bench-population-") as folder:
        items.to_csv(f"{folder}/items.csv", index=False)
        # Timed without the memory sampler, then run again to measure memory.
        w1, w2 = (run_sharded(folder, n_annotators, n_judgments, w, memory=False)[0]
                  for w in (1, 2))
        (_, rss1, pss1), (_, rss2, pss2) = (run_sharded(folder, n_annotators, n_judgments, w)
                                            for w in (1, 2))
        same = all(filecmp.cmp(f"{folder}/out-1-0/judgments/{name}",
                               f"{folder}/out-2-0/judgments/{name}", shallow=False)
                   for name in os.listdir(f"{folder}/out-1-0/judgments"))
        wl, rssl, pssl = run_sharded(folder, n_annotators, n_learning, 2, learning=True)
    print(f"generate --workers, {n_judgments:,} judgments by {n_annotators:,} IBL annotators "
          f"(4 shards, streamed to Parquet; {os.cpu_count()} cores):")
    print(f"  1 worker {w1:.1f} s ({n_judgments / w1:,.0f} judgments/s, peak RSS "
          f"{rss1:,.0f} MB, PSS {pss1:,.0f} MB); 2 workers {w2:.1f} s ({n_judgments / w2:,.0f} "
          f"judgments/s, peak RSS {rss2:,.0f} MB, PSS {pss2:,.0f} MB): speed-up "
          f"{w1 / w2:.2f}x; identical files: {same}")
    print(f"  learning from every judgment (gold feedback), {n_learning:,} judgments on 2 "
          f"workers: {wl:.1f} s ({n_learning / wl:,.0f} judgments/s, peak RSS {rssl:,.0f} MB, "
          f"PSS {pssl:,.0f} MB)")
    return {"workers2_speedup": round(w1 / w2, 3),
            "scale_out_judgments": n_judgments,
            "workers1_judgments_per_s": round(n_judgments / w1),
            "workers2_judgments_per_s": round(n_judgments / w2),
            "workers1_peak_rss_mb": round(rss1), "workers2_peak_rss_mb": round(rss2),
            "workers1_peak_pss_mb": round(pss1), "workers2_peak_pss_mb": round(pss2),
            "workers_identical_files": same,
            "learning_judgments_per_s": round(n_learning / wl),
            "learning_judgments": n_learning, "learning_peak_rss_mb": round(rssl)}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (under a minute)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    n_annotators, n_judgments = 10_000, 1_000_000
    peer_annotators, peer_per = (4, 25) if args.quick else (10, 100)
    items = make_items(1000)

    wall, result = run_cogsim(items, n_annotators, n_judgments)
    rate = len(result.judgments) / wall
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_instance = result.population.ibl.memory.nbytes_per_instance()
    print(f"cogsim: {n_annotators:,} IBL annotators, {len(result.judgments):,} judgments, "
          f"8 attributes, ~{int(result.population.ibl.memory.size.mean())} instances each "
          f"at the end")
    print(f"  wall {wall:.2f} s, CPU {run_cogsim.cpu_s:.2f} s ({rate:,.0f} judgments/s), "
          f"peak RSS {peak_mb:,.0f} MB, "
          f"{per_instance:.0f} bytes per agent-instance slot")
    peer_rate = run_peer(items, peer_annotators, peer_per)
    print(f"Mesa + PyIBL, agents stepped one by one ({peer_annotators} annotators x "
          f"{peer_per} judgments): {peer_rate:,.0f} judgments/s -> "
          f"{n_judgments / peer_rate / 3600:.1f} h for the full workload")
    print(f"ratio {rate / peer_rate:,.0f}x")
    scaled = scale_out(items, args.quick)
    out = {"judgments_per_s": round(rate), "wall_s": round(wall, 2),
           "cpu_s": round(run_cogsim.cpu_s, 2),
           "peak_rss_mb": round(peak_mb), "ratio": round(rate / peer_rate, 1),
           "peer_judgments_per_s": round(peer_rate), "annotators": n_annotators,
           "judgments": int(len(result.judgments)),
           "bytes_per_instance": round(per_instance, 1), **scaled}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
