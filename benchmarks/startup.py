"""How soon ``cogsim generate`` starts judging, and what ``import cogsim.generate`` costs.

Runs the real command (the default population, output in a temporary folder) ``--runs``
times in fresh processes and reports the wall time from launch to the first call of the
population's ``run`` (the start of the work), and, separately, Python's own
``-X importtime`` total for ``import cogsim.generate``.  Last line: a JSON object.

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time

PROBE = r"""
import sys, time
import cogsim.population.model as m
start = float(sys.argv[1])
original = m.AnnotatorPopulation.run
def run(self, *args, **kwargs):
    print(f"STARTED {time.time() - start:.4f}", file=sys.stderr, flush=True)
    return original(self, *args, **kwargs)
m.AnnotatorPopulation.run = run
from cogsim.__main__ import main
sys.argv = ["cogsim", "generate", "--quiet", "--out", sys.argv[2]]
main()
"""


def start_seconds(folder: str) -> float:
    r = subprocess.run([sys.executable, "-c", PROBE, repr(time.time()), folder],
                       capture_output=True, text=True, check=True)
    return float(re.search(r"STARTED ([0-9.]+)", r.stderr).group(1))


def import_seconds() -> float:
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import cogsim.generate"],
                       capture_output=True, text=True, check=True)
    last = [line for line in r.stderr.splitlines() if line.rstrip().endswith("cogsim.generate")]
    return int(last[-1].split("|")[1]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        starts = [start_seconds(f"{tmp}/out{i}") for i in range(args.runs)]
    imports = [import_seconds() for _ in range(args.runs)]
    print(f"cogsim generate starts judging {statistics.median(starts):.2f} s after launch "
          f"(median of {args.runs}; min {min(starts):.2f}, max {max(starts):.2f})")
    print(f"import cogsim.generate: {statistics.median(imports):.2f} s (median, -X importtime)")
    print(json.dumps({"generate_start_s": round(statistics.median(starts), 3),
                      "import_generate_s": round(statistics.median(imports), 3),
                      "runs": args.runs}))


if __name__ == "__main__":
    main()
