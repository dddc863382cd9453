"""The ``cogsim`` command's entry point: signal handling first, then the (heavier) CLI, so
that Ctrl-C or SIGTERM at any moment ends with one line and nothing left behind."""

import os
import signal
import sys


def _before_any_work(signum, frame):
    """A signal while the command is still loading: nothing has been written yet."""
    sys.stderr.write(f"cogsim: error: interrupted ({signal.Signals(signum).name}); "
                     f"no output was written\n")
    sys.stderr.flush()
    os._exit(128 + signum)      # not SystemExit: an import in progress could catch and wrap it


signal.signal(signal.SIGINT, _before_any_work)
signal.signal(signal.SIGTERM, _before_any_work)


def main() -> None:
    """Run the ``cogsim`` command (see `cogsim.cli.main`)."""
    from cogsim.cli import main as run

    run()


if __name__ == "__main__":
    main()
