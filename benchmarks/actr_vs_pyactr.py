"""pyactr 0.3.2 and cogsim.actr side by side on the same pairwise judgments, in one process.

The task: an annotator has seen a few answers (12 drawn at random, 9 distinct), each
described by a quality grade (0-4, a symbolic slot with a similarity table) and a length
(1-5), and rated them (2 x grade, plus 1 for medium length), 1-3 times each in the last
100 s.  Each
judgment is a random pair of those answers, one of them shown first.  The model is the
ACT-R judgment of cogsim.actr: encode; evaluate (two retrievals keyed on the answers'
slots, partial matching, instantaneous noise 0.3, threshold -2) or a heuristic
(prefer_first, prefer_larger:length) chosen by noisy utilities (noise 0.3); respond.

pyactr runs the model of tests/pyactr_reference.py, one judgment at a time from the same
memory (its cost per judgment does not depend on how many annotators there are).  cogsim
runs 10,000 annotators with that memory in one batch, one ``judge`` call per step.  Prints
judgments per second for each and their ratio, and a few statistics of the first step
next to pyactr's as a sanity check (they estimate the same quantities); the last line is a
JSON object.

    python benchmarks/actr_vs_pyactr.py [--quick] [--agents 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
warnings.filterwarnings("ignore")

from pyactr_reference import ReferenceJudge  # noqa: E402

from cogsim.actr import ACTRBatch  # noqa: E402

ATTRS = ("quality", "length")
TABLE = np.array([[0.0, -0.3, -0.6, -0.8, -1.0],
                  [-0.3, 0.0, -0.3, -0.6, -0.8],
                  [-0.6, -0.3, 0.0, -0.3, -0.6],
                  [-0.8, -0.6, -0.3, 0.0, -0.3],
                  [-1.0, -0.8, -0.6, -0.3, 0.0]])
PARAMS = dict(partial_matching=True, instantaneous_noise=0.3, retrieval_threshold=-2.0,
              utility_noise=0.3)
HEURISTICS = ("prefer_first", "prefer_larger:length")
UTILITY = {"evaluate": 0.5, "prefer_first": 0.0, "prefer_larger:length": 0.0}
T0 = 100.0


def task(seed: int = 0):
    """Distinct answers (grade, length), their ratings and the times each was seen."""
    rng = np.random.default_rng(seed)
    items = np.stack([rng.integers(0, 5, 12), rng.integers(1, 6, 12)], axis=1).astype(float)
    items = np.unique(items, axis=0)
    values = 2 * items[:, 0] + (items[:, 1] == 3)
    times = [np.sort(rng.uniform(0, T0 - 1, rng.integers(1, 4))).round(2) for _ in items]
    return items, values, times


def pyactr_run(n: int, items, values, times, seed: int = 1) -> tuple[float, dict]:
    chunks = [(tuple(it), float(v), list(ts)) for it, v, ts in zip(items, values, times)]
    judge = ReferenceJudge(ATTRS, chunks, similarity={"quality": TABLE}, heuristics=HEURISTICS,
                           utility=UTILITY, **PARAMS)
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    names = ("evaluate",) + HEURISTICS
    strategy, rt, better = [], [], []
    start = time.perf_counter()
    for _ in range(n):
        i, j = rng.choice(len(items), 2, replace=False)
        pair = items[[i, j]]
        r = judge.judge(pair, int(rng.integers(0, 2)), T0)
        strategy.append(names.index(r["strategy"]))
        rt.append(r["rt"])
        if r["choice"] is not None and values[i] != values[j]:
            better.append(values[[i, j]][r["choice"]] > values[[i, j]].min())
    elapsed = time.perf_counter() - start
    return n / elapsed, summary(np.array(strategy), np.array(rt), np.array(better))


def cogsim_batch(n_agents: int, items, values, times, seed: int = 2) -> ACTRBatch:
    batch = ACTRBatch(n_agents, ATTRS, heuristics=HEURISTICS, utility=UTILITY,
                      encoding_motor_time=0.0, seed=seed, **PARAMS)
    batch.set_similarities("quality", TABLE)
    batch.advance(T0)
    for it, v, ts in zip(items, values, times):
        for t in ts:
            batch.learn(it, v, when=t)
    return batch


def cogsim_run(n_agents: int, steps: int, items, values, times,
               seed: int = 3) -> tuple[float, dict]:
    batch = cogsim_batch(n_agents, items, values, times)
    rng = np.random.default_rng(seed)
    first_stats = None
    start = time.perf_counter()
    for step in range(steps):
        idx = np.argsort(rng.random((n_agents, len(items))), axis=1)[:, :2]   # distinct pair
        res = batch.judge(items[idx], rng.integers(0, 2, n_agents))
        if step == 0:
            v = values[idx]
            ok = ~res["guess"] & (v[:, 0] != v[:, 1])
            chosen = v[np.arange(n_agents), res["choice"]]
            first_stats = (res["strategy"].copy(), res["rt"].copy(), (chosen > v.min(axis=1))[ok])
    elapsed = time.perf_counter() - start
    return n_agents * steps / elapsed, summary(*first_stats)


def summary(strategy, rt, better) -> dict:
    return {"P(evaluate)": float(np.mean(strategy == 0)),
            "P(prefer_first)": float(np.mean(strategy == 1)),
            "mean RT (s)": float(np.mean(rt)),
            "P(better | decided)": float(np.mean(better)) if len(better) else float("nan")}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (well under 60 s)")
    parser.add_argument("--agents", type=int, default=10_000, help="cogsim batch size")
    args = parser.parse_args(argv)
    n_pyactr, steps = (1000, 20) if args.quick else (3000, 100)
    items, values, times = task()
    py_rate, py_stats = pyactr_run(n_pyactr, items, values, times)
    cs_rate, cs_stats = cogsim_run(args.agents, steps, items, values, times)
    ratio = cs_rate / py_rate
    print(f"task: {len(items)} remembered answers, pairs of them; partial matching, noise 0.3, "
          f"utility noise 0.3, 3 strategies")
    print(f"pyactr : {n_pyactr:>9,} judgments  {py_rate:>12,.0f} judgments/s")
    print(f"cogsim : {args.agents * steps:>9,} judgments  {cs_rate:>12,.0f} judgments/s "
          f"({args.agents:,} annotators x {steps} steps)")
    print(f"ratio  : {ratio:,.0f}x")
    print("sanity (cogsim's first step vs pyactr):")
    for key in py_stats:
        print(f"  {key:<20} pyactr {py_stats[key]:.3f}   cogsim {cs_stats[key]:.3f}")
    result = {"ratio": ratio, "pyactr_judgments_per_s": py_rate,
              "cogsim_judgments_per_s": cs_rate, "agents": args.agents, "steps": steps,
              "pyactr_judgments": n_pyactr, "quick": args.quick,
              "sanity": {"pyactr": py_stats, "cogsim": cs_stats}}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
