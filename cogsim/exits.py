"""How the ``cogsim`` command ends: one line on stderr and an exit status for each kind of
error (an input or usage error: 2; an interruption: 128 + signal), shared by its
subcommands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import typer

from cogsim.errors import InputError

__all__ = ["exit_status", "run_script", "say_error"]


def say_error(message: str, program: str = "cogsim") -> None:
    """Write ``<program>: error: <message>`` on one line of stderr."""
    typer.echo(f"{program}: error: " + " ".join(str(message).split()), err=True)


def run_script(main: Callable[[], object]) -> None:
    """Run a recipe or experiment script's ``main`` as the ``cogsim`` command runs: an input
    error (a data set missing from the data home, a bad file or value) ends it with one line
    on stderr and exit status 2, not a traceback; an int that ``main`` returns is the exit
    status."""
    try:
        status = main()
    except InputError as error:
        say_error(str(error), Path(sys.argv[0]).name)
        raise SystemExit(2) from None
    raise SystemExit(status if isinstance(status, int) else 0)


def exit_status(error: BaseException) -> int:
    """The exit status for a command that ended with ``error``, after saying why in one line;
    ``error`` is re-raised if it is not an input error, a usage error or an interruption."""
    from cogsim.outputs import interruption

    cx = _click_exceptions()
    signal = interruption(error)
    if signal is not None:
        say_error(f"interrupted ({signal.name}); no output was written")
        return 128 + signal.signum
    if isinstance(error, cx.NoArgsIsHelpError):
        typer.echo(error.ctx.get_help())
        return 0
    if isinstance(error, (cx.UsageError, InputError)):
        say_error(_usage_message(error) if isinstance(error, cx.UsageError) else str(error))
        return 2
    if isinstance(error, typer.Exit):
        return error.exit_code
    if isinstance(error, (typer.Abort, KeyboardInterrupt)):
        say_error("interrupted (SIGINT); no output was written")
        return 130
    raise error


def _click_exceptions():
    """The module of click's exceptions that typer raises (recent typer carries its own
    copy of click)."""
    try:
        from typer._click import exceptions
    except ImportError:
        from click import exceptions
    return exceptions


def _usage_message(e) -> str:
    message = e.format_message()
    if e.ctx is not None and e.ctx.command_path:
        message = f"{message} (see '{e.ctx.command_path} --help')"
    return message
