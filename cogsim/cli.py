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


if __name__ == "__main__":
    app()
