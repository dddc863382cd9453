"""The oracle over HTTP: ``cogsim serve``.

* :mod:`cogsim.serve.app` — the FastAPI application (endpoints, token, limits, errors);
* :mod:`cogsim.serve.service` — the oracle behind it: one worker thread applies the calls in
  the order the requests arrived, and saves the state atomically;
* :mod:`cogsim.serve.server` — running it with uvicorn, saving on SIGTERM/SIGINT;
* :mod:`cogsim.serve.client` — a Python client (httpx).

Nothing heavy is imported here: ``from cogsim.serve.client import Client`` needs only httpx.
"""

__all__ = ["Client", "create_app", "serve"]


def __getattr__(name: str):
    if name == "Client":
        from cogsim.serve.client import Client
        return Client
    if name == "create_app":
        from cogsim.serve.app import create_app
        return create_app
    if name == "serve":
        from cogsim.serve.server import serve
        return serve
    raise AttributeError(f"module 'cogsim.serve' has no attribute {name!r}")
