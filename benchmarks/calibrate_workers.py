"""``cogsim calibrate --workers 2`` against ``--workers 1``, side by side in one run.

The command: ``cogsim calibrate choices13k --model ibl --n-train 100`` with its bootstrap
(20 refits), 5-fold cross-validation and learning curve (10, 30, 100, 300 problems), each
configuration in a fresh process with its own output folder; the outputs (params.json and
fidelity.json without their timings) are checked equal.  The main fit and the baseline run
in the calling process; the refits, folds and curve fits run on the workers.  Last line: a
JSON object with ``time_ratio_2_vs_1`` (target <= 0.6 on a machine with 2 free cores).
``--quick``: 4 refits, 2 folds, curve 10, 30 (a smoke test).  Needs the choices13k data in
the data home (``COGSIM_DATA_HOME``).

    python benchmarks/calibrate_workers.py [--quick]
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


def without_timings(x):
    if isinstance(x, dict):
        return {k: without_timings(v) for k, v in x.items() if "second" not in k}
    if isinstance(x, list):
        return [without_timings(v) for v in x]
    return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--model", default="ibl")
    args = parser.parse_args()
    extra = ["--n-boot", "4", "--folds", "2", "--curve", "10,30"] if args.quick else []
    seconds, outputs = {}, {}
    with tempfile.TemporaryDirectory(prefix="cogsim-bench-calibrate-") as tmp:
        for workers in (1, 2):
            out = Path(tmp) / f"w{workers}"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cogsim", "calibrate", "choices13k",
                            "--model", args.model, "--n-train", "100", "--out", str(out),
                            "--workers", str(workers), "--quiet", *extra], check=True)
            seconds[workers] = time.perf_counter() - start
            outputs[workers] = [without_timings(json.loads((out / f).read_text()))
                                for f in ("params.json", "fidelity.json")]
    same = outputs[1] == outputs[2]
    ratio = seconds[2] / seconds[1]
    print(f"calibrate choices13k --model {args.model} --n-train 100{' (quick)' * args.quick}, "
          f"{os.cpu_count()} cores: --workers 1 {seconds[1]:.1f} s, --workers 2 "
          f"{seconds[2]:.1f} s, ratio {ratio:.2f}; same outputs: {same}")
    print(json.dumps({"time_ratio_2_vs_1": round(ratio, 3), "seconds_1_worker":
                      round(seconds[1], 1), "seconds_2_workers": round(seconds[2], 1),
                      "same_outputs": same, "quick": args.quick, "cpu_count": os.cpu_count()}))


if __name__ == "__main__":
    main()
