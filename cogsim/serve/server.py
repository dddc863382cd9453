"""Running the service: options checked first, the oracle built or resumed, uvicorn on a
socket bound before start, and the state saved on SIGTERM/SIGINT.

Life of a server
----------------
1. Options are checked before anything starts (exit 2, one line): a host other than
   loopback needs ``--token-file``; the token file must hold a token; ``--state`` must be a
   saved state, an empty folder or a new path in a writable folder.
2. The oracle is loaded from ``--state`` when that folder holds a saved state (the
   population file is then not read: the state carries its own spec), else built from
   ``--population`` (default: the built-in population) and ``--seed``.
3. The socket is bound, one line ``cogsim serve: listening on http://HOST:PORT`` is
   printed when the application is ready, and uvicorn serves (one process, one event loop).
4. Every ``--save-every`` seconds a changed state is saved; on SIGTERM or SIGINT the server
   stops accepting, lets requests in progress finish, saves the state and exits 0.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cogsim.errors import InputError
from cogsim.outputs import Interrupted
from cogsim.serve.service import (
    DEFAULT_MAX_BATCH,
    DEFAULT_MAX_BODY,
    OracleService,
    check_state_folder,
)

if TYPE_CHECKING:  # pragma: no cover
    from cogsim.oracle import Oracle

__all__ = ["serve", "is_loopback", "read_token"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_token(path: Path) -> str:
    """The bearer token in ``path`` (surrounding white space removed)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"option --token-file: cannot read {str(path)!r} "
                         f"({getattr(e, 'strerror', None) or e}); expected a text file holding "
                         f"the token") from None
    token = text.strip()
    if not token or any(c.isspace() for c in token) or not token.isprintable():
        found = "no token" if not token else "a token with spaces or control characters"
        raise InputError(f"option --token-file: {str(path)!r} holds {found}; expected one "
                         f"line with the token (e.g. from "
                         f"'python -c \"import secrets; print(secrets.token_urlsafe())\"')")
    return token


def _oracle(population: Path | None, state: Path | None, seed: int | None) -> Oracle:
    from cogsim.oracle import Oracle

    if state is not None and check_state_folder(state):
        if population is not None or seed is not None:
            print(f"cogsim serve: resuming from the saved state {state} (its own spec and "
                  f"seed; --population/--seed are not used)", file=sys.stderr)
        try:
            return Oracle.load(state)
        except InputError as e:
            raise InputError(f"option --state: {e}") from None
    if population is None:
        population = Path(__file__).resolve().parents[1] / "data" / "default_population.toml"
    if population.suffix.lower() == ".json":          # a calibration's params.json
        from cogsim.calibration.populations import population_from_params
        return Oracle(population_from_params(population), seed=seed)
    return Oracle(population, seed=seed)


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket.  Made with protocol IPPROTO_TCP, so that asyncio sets
    TCP_NODELAY on its connections (without it, Nagle's algorithm holds each answer's
    body for the client's delayed ACK: 40 ms per request)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise InputError(f"option --port: cannot listen on {host}:{port} "
                         f"({e.strerror or e}); expected a free port") from None
    return sock


def serve(*, population: Path | None = None, state: Path | None = None,
          host: str = "127.0.0.1", port: int = 8000, token_file: Path | None = None,
          save_every: float = 60.0, seed: int | None = None,
          max_body: int = DEFAULT_MAX_BODY, max_batch: int = DEFAULT_MAX_BATCH,
          log_level: str = "warning") -> None:
    """Serve an oracle over HTTP until SIGTERM/SIGINT (see the module notes).

    Raises
    ------
    InputError
        A bad option (the command line prints it as one line and exits 2).
    """
    if not 0 <= port <= 65535:
        raise InputError(f"option --port: expected a whole number from 0 to 65535, got {port}")
    if save_every < 0:
        raise InputError(f"option --save-every: expected seconds >= 0, got {save_every}")
    if max_body < 1 or max_batch < 1:
        bad, value = ("--max-body", max_body) if max_body < 1 else ("--max-batch", max_batch)
        raise InputError(f"option {bad}: expected a whole number >= 1, got {value}")
    token = read_token(token_file) if token_file is not None else None
    if token is None and not is_loopback(host):
        raise InputError(f"option --host: {host!r} is reachable from other machines; expected "
                         f"--token-file with a bearer token to serve beyond this machine "
                         f"(or --host 127.0.0.1)")
    fresh = state is None or not check_state_folder(state)
    if fresh and population is not None and not Path(population).is_file():
        raise InputError(f"option --population: no file {str(population)!r}; expected a "
                         f"population spec (TOML) or a calibration's params.json")
    sock = _bind(host, port)            # a port in use is refused before the slow part
    try:
        import uvicorn

        from cogsim.serve.app import create_app

        service = OracleService(_oracle(population, state, seed), state)
    except BaseException:
        sock.close()
        raise
    where = sock.getsockname()
    shown = f"[{where[0]}]" if ":" in where[0] else where[0]

    def ready() -> None:
        print(f"cogsim serve: listening on http://{shown}:{where[1]} ({service.oracle.spec.name}"
              f", {service.oracle.n_annotators} annotators; state: {state or 'not saved'})",
              file=sys.stderr, flush=True)

    app = create_app(service, token=token, max_body=max_body, max_batch=max_batch,
                     save_every=save_every, on_ready=ready)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=30, timeout_keep_alive=30,
                            server_header=False)
    server = uvicorn.Server(config)
    stopped = None
    try:
        server.run(sockets=[sock])
    except Interrupted as e:          # uvicorn shut down gracefully, then passed the signal on
        stopped = e.name
    finally:
        sock.close()
    saved = ""
    if state is not None:
        saved = f"; state saved to {state}" if not service.unsaved and not service.broken \
            else f"; the latest changes are NOT saved (last save in {state})"
    print(f"cogsim serve: stopped{f' ({stopped})' if stopped else ''}{saved}", file=sys.stderr)
    if service.broken:
        print(f"cogsim serve: warning: {service.broken}", file=sys.stderr)
