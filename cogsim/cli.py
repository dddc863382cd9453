"""The ``cogsim`` command."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from cogsim import __version__

app = typer.Typer(help="Synthetic pairwise preferences from calibrated cognitive annotators.",
                  no_args_is_help=True, add_completion=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cogsim {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Optional[bool] = typer.Option(
        None, "--version", callback=_version, is_eager=True, help="Show the version and exit.")):
    """cogsim: IBL and ACT-R annotator populations that generate preference data."""


@app.command()
def demo(agents: int = typer.Option(1000, min=1, help="Number of IBL agents."),
         trials: int = typer.Option(100, min=1, help="Trials per agent."),
         seed: int = typer.Option(0, help="Random seed.")) -> None:
    """Run the built-in IBL demo: agents learn a risky binary choice from experience."""
    from cogsim.demo import block_rates, run_binary_task

    start = time.perf_counter()
    choices = run_binary_task(agents, trials, seed)
    elapsed = time.perf_counter() - start
    typer.echo(f"{agents} IBL agents x {trials} trials "
               "(safe: 3; risky: 4 with p 0.8, else 0; noise 0.25, decay 0.5, default 4.4)")
    typer.echo(block_rates(choices).to_string(index=False))
    typer.echo(f"{agents * trials:,} choices in {elapsed:.2f} s "
               f"({agents * trials / elapsed:,.0f} choices/s)")


def _fail(message: str) -> None:
    """Print a one-paragraph error and exit with status 2 (bad input)."""
    typer.echo(f"cogsim: error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def generate(
        population: Optional[Path] = typer.Option(
            None, "--population", help="Population spec (TOML); default: the built-in default."),
        items: Optional[Path] = typer.Option(
            None, "--items", help="Item table (CSV/Parquet/JSONL) with item_id and numeric "
                                  "attributes; default: the built-in item set."),
        pairs: Optional[int] = typer.Option(None, "--pairs", help="Number of random pairs."),
        pair_file: Optional[Path] = typer.Option(
            None, "--pair-file", help="Explicit pairs (CSV/Parquet with item_a, item_b)."),
        annotators_per_pair: Optional[int] = typer.Option(
            None, "--annotators-per-pair", help="Annotators judging each pair."),
        seed: Optional[int] = typer.Option(None, "--seed", help="Random seed (default: the spec's)."),
        out: Path = typer.Option(Path("cogsim-out"), "--out", help="Output folder."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress bar or summary.")) -> None:
    """Generate a synthetic preference dataset: a population judging pairs of items."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from cogsim.generate import generate as run_generate, write_outputs
    from cogsim.spec import SpecError, load_spec, parse_spec
    from cogsim.tasks import ItemError, default_items, load_items, load_pairs

    for value, name in ((pairs, "--pairs"), (annotators_per_pair, "--annotators-per-pair"),
                        (seed, "--seed")):
        if value is not None and value < (0 if name == "--seed" else 1):
            _fail(f"option {name}: expected a {'non-negative' if name == '--seed' else 'positive'} "
                  f"integer, got {value}")
    try:
        if population is None:
            population = Path(__file__).parent / "data" / "default_population.toml"
        spec = load_spec(population)
        source = str(population)
        if items is None and spec.items:
            items = (population.parent / spec.items)
        item_table = load_items(items) if items is not None else default_items()
        if items is not None:
            spec = spec.model_copy(update={"items": str(Path(items).resolve())})
        pair_table = load_pairs(pair_file, item_table) if pair_file is not None else None
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total} steps"), TimeRemainingColumn(),
                      transient=True, disable=quiet) as bar:
            task = bar.add_task("judging", total=None)
            result = run_generate(spec, item_table, pairs=pair_table, n_pairs=pairs,
                                  annotators_per_pair=annotators_per_pair, seed=seed,
                                  source=source,
                                  progress=lambda d, t: bar.update(task, completed=d, total=t))
        write_outputs(result, out)
    except (SpecError, ItemError) as e:
        _fail(str(e))
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
        data: str = typer.Argument(..., help="choices13k, cpc18_track2, niv_riskdata, or a file "
                                             "(competition-format rates, a trial table, or "
                                             "judgments in the generic schema)."),
        model: str = typer.Option(..., "--model", help="ibl, actr, ev or cpt (choice rates); "
                                                      "ibl or rl (repeated choice)."),
        n_train: Optional[int] = typer.Option(
            None, "--n-train", help="Problems (or people) to calibrate on; the rest are held "
                                    "out.  Default 100 problems or 30 people."),
        seed: int = typer.Option(0, "--seed", help="Seed of the split, models and optimizers."),
        out: Optional[Path] = typer.Option(None, "--out", help="Output folder "
                                           "(default calibration-<data>-<model>)."),
        folds: int = typer.Option(5, "--folds", min=0, help="k-fold cross-validation (0: skip)."),
        n_boot: int = typer.Option(20, "--n-boot", min=0, help="Bootstrap refits (0: skip)."),
        curve: str = typer.Option("auto", "--curve",
                                  help="Learning-curve sizes, comma-separated ('' to skip); "
                                       "auto: 10,30,100,300 problems or 10,30,100 people."),
        baseline: str = typer.Option("auto", "--baseline",
                                     help="Baseline on the same split: auto (cpt or rl), a "
                                          "model name, or none."),
        data_home: Optional[Path] = typer.Option(None, "--data-home",
                                                 help="Data home (default COGSIM_DATA_HOME)."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress or summary.")) -> None:
    """Fit a model to human data; write params.json, fidelity.json, report.md and figures."""
    from rich.console import Console

    from cogsim.calibration.run import calibrate as run_calibrate, write_calibration
    from cogsim.calibration.sources import load_calibration_data
    from cogsim.datasets.errors import DataError

    try:
        sizes = None if curve == "auto" else [int(x) for x in curve.split(",") if x.strip()]
    except ValueError:
        _fail(f"option --curve: expected comma-separated whole numbers or auto, got {curve!r}")
    console = Console(stderr=True, quiet=quiet)
    try:
        with console.status("loading data") as status:
            table = load_calibration_data(data, data_home)
            result = run_calibrate(
                table, model, n_train=n_train, seed=seed, folds=folds, n_boot=n_boot,
                curve=sizes, baseline=None if baseline == "none" else baseline,
                progress=lambda stage: status.update(stage))
        target = out or Path(f"calibration-{Path(data).stem}-{model}")
        write_calibration(result, target)
    except (DataError, ValueError) as e:
        _fail(str(e))
    if not quiet:
        f = result.fidelity
        keys = [k for k in f if k.startswith(("train_", "test_", "baseline_test_"))
                and isinstance(f[k], float) and "_mse_block" not in k]
        typer.echo(f"{model} on {f['n_train']} {f['units']} of {data} "
                   f"({result.fit_seconds:.1f} s): "
                   + ", ".join(f"{k} {f[k]:.4g}" for k in keys))
        typer.echo("  params: " + ", ".join(f"{k} {v:.4g}" for k, v in result.params.items()))
        typer.echo(f"  wrote {target}/: params.json, fidelity.json, report.md, figures")


@app.command()
def predict(
        params: Path = typer.Option(..., "--params", help="params.json of a calibration."),
        problems: Path = typer.Option(..., "--problems",
                                      help="Gamble problems in the competition format (CSV)."),
        protocol: str = typer.Option("cpc", "--protocol",
                                     help="cpc: 25 trials, block rates B.1..B.5; c13k: "
                                          "choices13k's 5 trials, bRate."),
        out: Path = typer.Option(Path("predictions.csv"), "--out", help="Output CSV.")) -> None:
    """Predict the rate of choosing B for gamble problems with a calibrated model."""
    from cogsim.calibration.predict import load_params, predict_problems
    from cogsim.outputs import write_csv_atomic
    from cogsim.calibration.sources import read_table
    from cogsim.datasets.errors import DataError

    try:
        model = load_params(params)
        table = predict_problems(model, read_table(problems).rename_axis(None), protocol)
        write_csv_atomic(table, out)
    except (DataError, ValueError) as e:
        _fail(str(e))
    typer.echo(f"{len(table)} problems -> {out} ({protocol} protocol)")


@app.command()
def report(
        judgments: Path = typer.Argument(..., help="Synthetic judgments (Parquet/CSV), e.g. "
                                                   "cogsim-out/judgments.parquet."),
        human: str = typer.Option(..., "--human", help="Human judgments: a file in the "
                                                       "generic schema or a data set name."),
        items: Optional[Path] = typer.Option(None, "--items", help="Item table (for length "
                                                                   "and list bias)."),
        out: Path = typer.Option(Path("fidelity-report"), "--out", help="Output folder."),
        data_home: Optional[Path] = typer.Option(None, "--data-home")) -> None:
    """Fidelity of a synthetic judgments table against a human one."""
    from cogsim.datasets.errors import DataError
    from cogsim.fidelity_report import load_synthetic, write_fidelity_report
    from cogsim.datasets import load as load_human
    from cogsim.tasks import ItemError, load_items

    try:
        synthetic = load_synthetic(judgments)
        human_table = load_human(human, judgments=True, data_home=data_home)
        item_table = load_items(items) if items is not None else None
        measures = write_fidelity_report(synthetic, human_table, out, items=item_table,
                                         names=(str(judgments), str(human)))
    except (DataError, ItemError, ValueError) as e:
        _fail(str(e))
    shown = [k for k in ("msd", "accuracy", "agreement_with_human", "bias", "bt_kendall_tau",
                         "prefer_first", "human_prefer_first") if measures.get(k) is not None]
    typer.echo(", ".join(f"{k} {measures[k]:.4g}" for k in shown) or "no shared measures")
    typer.echo(f"  wrote {out}/: fidelity.json, report.md")


if __name__ == "__main__":
    app()
