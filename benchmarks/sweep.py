"""A 40-run sweep with 2 local worker processes against 1, side by side, in one run.

The sweep: an inline population of 60 annotators (half IBL, half Bradley-Terry), 4,000
random pairs of the built-in items, annotators per pair in {1, 3, 5, 7} x 10 seeds = 40 runs
of ``generate``.  Each configuration runs the real command (``cogsim sweep --workers N``) in
a fresh process and fresh output folder, so the wall time includes the start of the worker
processes; the two summaries are checked equal.  Last line: a JSON object with
``time_ratio_2_vs_1`` (wall time with 2 workers / with 1; the target is <= 0.6 on a machine
with 2 free cores), the wall times and the mean seconds of one run.

    python benchmarks/sweep.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

SPEC = """
name = "bench"
seeds = {{ count = {seeds} }}
measures = ["kendall_tau_vs_true_values", "inter_annotator_agreement", "n_judgments"]

[workload]
pairs = {pairs}

[grid]
"assignment.annotators_per_pair" = [1, 3, 5, 7]

[population]
name = "bench"
n_annotators = 60
[population.assignment]
workload = 1000
[[population.groups]]
name = "ibl"
share = 0.5
model = "ibl"
prior_instances = 30
values = {{ helpfulness = 1.0, correctness = 0.5, length = 0.3 }}
[[population.groups]]
name = "bt"
share = 0.5
model = "bradley_terry"
values = {{ helpfulness = 0.5, concision = 1.0 }}
"""


def timed_sweep(spec: Path, out: Path, workers: int) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cogsim", "sweep", str(spec), "--out", str(out),
                    "--workers", str(workers), "--quiet", "--no-plots"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 small runs (a smoke test).")
    args = parser.parse_args()
    seeds, pairs = (2, 200) if args.quick else (10, 4000)
    with tempfile.TemporaryDirectory(prefix="cogsim-bench-sweep-") as tmp:
        tmp = Path(tmp)
        spec = tmp / "sweep.toml"
        spec.write_text(SPEC.format(seeds=seeds, pairs=pairs))
        seconds = {w: timed_sweep(spec, tmp / f"w{w}", w) for w in (1, 2)}
        tables = {w: pd.read_parquet(tmp / f"w{w}" / "summary.parquet") for w in (1, 2)}
        pd.testing.assert_frame_equal(tables[1], tables[2])
        per_run = [json.loads((p / "run.json").read_text())["seconds"]
                   for p in (tmp / "w1" / "runs").iterdir() if not p.name.startswith(".")]
    n_runs = len(tables[1])
    ratio = seconds[2] / seconds[1]
    print(f"{n_runs} runs ({pairs} pairs, 1-7 annotators per pair, {seeds} seeds), "
          f"{os.cpu_count()} cores: 1 worker {seconds[1]:.1f} s, 2 workers {seconds[2]:.1f} s, "
          f"ratio {ratio:.2f}; identical summaries")
    print(json.dumps({"time_ratio_2_vs_1": round(ratio, 3), "n_runs": n_runs,
                      "seconds_1_worker": round(seconds[1], 2),
                      "seconds_2_workers": round(seconds[2], 2),
                      "mean_run_seconds": round(sum(per_run) / len(per_run), 3),
                      "cpu_count": os.cpu_count(), "summaries_identical": True}))


if __name__ == "__main__":
    main()
