"""The command-line bodies of scale-out: ``cogsim sweep`` and ``cogsim generate --workers``.

:func:`sweep` is registered as the ``sweep`` command by :mod:`cogsim.cli`; this module
imports only typer at start-up (everything heavy inside the functions), so ``cogsim --help``
stays light.  Errors of the user's input are :class:`~cogsim.errors.InputError` (exit 2 in
:func:`cogsim.cli.main`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from cogsim.errors import InputError
from cogsim.exits import say_error as _say_error

__all__ = ["generate_sharded_command", "sweep"]


def _check_count(value: int | None, option: str) -> None:
    if value is not None and value < 1:
        raise InputError(f"option {option}: expected a whole number >= 1, got {value}")


def sweep(
        spec: Path = typer.Argument(..., help="Sweep spec (TOML): base population, parameters "
                                              "to vary, seeds, workload, measures, plots."),
        out: Path | None = typer.Option(None, "--out", help="Sweep folder (default "
                                        "sweep-<spec name>); an earlier one is resumed."),
        workers: int | None = typer.Option(None, "--workers", help="Local worker processes "
                                           "(default: the CPU cores; 1: this process)."),
        scheduler: str | None = typer.Option(None, "--scheduler", help="Address of a Dask "
                                             "distributed scheduler to run on instead."),
        no_plots: bool = typer.Option(False, "--no-plots", help="Skip the PNG plots."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar or summary.")) -> None:
    """Run a sweep: many runs over parameter grids and seeds, in parallel, resumable; writes
    runs/<run-id>/, summary.parquet and plots.  Exit status 1 if any run failed."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from cogsim.executor import get_executor
    from cogsim.outputs import interruption
    from cogsim.sweep.run import run_sweep
    from cogsim.sweep.spec import load_sweep

    _check_count(workers, "--workers")
    plan = load_sweep(spec)
    target = out or Path(f"sweep-{spec.stem}")
    with get_executor(workers, scheduler) as executor, Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), TextColumn("runs"), TimeElapsedColumn(),
            TimeRemainingColumn(), transient=True, disable=quiet) as bar:
        task = bar.add_task(f"{plan.name}", total=len(plan.runs))

        def progress(done: int, total: int, failed: int) -> None:
            bar.update(task, completed=done, description=f"{plan.name}"
                       + (f" ({failed} failed)" if failed else ""))

        try:
            result = run_sweep(plan, target, executor, progress=progress, plots=not no_plots)
        except BaseException as e:      # noqa: BLE001 (anything but an interruption re-raised)
            signal = interruption(e)
            if signal is None:
                raise
            _say_error(f"interrupted ({signal.name}); the finished runs are kept in "
                       f"{target}/runs; run the same command again to finish the sweep")
            raise typer.Exit(128 + signal.signum) from None
    if not quiet:
        typer.echo(f"{result['total']} runs ({result['skipped']} already done, "
                   f"{result['ran']} run on {executor.description}), "
                   f"{result['failed']} failed -> {target}/summary.parquet"
                   + (f", {len(result['plots'])} plots in {target}/plots/"
                      if result["plots"] else ""))
    if result["failed"]:
        _say_error(f"{result['failed']} of {result['total']} runs failed; their errors are in "
                   f"{target}/summary.parquet (column 'error') and runs/<run-id>/run.json")
        raise typer.Exit(1)


def generate_sharded_command(spec, items, pair_table, pairs, annotators_per_pair, seed, source,
                             out, overwrite, quiet, workers, scheduler, shards) -> None:
    """``cogsim generate --workers/--scheduler/--shards``: shards of annotators judged in
    parallel, judgments streamed to ``out/judgments/``
    (:func:`cogsim.generate.generate_sharded`)."""
    from rich.console import Console

    from cogsim.executor import get_executor
    from cogsim.generate import generate_sharded

    _check_count(workers, "--workers")
    _check_count(shards, "--shards")
    console = Console(stderr=True, quiet=quiet)
    with get_executor(workers, scheduler) as executor, console.status("judging") as status:
        s = generate_sharded(spec, items, out, pairs=pair_table, n_pairs=pairs,
                             annotators_per_pair=annotators_per_pair, seed=seed, source=source,
                             executor=executor, shards=shards, overwrite=overwrite,
                             progress=lambda d, t: status.update(f"judging: {d}/{t} shards"))
    if not quiet:
        typer.echo(f"{s['n_judgments']:,} judgments of {s['n_pairs']} pairs by "
                   f"{s['n_annotators']} annotators in {s['shards']} shards on "
                   f"{executor.description} -> {out}/judgments/")
        typer.echo(f"  Kendall tau of the Bradley-Terry ranking vs true mean values "
                   f"{s['kendall_tau_vs_true_values']:.3f}")
        typer.echo("  files: judgments/part-*.parquet, spec.toml, summary.json")
