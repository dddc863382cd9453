"""Sweeps as a library: planning, the same results on every executor (this process, local
worker processes, a real Dask LocalCluster), failing runs recorded, analysis workloads,
resume, and spec errors found before any run."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from cogsim.errors import InputError, SpecError
from cogsim.executor import ProcessExecutor, SerialExecutor, get_executor
from cogsim.sweep import execute_run, load_sweep, run_sweep
from cogsim.sweep.run import prepare_out

#: A small, fast population (inline, so the test does not depend on the built-in default).
POPULATION = """
[population]
name = "small"
n_annotators = 12
[population.assignment]
pairs = 40
annotators_per_pair = 3
[population.position_bias]
p_first = 0.55
[[population.groups]]
name = "ibl"
share = 0.5
model = "ibl"
prior_instances = 10
values = { helpfulness = 1.0, correctness = 0.5 }
[[population.groups]]
name = "bt"
share = 0.5
model = "bradley_terry"
values = { helpfulness = 0.5, concision = 1.0 }
"""


def write_spec(folder: Path, head: str, tail: str = "", name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(head) + POPULATION + textwrap.dedent(tail))
    return path


SMALL = ("""
    name = "small"
    seeds = [0, 1]
    measures = ["kendall_tau_vs_true_values", "inter_annotator_agreement", "n_judgments"]
    """, """
    [grid]
    "assignment.annotators_per_pair" = [1, 3]
    "groups.ibl.noise" = [0.25, -1.0]
    """)


def test_plan_order_ids_and_parameters(tmp_path: Path) -> None:
    sweep = load_sweep(write_spec(tmp_path, *SMALL))
    assert len(sweep.runs) == 8
    assert sweep.varied == ["assignment.annotators_per_pair", "groups.ibl.noise"]
    first = sweep.runs[0]
    assert first.run_id.startswith("p0000-s0-") and sweep.runs[1].run_id.startswith("p0000-s1-")
    assert first.population["assignment"]["annotators_per_pair"] == 1
    assert first.population["groups"][0]["noise"] == 0.25
    assert sweep.runs[2].population["groups"][0]["noise"] == -1.0
    again = load_sweep(write_spec(tmp_path, *SMALL))
    assert [r.run_id for r in again.runs] == [r.run_id for r in sweep.runs]
    assert len({r.run_id for r in sweep.runs}) == 8


def test_same_summary_on_this_process_local_pool_and_dask(tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    sweep_file = write_spec(tmp_path, *SMALL)
    tables = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        for name, make in (("serial", SerialExecutor), ("pool", lambda: ProcessExecutor(2)),
                           ("dask", lambda: get_executor(scheduler=cluster.scheduler_address))):
            with make() as executor:
                result = run_sweep(load_sweep(sweep_file), tmp_path / name, executor)
            assert (result["total"], result["ran"], result["failed"]) == (8, 8, 4)
            tables[name] = pd.read_parquet(tmp_path / name / "summary.parquet")
    pd.testing.assert_frame_equal(tables["serial"], tables["pool"])
    pd.testing.assert_frame_equal(tables["serial"], tables["dask"])
    table = tables["serial"]
    ok = table[table["status"] == "ok"]
    assert len(ok) == 4 and ok["kendall_tau_vs_true_values"].notna().all()
    assert (ok["n_judgments"] == 40 * ok["assignment.annotators_per_pair"]).all()
    bad = table[table["status"] != "ok"]
    assert (bad["groups.ibl.noise"] == -1.0).all()
    assert bad["error"].str.contains("field 'groups[0].noise': expected a number >= 0, "
                                     "got -1.0", regex=False).all()
    plots = sorted(p.name for p in (tmp_path / "serial" / "plots").iterdir())
    assert len(plots) == 6 and all(p.endswith(".png") for p in plots)


def test_resume_skips_finished_runs_and_redoes_the_rest(tmp_path: Path) -> None:
    sweep = load_sweep(write_spec(tmp_path, *SMALL))
    out = tmp_path / "out"
    runs = out / "runs"
    prepare_out(sweep, out)
    for plan in sweep.runs[:3]:            # three runs finished before an interruption
        plan.out = str(runs)
        execute_run(plan)
    stamps = {p.run_id: (runs / p.run_id / "run.json").stat().st_mtime_ns
              for p in sweep.runs[:3]}
    leftover = runs / f".cogsim-tmp-{sweep.runs[4].run_id}-abc"    # a killed worker's
    leftover.mkdir()
    (leftover / "run.json").write_text("{")
    result = run_sweep(load_sweep(write_spec(tmp_path, *SMALL)), out)
    assert (result["skipped"], result["ran"]) == (2, 6)     # run 2 had failed: redone
    assert not leftover.exists()
    for run_id, stamp in stamps.items():
        if json.loads((runs / run_id / "run.json").read_text())["status"] == "ok":
            assert (runs / run_id / "run.json").stat().st_mtime_ns == stamp
    assert sorted(p.name for p in runs.iterdir()) == sorted(p.run_id for p in sweep.runs)


def test_out_folder_of_something_else_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not empty and holds no sweep.json"):
        run_sweep(load_sweep(write_spec(tmp_path, *SMALL)), out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


ANALYSIS = '''
import numpy as np


def run(spec, seed):
    rng = np.random.default_rng(seed)
    if spec["options"]["scale"] < 0:
        raise ValueError("scale must be >= 0")
    return {"draw": float(rng.normal() * spec["options"]["scale"]),
            "groups": len(spec["population"]["groups"]), "seed_seen": spec["population"]["seed"],
            "label": spec["run_id"][:5]}
'''


def test_analysis_workload(tmp_path: Path) -> None:
    (tmp_path / "analysis.py").write_text(ANALYSIS)
    path = write_spec(tmp_path, """
        seeds = { count = 3, start = 5 }
        [workload]
        kind = "analysis"
        function = "analysis.py:run"
        options = { scale = 1.0 }
        [grid]
        "options.scale" = [0.0, 2.0, -1.0]
        """)
    with ProcessExecutor(2) as executor:
        result = run_sweep(load_sweep(path), tmp_path / "out", executor)
    assert (result["total"], result["failed"]) == (9, 3)
    table = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    assert list(table.columns[:5]) == ["run_id", "seed", "options.scale", "status", "error"]
    assert table["seed"].tolist() == [5, 6, 7] * 3
    ok = table[table["status"] == "ok"]
    assert (ok["seed_seen"] == ok["seed"]).all() and (ok["groups"] == 2).all()
    assert (ok[ok["options.scale"] == 0.0]["draw"] == 0.0).all()
    assert (table[table["status"] == "error"]["error"] == "ValueError: scale must be >= 0").all()


@pytest.mark.parametrize("head, tail, message", [
    ("", '[grid]\n"assignment.nope" = [1]\n',
     "field 'grid.\"assignment.nope\"': unknown parameter path 'assignment.nope': assignment "
     "has no field 'nope'"),
    ("", '[grid]\n"assignment.pairs" = []\n',
     "field 'grid.\"assignment.pairs\"': expected a non-empty list of values, got []"),
    ("seeds = []\n", '[grid]\n"assignment.pairs" = [5]\n',
     "field 'seeds': expected at least one seed, got []"),
    ("seeds = [1, 1]\n", '[grid]\n"assignment.pairs" = [5]\n',
     "field 'seeds': expected distinct seeds, 1 is repeated"),
    ("seeds = [-2]\n", '[grid]\n"assignment.pairs" = [5]\n',
     "field 'seeds': expected whole numbers from 0 to 2**63 - 1, got -2"),
    ("seeds = [0.5]\n", '[grid]\n"assignment.pairs" = [5]\n', "field 'seeds[0]'"),
    ("", '[grid]\n"groups.nobody.noise" = [1]\n', "groups has no entry named 'nobody'"),
    ("", '[grid]\n"groups[5].noise" = [1]\n', "groups has 2 entries; no index 5"),
    ('measures = ["tau"]\n', '[grid]\n"assignment.pairs" = [5]\n',
     "field 'measures': unknown measure 'tau'"),
    ("", '[random]\ndraws = 2\n[random.parameters]\n"groups[0].noise" = { low = 1, high = 0 }\n',
     "field 'random.parameters.\"groups[0].noise\"': expected { low, high }"),
    ("", '[workload]\nkind = "analysis"\nfunction = "missing.py:run"\n',
     "field 'workload.function': cannot load 'missing.py:run'"),
    ("", "[grid]\n", "field 'grid': nothing varies"),
])
def test_spec_errors_name_file_and_field(tmp_path: Path, head: str, tail: str,
                                         message: str) -> None:
    path = write_spec(tmp_path, head, tail)
    with pytest.raises(SpecError) as info:
        load_sweep(path)
    assert str(info.value).startswith(f"{path}: "), str(info.value)
    assert message in str(info.value)
