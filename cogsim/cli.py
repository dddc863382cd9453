"""The ``cogsim`` command."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from cogsim import __version__
from cogsim.errors import InputError
from cogsim.exits import exit_status
from cogsim.serve.command import serve as serve_command
from cogsim.sweep.command import sweep as sweep_command

app = typer.Typer(help="Synthetic pairwise preferences from calibrated cognitive annotators.",
                  no_args_is_help=True, add_completion=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cogsim {__version__}")
        raise typer.Exit()


#: Seeds are stored as 64-bit signed integers (Parquet, NumPy): 0 <= seed < 2**63.
MAX_SEED = 2**63 - 1


def main(argv: list[str] | None = None) -> None:
    """The console entry point: runs the command, turning every input error (ours or a
    command-line usage error) into one line on stderr and exit status 2, and SIGINT/SIGTERM
    into one line and exit status 130/143 after outputs in progress are cleaned up."""
    from cogsim.outputs import install_signal_handlers

    install_signal_handlers()       # again, for callers of cogsim.cli.main itself
    try:
        code = typer.main.get_command(app).main(args=argv, prog_name="cogsim",
                                                standalone_mode=False)
    except BaseException as e:      # noqa: BLE001 (each kind is mapped to its status or re-raised)
        sys.exit(exit_status(e))
    sys.exit(code if isinstance(code, int) else 0)


@app.callback()
def _root(version: bool | None = typer.Option(
        None, "--version", callback=_version, is_eager=True, help="Show the version and exit.")):
    """cogsim: IBL and ACT-R annotator populations that generate preference data."""


@app.command()
def demo(agents: int = typer.Option(1000, min=1, help="Number of IBL agents."),
         trials: int = typer.Option(100, min=1, help="Trials per agent."),
         seed: int = typer.Option(0, help="Random seed.")) -> None:
    """Run the built-in IBL demo: agents learn a risky binary choice from experience."""
    from cogsim.demo import risky_rate_by_block, run_binary_task

    start = time.perf_counter()
    choices = run_binary_task(agents, trials, seed)
    elapsed = time.perf_counter() - start
    typer.echo(f"{agents} IBL agents x {trials} trials "
               "(safe: 3; risky: 4 with p 0.8, else 0; noise 0.25, decay 0.5, default 4.4)")
    typer.echo(risky_rate_by_block(choices).to_string(index=False))
    typer.echo(f"{agents * trials:,} choices in {elapsed:.2f} s "
               f"({agents * trials / elapsed:,.0f} choices/s)")


def _fail(message: str) -> None:
    """Refuse bad input: one line on stderr, exit status 2 (see `main`)."""
    raise InputError(message)


@contextmanager
def _input_errors(context: str) -> Iterator[None]:
    """Inside a step that checks user data as it computes, a ValueError is about that data:
    report it as bad input, prefixed with ``context`` (the files or options involved)."""
    try:
        yield
    except InputError:
        raise
    except ValueError as e:
        raise InputError(f"{context}: {e}") from None


def _check_seed(seed: int | None, option: str = "--seed") -> None:
    if seed is not None and not 0 <= seed <= MAX_SEED:
        _fail(f"option {option}: expected a whole number from 0 to 2**63 - 1, got {seed}")


OVERWRITE_HELP = ("Write into an existing non-empty --out, replacing only cogsim's own "
                  "output files there; nothing else in it is touched.")


@app.command()
def generate(
        population: Path | None = typer.Option(
            None, "--population", help="Population spec (TOML), or the params.json of a "
                                        "calibration (annotators drawn from it); default: "
                                        "the built-in default."),
        items: Path | None = typer.Option(
            None, "--items", help="Item table (CSV/Parquet/JSONL) with item_id and numeric "
                                  "attributes; default: the built-in item set."),
        pairs: int | None = typer.Option(None, "--pairs", help="Number of random pairs."),
        pair_file: Path | None = typer.Option(
            None, "--pair-file", help="Explicit pairs (CSV/Parquet with item_a, item_b)."),
        annotators_per_pair: int | None = typer.Option(
            None, "--annotators-per-pair", help="Annotators judging each pair."),
        seed: int | None = typer.Option(None, "--seed", help="Random seed (default: the spec's)."),
        out: Path = typer.Option(Path("cogsim-out"), "--out", help="Output folder (new or empty)."),
        overwrite: bool = typer.Option(False, "--overwrite", help=OVERWRITE_HELP),
        margin: bool = typer.Option(False, "--margin",
                                    help="Add TRL's 'margin' column to preferences.jsonl: "
                                         "max(0, value(chosen) - value(rejected))."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar or summary."),
        workers: int | None = typer.Option(
            None, "--workers", help="Split the annotators into shards judged by N local "
                                    "processes; judgments stream to judgments/*.parquet."),
        scheduler: str | None = typer.Option(
            None, "--scheduler", help="Judge the shards on a Dask distributed scheduler."),
        shards: int | None = typer.Option(
            None, "--shards", help="Shards of a --workers/--scheduler run (default 4; one "
                                   "with social influence).")) -> None:
    """Generate a synthetic preference dataset: a population judging pairs of items."""
    from cogsim.errors import check_judgments_fit
    from cogsim.outputs import GENERATE_FILES, check_output_folder
    from cogsim.spec import load_spec

    for value, name in ((pairs, "--pairs"), (annotators_per_pair, "--annotators-per-pair")):
        if value is not None and value < 1:
            _fail(f"option {name}: expected a whole number >= 1, got {value}")
    _check_seed(seed)
    check_output_folder(out, "--out", overwrite, GENERATE_FILES)
    if population is None:
        population = Path(__file__).parent / "data" / "default_population.toml"
    if population.suffix.lower() == ".json":     # a calibration: its population
        from cogsim.calibration.populations import population_from_params
        spec = population_from_params(population)
    else:
        spec = load_spec(population)
    sharded = workers is not None or scheduler is not None or shards is not None
    if pair_file is None and not sharded:   # refuse what cannot fit before heavy imports
        check_judgments_fit(pairs or spec.assignment.pairs,
                            annotators_per_pair or spec.assignment.annotators_per_pair)
    from cogsim.tasks import default_items, load_items, load_pairs

    if items is None and spec.items:
        items = population.parent / spec.items
    item_table = load_items(items) if items is not None else default_items()
    if items is not None:
        spec = spec.model_copy(update={"items": str(Path(items).resolve())})
    pair_table = load_pairs(pair_file, item_table) if pair_file is not None else None
    if sharded:                     # judgments streamed: no table held in memory
        from cogsim.sweep.command import generate_sharded_command
        generate_sharded_command(spec, item_table, pair_table, pairs, annotators_per_pair, seed,
                          str(population), out, overwrite, quiet, workers, scheduler, shards)
        return

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from cogsim.generate import generate as run_generate
    from cogsim.generate import write_outputs
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} steps"), TimeRemainingColumn(),
                  transient=True, disable=quiet) as bar:
        task = bar.add_task("judging", total=None)
        result = run_generate(spec, item_table, pairs=pair_table, n_pairs=pairs,
                              annotators_per_pair=annotators_per_pair, seed=seed,
                              source=str(population),
                              progress=lambda d, t: bar.update(task, completed=d, total=t))
    write_outputs(result, out, overwrite=overwrite, margin=margin)
    if not quiet:
        s = result.summary
        typer.echo(f"{s['n_judgments']:,} judgments of {s['n_pairs']} pairs by "
                   f"{s['n_annotators']} annotators -> {out}/")
        agreement = s["inter_annotator_agreement"]
        typer.echo(f"  inter-annotator agreement {agreement:.3f}" if agreement is not None
                   else "  inter-annotator agreement: n/a (one annotator per pair)")
        typer.echo(f"  P(prefer first shown) {s['position_bias_rate']:.3f}, "
                   f"lapse rate {s['lapse_rate']:.3f}")
        typer.echo(f"  Kendall tau of the Bradley-Terry ranking vs true mean values "
                   f"{s['kendall_tau_vs_true_values']:.3f}")
        typer.echo("  files: judgments.parquet, preferences.jsonl, spec.toml, summary.json")


@app.command()
def calibrate(
        data: str = typer.Argument(..., help="choices13k, cpc18_track2, niv_riskdata, hh_rlhf, "
                                             "mt_bench, or a file (competition-format rates, "
                                             "a trial table, or judgments in the generic "
                                             "schema, of texts when it has a prompt column)."),
        model: str = typer.Option(..., "--model", help="ibl, actr, ev, cpt, cpt_scaled or "
                                                      "beast (choice rates); ibl, rl or rl_pop "
                                                      "(repeated choice); "
                                                      "bradley_terry or ibl (text pairs)."),
        n_train: int | None = typer.Option(
            None, "--n-train", help="Problems (or people) to calibrate on; the rest are held "
                                    "out.  Default 100 problems or 30 people."),
        seed: int = typer.Option(0, "--seed", help="Seed of the split, models and optimizers."),
        out: Path | None = typer.Option(None, "--out", help="Output folder "
                                           "(default calibration-<data>-<model>)."),
        folds: int = typer.Option(5, "--folds", help="k-fold cross-validation (0: skip)."),
        n_boot: int = typer.Option(20, "--n-boot", help="Bootstrap refits (0: skip)."),
        curve: str = typer.Option("auto", "--curve",
                                  help="Learning-curve sizes, comma-separated ('' to skip); "
                                       "auto: 10,30,100,300 problems or 10,30,100 people."),
        baseline: str = typer.Option("auto", "--baseline",
                                     help="Baseline on the same split: auto (cpt_scaled or "
                                          "rl_pop), a model name, or none."),
        search: str = typer.Option("auto", "--search",
                                   help="Global search of every fit: de (differential "
                                        "evolution), grid (coarse Sobol grid, then "
                                        "Nelder-Mead), or auto (grid for beast, else de)."),
        data_home: Path | None = typer.Option(None, "--data-home",
                                                 help="Data home (default COGSIM_DATA_HOME)."),
        overwrite: bool = typer.Option(False, "--overwrite", help=OVERWRITE_HELP),
        quiet: bool = typer.Option(False, "--quiet", help="No progress or summary."),
        workers: int = typer.Option(1, "--workers", help="Processes for the bootstrap, folds "
                                    "and learning curve (same results on any number).")) -> None:
    """Fit a model to human data; write params.json, population.toml, fidelity.json,
    report.md and figures."""
    from rich.console import Console

    from cogsim.calibration.populations import UNSUPPORTED
    from cogsim.calibration.run import calibrate as run_calibrate
    from cogsim.calibration.run import write_calibration
    from cogsim.calibration.sources import load_calibration_data
    from cogsim.outputs import CALIBRATE_FILES, check_output_folder

    _check_seed(seed)
    if workers < 1:
        _fail(f"option --workers: expected a whole number >= 1, got {workers}")
    for value, name in ((folds, "--folds"), (n_boot, "--n-boot")):
        if value < 0:
            _fail(f"option {name}: expected a whole number >= 0, got {value}")
    try:
        sizes = None if curve == "auto" else [int(x) for x in curve.split(",") if x.strip()]
    except ValueError:
        _fail(f"option --curve: expected comma-separated whole numbers or auto, got {curve!r}")
    if sizes is not None and any(n < 1 for n in sizes):
        _fail(f"option --curve: expected training sizes >= 1, got {curve!r}")
    target = out or Path(f"calibration-{Path(data).stem}-{model}")
    check_output_folder(target, "--out", overwrite, CALIBRATE_FILES)
    console = Console(stderr=True, quiet=quiet)
    from cogsim.calibration.text_pairs import is_text_data

    if is_text_data(data):          # pairwise text preferences: cogsim.calibration.text_run
        from cogsim.calibration.text_run import calibrate_and_write

        with console.status("loading and featurizing texts") as status, _input_errors(data):
            summary = calibrate_and_write(
                data, model, out=target, data_home=data_home, overwrite=overwrite,
                n_train=n_train, seed=seed, folds=folds, curve=sizes, baseline=baseline,
                progress=lambda stage: status.update(stage))
        if not quiet:
            typer.echo(summary)
        return
    from cogsim.executor import get_executor
    with console.status("loading data") as status, _input_errors(data), \
            get_executor(workers) as executor:
        table = load_calibration_data(data, data_home)
        result = run_calibrate(
            table, model, n_train=n_train, seed=seed, folds=folds, n_boot=n_boot,
            curve=sizes, baseline=None if baseline == "none" else baseline, search=search,
            progress=lambda stage: status.update(stage), executor=executor)
    write_calibration(result, target, overwrite=overwrite)
    no_population = UNSUPPORTED.get((model, table.kind))      # why no population.toml
    if not quiet:
        f = result.fidelity
        keys = [k for k in f if k.startswith(("train_", "test_", "baseline_test_"))
                and isinstance(f[k], float) and "_mse_block" not in k]
        typer.echo(f"{model} on {f['n_train']} {f['units']} of {data} "
                   f"({result.fit_seconds:.1f} s): "
                   + ", ".join(f"{k} {f[k]:.4g}" for k in keys))
        typer.echo("  params: " + ", ".join(f"{k} {v:.4g}" for k, v in result.params.items()))
        typer.echo(f"  wrote {target}/: params.json, "
                   + ("" if no_population else "population.toml, ")
                   + "fidelity.json, report.md, figures")
        if no_population:
            typer.echo(f"  no population.toml: {model} has no population counterpart "
                       f"({no_population})")
        else:
            typer.echo(f"  annotators from it: cogsim generate --population "
                       f"{target}/population.toml --items <gambles>")


@app.command()
def predict(
        params: Path = typer.Option(..., "--params", help="params.json of a calibration."),
        problems: Path = typer.Option(..., "--problems",
                                      help="Gamble problems in the competition format (CSV)."),
        protocol: str = typer.Option("cpc", "--protocol",
                                     help="cpc: 25 trials, block rates B.1..B.5; c13k: "
                                          "choices13k's 5 trials, bRate."),
        out: Path = typer.Option(Path("predictions.csv"), "--out", help="Output CSV (new)."),
        overwrite: bool = typer.Option(False, "--overwrite",
                                       help="Replace --out if it exists.")) -> None:
    """Predict the rate of choosing B for gamble problems with a calibrated model."""
    from cogsim.calibration.predict import PROTOCOL_COLUMNS, load_params, predict_problems
    from cogsim.outputs import check_output_file, output_file
    from cogsim.tables import read_table
    from cogsim.tasks.gambles import check_problems

    if protocol not in PROTOCOL_COLUMNS:
        _fail(f"option --protocol: expected one of {', '.join(PROTOCOL_COLUMNS)}, "
              f"got {protocol!r}")
    check_output_file(out, "--out", overwrite)
    model = load_params(params)
    problems_table = read_table(problems, "gamble problems in the competition format "
                                          "(Ha, pHa, La, Hb, pHb, Lb, LotShapeB, LotNumB, Amb, "
                                          "Corr)")
    check_problems(problems_table, str(problems))
    table = predict_problems(model, problems_table.rename_axis(None), protocol)
    with output_file(out, overwrite=overwrite) as tmp:
        table.to_csv(tmp, index=False)
    typer.echo(f"{len(table)} problems -> {out} ({protocol} protocol)")


@app.command()
def report(
        judgments: Path = typer.Argument(..., help="Synthetic judgments (Parquet/CSV), e.g. "
                                                   "cogsim-out/judgments.parquet."),
        human: str = typer.Option(..., "--human", help="Human judgments: a file in the "
                                                       "generic schema or a data set name."),
        items: Path | None = typer.Option(None, "--items", help="Item table (for length "
                                                                   "and list bias)."),
        out: Path = typer.Option(Path("fidelity-report"), "--out",
                                 help="Output folder (new or empty)."),
        overwrite: bool = typer.Option(False, "--overwrite", help=OVERWRITE_HELP),
        data_home: Path | None = typer.Option(None, "--data-home")) -> None:
    """Fidelity of a synthetic judgments table against a human one."""
    from cogsim.datasets import load as load_human
    from cogsim.fidelity.report import load_synthetic, write_fidelity_report
    from cogsim.outputs import REPORT_FILES, check_output_folder
    from cogsim.tasks import load_items

    check_output_folder(out, "--out", overwrite, REPORT_FILES)
    synthetic = load_synthetic(judgments)
    human_table = load_human(human, judgments=True, data_home=data_home)
    item_table = load_items(items) if items is not None else None
    with _input_errors(f"{judgments} vs {human}"):
        measures = write_fidelity_report(synthetic, human_table, out, items=item_table,
                                         names=(str(judgments), str(human)),
                                         overwrite=overwrite)
    shown = [k for k in ("msd", "accuracy", "agreement_with_human", "bias", "bt_kendall_tau",
                         "prefer_first", "human_prefer_first") if measures.get(k) is not None]
    typer.echo(", ".join(f"{k} {measures[k]:.4g}" for k in shown) or "no shared measures")
    typer.echo(f"  wrote {out}/: fidelity.json, report.md")


app.command(name="sweep")(sweep_command)      # its body: cogsim/sweep/command.py
app.command(name="serve")(serve_command)      # its body: cogsim/serve/command.py


if __name__ == "__main__":
    main()
