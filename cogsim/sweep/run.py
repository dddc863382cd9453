"""Running a sweep: each run in a worker, written atomically; resume; the final summary.

:func:`execute_run` is the task a worker runs: it computes one run and writes
``runs/<run-id>/`` through a hidden temporary sibling (``.cogsim-tmp-<run-id>-*``) renamed
into place, so a run folder is either whole or absent.  Any exception inside the run is
caught and recorded in the run's ``run.json`` (``status = "error"``) so the other runs go on.
:func:`run_sweep` plans, skips finished runs, runs the rest on an executor and writes the
summary and plots.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cogsim import __version__
from cogsim.errors import InputError
from cogsim.executor import Executor, SerialExecutor
from cogsim.outputs import TEMP_PREFIX, json_ready
from cogsim.sweep.paths import load_function
from cogsim.sweep.spec import RunPlan, Sweep

__all__ = ["SweepResult", "execute_run", "finished_runs", "prepare_out", "run_sweep"]

PLAN_FILE = "sweep.json"
RUN_FILE = "run.json"


class SweepResult(dict):
    """``{"total", "skipped", "ran", "failed", "summary", "plots"}`` of one invocation."""


def _generate_measures(plan: RunPlan, folder: Path) -> dict[str, Any]:
    from cogsim.generate import generate
    from cogsim.spec import parse_spec, spec_to_toml
    from cogsim.sweep.spec import GENERATE_MEASURES
    from cogsim.tasks import default_items, load_items

    spec = parse_spec(plan.population, f"run {plan.run_id}")
    items = load_items(plan.items) if plan.items else default_items()
    result = generate(spec, items, seed=plan.seed, source=f"run {plan.run_id}")
    (folder / "spec.toml").write_text(spec_to_toml(result.spec, {"run": plan.run_id}),
                                      encoding="utf-8")
    if plan.workload.get("keep_judgments"):
        result.judgments.to_parquet(folder / "judgments.parquet", index=False)
    return {k: result.summary.get(k) for k in GENERATE_MEASURES}


def _analysis_measures(plan: RunPlan, folder: Path) -> dict[str, Any]:
    base, _, ref = plan.function.partition("|")
    fn = load_function(ref, Path(base))
    spec = {"run_id": plan.run_id, "population": plan.population, "items": plan.items,
            "options": plan.options, "parameters": plan.parameters}
    measures = fn(spec, plan.seed)
    if not isinstance(measures, dict):
        raise TypeError(f"the analysis {ref} returned {type(measures).__name__}; expected a "
                        f"dict of measures")
    bad = [k for k, v in measures.items()
           if not (v is None or isinstance(v, (bool, int, float, str))
                   or (hasattr(v, "item") and getattr(v, "ndim", 1) == 0))]
    if bad:
        raise TypeError(f"the analysis {ref} returned a non-scalar measure {bad[0]!r}; "
                        f"expected numbers, booleans, strings or None")
    return {str(k): (v.item() if hasattr(v, "item") else v) for k, v in measures.items()}


def _error_message(e: BaseException) -> str:
    text = " ".join(str(e).split())
    if isinstance(e, InputError):       # our own messages are complete sentences
        return text
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _replace_folder(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``; an earlier (failed) attempt there is moved aside first and
    removed only once the new one is in place, and only if it is a run folder of ours."""
    old = None
    if target.exists():
        record = _read_record(target)
        if record is None or record.get("run_id") != target.name:
            raise InputError(f"{target}: exists and is not a run folder written by cogsim; "
                             f"expected it absent or a run folder (cogsim leaves it alone)")
        old = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target.name}-old-",
                                    dir=target.parent))
        os.replace(target, old / "run")
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def execute_run(plan: RunPlan) -> dict[str, Any]:
    """Compute one run and write ``<plan.out>/<run_id>/`` atomically; return its record.

    Never raises for a problem of the run itself: the record then has ``status = "error"``
    and ``error`` (one line) and ``traceback``.
    """
    runs = Path(plan.out)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{plan.run_id}-", dir=runs))
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)            # the usual permissions, not mkdtemp's private ones
    record: dict[str, Any] = {"run_id": plan.run_id, "seed": plan.seed,
                              "parameters": plan.parameters, "cogsim_version": __version__}
    start = time.perf_counter()
    try:
        try:
            if plan.function is None:
                measures = _generate_measures(plan, tmp)
            else:
                measures = _analysis_measures(plan, tmp)
            missing = [m for m in (plan.measures or []) if m not in measures]
            if missing:
                raise KeyError(f"the run gave no measure {missing[0]!r} (it gave "
                               f"{', '.join(measures) or 'none'})")
            record.update(status="ok", error=None, measures=measures)
        except Exception as e:              # the run's own failure: recorded, not raised
            record.update(status="error", error=_error_message(e), measures={},
                          traceback=traceback.format_exc(limit=8))
        record["seconds"] = round(time.perf_counter() - start, 3)
        (tmp / RUN_FILE).write_text(json.dumps(json_ready(record), indent=1) + "\n",
                                    encoding="utf-8")
        _replace_folder(tmp, runs / plan.run_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return record


def _read_record(folder: Path) -> dict | None:
    try:
        record = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def finished_runs(sweep: Sweep, out: Path) -> set[str]:
    """Ids of the runs that have a complete ``run.json`` with ``status = "ok"``."""
    done = set()
    for plan in sweep.runs:
        record = _read_record(out / "runs" / plan.run_id)
        if record and record.get("status") == "ok" and record.get("run_id") == plan.run_id:
            done.add(plan.run_id)
    return done


def prepare_out(sweep: Sweep, out: Path) -> None:
    """Check ``out`` (new, empty, or a sweep folder of cogsim's), write the plan, and remove
    the temporary folders that interrupted runs of this plan left in ``out/runs``."""
    out = Path(os.path.abspath(out))
    if out.exists() and not out.is_dir():
        raise InputError(f"option --out: {str(out)!r} is a file; expected a folder")
    if not out.parent.is_dir():
        raise InputError(f"option --out: the folder {str(out.parent)!r} does not exist; "
                         f"expected an existing folder to hold {out.name!r}")
    if out.is_dir() and any(out.iterdir()) and not (out / PLAN_FILE).is_file():
        raise InputError(f"option --out: {str(out)!r} is not empty and holds no {PLAN_FILE}; "
                         f"expected a new or empty folder, or the folder of an earlier run "
                         f"of a sweep (to resume it)")
    if (out / PLAN_FILE).is_file():
        try:
            previous = json.loads((out / PLAN_FILE).read_text(encoding="utf-8"))
            assert previous.get("written by") == "cogsim sweep"
        except (OSError, ValueError, AssertionError, AttributeError):
            raise InputError(f"option --out: {str(out / PLAN_FILE)!r} was not written by "
                             f"cogsim sweep; expected a new or empty folder") from None
    (out / "runs").mkdir(parents=True, exist_ok=True)
    _remove_temporaries(out / "runs", {p.run_id for p in sweep.runs})
    plan = {"written by": "cogsim sweep", "cogsim_version": __version__,
            "spec": str(Path(os.path.abspath(sweep.path))), "name": sweep.name,
            "varied": sweep.varied,
            "runs": [{"run_id": p.run_id, "seed": p.seed, "parameters": p.parameters}
                     for p in sweep.runs]}
    write_atomic(out / PLAN_FILE, json.dumps(json_ready(plan), indent=1) + "\n")


def _remove_temporaries(runs: Path, ids: set[str]) -> None:
    """Remove the temporary folders that runs of ``ids`` left (a worker killed mid-write)."""
    for leftover in runs.glob(f"{TEMP_PREFIX}*"):
        rest = leftover.name[len(TEMP_PREFIX):]
        if leftover.is_dir() and any(rest.startswith(i + "-") for i in ids):
            shutil.rmtree(leftover, ignore_errors=True)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``path`` through a temporary sibling renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_sweep(sweep: Sweep, out: str | Path, executor: Executor | None = None,
              progress: Callable[[int, int, int], None] | None = None,
              plots: bool = True) -> SweepResult:
    """Run the unfinished runs of ``sweep`` into ``out`` and write the summary and plots.

    Parameters
    ----------
    sweep : Sweep
        From :func:`cogsim.sweep.spec.load_sweep`.
    out : path
        The sweep folder (new, empty, or an earlier folder of this sweep to resume).
    executor : Executor, optional
        Where runs go (default: this process).
    progress : callable, optional
        ``progress(done, total, failed)`` after each run (done counts skipped runs).
    plots : bool
        Draw the PNG plots.

    Returns
    -------
    SweepResult
    """
    from cogsim.sweep.summary import draw_plots, summary_table

    out = Path(os.path.abspath(out))
    prepare_out(sweep, out)
    done = finished_runs(sweep, out)
    pending = [p for p in sweep.runs if p.run_id not in done]
    for p in pending:
        p.out = str(out / "runs")
    executor = executor or SerialExecutor()
    if any(p.function is None for p in pending):
        import cogsim.generate  # noqa: F401  (forked workers start with it imported)
    failed = 0
    if progress is not None:
        progress(len(done), len(sweep.runs), 0)
    try:
        for n, (_i, record) in enumerate(executor.imap(execute_run, pending), start=1):
            failed += record["status"] != "ok"
            if progress is not None:
                progress(len(done) + n, len(sweep.runs), failed)
    except BaseException:           # interrupted: stop the workers, remove their temporaries
        executor.terminate()
        _remove_temporaries(out / "runs", {p.run_id for p in pending})
        raise
    records = [_read_record(out / "runs" / p.run_id) for p in sweep.runs]
    table = summary_table(sweep, records)
    buffer = table.to_parquet(index=False)
    write_atomic(out / "summary.parquet", buffer)
    drawn = draw_plots(sweep, table, out / "plots") if plots else []
    n_failed = int((table["status"] != "ok").sum())
    return SweepResult(total=len(sweep.runs), skipped=len(done), ran=len(pending),
                       failed=n_failed, summary=out / "summary.parquet", plots=drawn)
