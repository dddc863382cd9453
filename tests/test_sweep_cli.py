"""``cogsim sweep`` as a command, in real subprocesses: SIGTERM half-way then a restart that
finishes without redoing finished runs or leaving a corrupt file; exit statuses (0 all ok,
1 some runs failed, 2 a bad spec before any run)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from test_sweep import write_spec

COGSIM = [sys.executable, "-m", "cogsim"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*COGSIM, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def finished(runs: Path) -> dict[str, int]:
    """Run folders with a run.json: id -> mtime of run.json."""
    if not runs.is_dir():
        return {}
    return {p.name: (p / "run.json").stat().st_mtime_ns for p in runs.iterdir()
            if not p.name.startswith(".") and (p / "run.json").is_file()}


def test_sigterm_half_way_then_restart_finishes_without_redoing(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, """
        name = "long"
        seeds = { count = 4 }
        measures = ["kendall_tau_vs_true_values"]
        """, """
        [grid]
        "assignment.pairs" = [200, 240, 280, 320]
        """)
    out = tmp_path / "out"
    proc = subprocess.Popen([*COGSIM, "sweep", str(spec), "--out", str(out), "--workers", "2",
                             "--quiet"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while len(finished(out / "runs")) < 4 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted (SIGTERM); the finished runs are kept" in err
    before = finished(out / "runs")
    assert 4 <= len(before) < 16, "the sweep was not stopped half-way"
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(".")]
    assert not (out / "summary.parquet").exists()
    for run_id in before:                       # every run folder is whole
        record = json.loads((out / "runs" / run_id / "run.json").read_text())
        assert record["status"] == "ok" and (out / "runs" / run_id / "spec.toml").is_file()

    again = run("sweep", str(spec), "--out", str(out), "--workers", "2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"16 runs ({len(before)} already done, {16 - len(before)} run on" in again.stdout
    after = finished(out / "runs")
    assert len(after) == 16
    assert {k: after[k] for k in before} == before        # finished runs were not redone
    table = pd.read_parquet(out / "summary.parquet")
    assert len(table) == 16 and (table["status"] == "ok").all()
    assert table["kendall_tau_vs_true_values"].notna().all()
    assert sorted(os.listdir(out)) == ["plots", "runs", "summary.parquet", "sweep.json"]


def test_exit_status_1_when_a_run_fails_and_the_others_complete(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, 'seeds = [0]\n', """
        [grid]
        "groups.ibl.decay" = [0.5, -3.0]
        """)
    r = run("sweep", str(spec), "--out", "out", "--workers", "1", "--no-plots", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "2 runs (0 already done, 2 run on this process), 1 failed" in r.stdout
    assert r.stderr.strip() == ("cogsim: error: 1 of 2 runs failed; their errors are in "
                                "out/summary.parquet (column 'error') and "
                                "runs/<run-id>/run.json")
    table = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    assert table["status"].tolist() == ["ok", "error"]
    assert "field 'groups[0].decay': expected a number >= 0, got -3.0" in table["error"][1]


def test_spec_error_exits_2_before_any_run(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, 'seeds = [0, "x"]\n', '[grid]\n"assignment.pairs" = [5]\n')
    r = run("sweep", str(spec), "--out", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"cogsim: error: {spec}: field 'seeds[1]': expected a valid "
                                f"integer, got 'x'")
    assert not (tmp_path / "out").exists()
    spec = write_spec(tmp_path, "", '[grid]\n"fatigue.speed" = [1]\n')
    r = run("sweep", str(spec), "--out", "out", cwd=tmp_path)
    assert r.returncode == 2 and "field 'grid.\"fatigue.speed\"'" in r.stderr
    assert "fatigue has no field 'speed'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run("sweep", str(spec), "--workers", "0", cwd=tmp_path)
    assert r.returncode == 2 and "option --workers" in r.stderr
    assert not (tmp_path / "out").exists()
