"""The ``cogsim serve`` command (registered in :mod:`cogsim.cli`); it imports nothing heavy
until it runs."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["serve"]


def serve(
        population: Path | None = typer.Option(
            None, "--population", help="Population spec (TOML) or a calibration's "
                                        "params.json; default: the built-in population."),
        state: Path | None = typer.Option(
            None, "--state", help="State folder: resumed from when it holds a saved state, "
                                  "saved to every --save-every seconds and on SIGTERM/SIGINT."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (beyond "
                                                             "loopback only with a token)."),
        port: int = typer.Option(8000, "--port", help="Port (0: any free port)."),
        token_file: Path | None = typer.Option(
            None, "--token-file", help="File holding the bearer token /v1 requests need."),
        save_every: float = typer.Option(60.0, "--save-every",
                                         help="Seconds between saves of a changed state "
                                              "(0: only on /v1/save and at shutdown)."),
        seed: int | None = typer.Option(None, "--seed", help="Random seed (default: the "
                                                             "spec's)."),
        max_batch: int = typer.Option(4096, "--max-batch", help="Pairs per request."),
        max_body: int = typer.Option(8 * 2**20, "--max-body", help="Bytes per request body.")
) -> None:
    """Serve a population over HTTP (the oracle: /v1/judgments, /v1/feedback, /docs)."""
    from cogsim.errors import InputError
    from cogsim.serve.server import serve as run_server

    if seed is not None and not 0 <= seed <= 2**63 - 1:
        raise InputError(f"option --seed: expected a whole number from 0 to 2**63 - 1, got "
                         f"{seed}")
    run_server(population=population, state=state, host=host, port=port,
               token_file=token_file, save_every=save_every, seed=seed, max_body=max_body,
               max_batch=max_batch)
