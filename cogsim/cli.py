"""The ``cogsim`` command."""

from __future__ import annotations

import time
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


if __name__ == "__main__":
    app()
