"""PyIBL 5.2 and cogsim side by side on two IBL tasks, in one process.

Binary task: safe (3 always) vs risky (4 with p 0.8, else 0); default utility 4.4, noise
0.25, decay 0.5, 100 trials.  Partial-matching task: each trial two random options (x, y) in
[0, 1]^2, outcome 0.7 x + 0.3 y + N(0, 0.05); bounded linear similarity (weight 0.5 each),
mismatch penalty 1, one prior instance.  PyIBL runs its agents one at a time (measured on a
slice of agents: its cost per choice does not depend on how many agents there are);
cogsim runs 10,000 agents in one batch.  Prints choices per second for each, the ratio and
the memory per agent-instance; the last line is a JSON object.

    python benchmarks/ibl_vs_pyibl.py [--quick] [--agents 10000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import warnings

import numpy as np
import pyibl

from cogsim.ibl import IBLBatch, bounded_linear_similarity

TRIALS = 100


def risky_payoff(rng: random.Random) -> float:
    return 4.0 if rng.random() < 0.8 else 0.0


def pyibl_binary(n_agents: int, trials: int) -> float:
    """Choices per second of PyIBL agents on the binary task."""
    random.seed(1)
    rng = random.Random(2)
    start = time.perf_counter()
    for _ in range(n_agents):
        a = pyibl.Agent(noise=0.25, decay=0.5, default_utility=4.4)
        for _ in range(trials):
            c = a.choose(["safe", "risky"])
            a.respond(3.0 if c == "safe" else risky_payoff(rng))
    return n_agents * trials / (time.perf_counter() - start)


def cogsim_binary(n_agents: int, trials: int) -> tuple[float, IBLBatch]:
    """Choices per second of one cogsim batch on the binary task."""
    rng = np.random.default_rng(3)
    agents = IBLBatch(n_agents, ["option"], noise=0.25, decay=0.5, default_utility=4.4, seed=4)
    options = np.array([[0.0], [1.0]])
    start = time.perf_counter()
    for _ in range(trials):
        chosen = agents.choose(options)
        pays = np.where(rng.random(n_agents) < 0.8, 4.0, 0.0)
        agents.respond(np.where(chosen == 0, 3.0, pays))
    return n_agents * trials / (time.perf_counter() - start), agents


def pm_outcome(x, y, noise):
    return 0.7 * x + 0.3 * y + noise


def pyibl_pm(n_agents: int, trials: int) -> float:
    """Choices per second of PyIBL agents on the partial-matching task."""
    random.seed(5)
    rng = np.random.default_rng(6)
    sim = pyibl.bounded_linear_similarity(0, 1)
    start = time.perf_counter()
    for _ in range(n_agents):
        a = pyibl.Agent(["x", "y"], noise=0.25, decay=0.5, mismatch_penalty=1.0)
        a.similarity(["x", "y"], sim, 0.5)
        a.populate([(0.5, 0.5)], 0.5)
        for _ in range(trials):
            opts = [tuple(o) for o in rng.random((2, 2)).round(3)]
            x, y = a.choose(opts)
            a.respond(pm_outcome(x, y, rng.normal(0, 0.05)))
    return n_agents * trials / (time.perf_counter() - start)


def cogsim_pm(n_agents: int, trials: int) -> tuple[float, IBLBatch]:
    """Choices per second of one cogsim batch on the partial-matching task."""
    rng = np.random.default_rng(7)
    agents = IBLBatch(n_agents, ["x", "y"], noise=0.25, decay=0.5, mismatch_penalty=1.0, seed=8)
    agents.similarity(["x", "y"], bounded_linear_similarity(0, 1), 0.5)
    agents.populate([[0.5, 0.5]], 0.5)
    rows = np.arange(n_agents)
    start = time.perf_counter()
    for _ in range(trials):
        opts = rng.random((n_agents, 2, 2)).round(3)
        chosen = agents.choose(opts)
        x, y = opts[rows, chosen, 0], opts[rows, chosen, 1]
        agents.respond(pm_outcome(x, y, rng.normal(0, 0.05, n_agents)))
    return n_agents * trials / (time.perf_counter() - start), agents


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (under a minute)")
    parser.add_argument("--agents", type=int, default=10_000, help="cogsim batch size")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    slice_binary, slice_pm = (20, 6) if args.quick else (100, 30)

    print(f"binary task, {TRIALS} trials")
    p_bin = pyibl_binary(slice_binary, TRIALS)
    print(f"  PyIBL   {slice_binary:>6} agents one by one: {p_bin:>12,.0f} choices/s")
    c_bin, batch = cogsim_binary(args.agents, TRIALS)
    print(f"  cogsim  {args.agents:>6} agents in a batch:  {c_bin:>12,.0f} choices/s")
    print(f"  ratio {c_bin / p_bin:,.0f}x")
    bin_bytes = batch.memory.nbytes_per_instance()
    bin_inst = int(batch.memory.size.mean())
    del batch

    print(f"partial-matching task (2 attributes), {TRIALS} trials")
    p_pm = pyibl_pm(slice_pm, TRIALS)
    print(f"  PyIBL   {slice_pm:>6} agents one by one: {p_pm:>12,.0f} choices/s")
    c_pm, batch = cogsim_pm(args.agents, TRIALS)
    print(f"  cogsim  {args.agents:>6} agents in a batch:  {c_pm:>12,.0f} choices/s")
    print(f"  ratio {c_pm / p_pm:,.0f}x")
    pm_bytes = batch.memory.nbytes_per_instance()
    pm_inst = int(batch.memory.size.mean())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: {bin_bytes:.0f} bytes per agent-instance slot on the binary task "
          f"({bin_inst} instances/agent, references included), {pm_bytes:.0f} on the "
          f"partial-matching task ({pm_inst} instances/agent); peak RSS {peak_mb:.0f} MB")
    result = {"binary_ratio": round(c_bin / p_bin, 1), "pm_ratio": round(c_pm / p_pm, 1),
              "binary_pyibl_per_s": round(p_bin), "binary_cogsim_per_s": round(c_bin),
              "pm_pyibl_per_s": round(p_pm), "pm_cogsim_per_s": round(c_pm),
              "agents": args.agents, "trials": TRIALS,
              "binary_bytes_per_instance": round(bin_bytes, 1),
              "pm_bytes_per_instance": round(pm_bytes, 1), "peak_rss_mb": round(peak_mb)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
