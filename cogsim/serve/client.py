"""A Python client of ``cogsim serve`` (httpx): the oracle's calls, answered over HTTP.

>>> from cogsim.serve.client import Client                               # doctest: +SKIP
>>> oracle = Client("http://127.0.0.1:8000")                             # doctest: +SKIP
>>> judged = oracle.judge([("p00r0", "p00r1")])     # the judgments table  # doctest: +SKIP
>>> oracle.feedback(judged, outcomes="gold")                             # doctest: +SKIP

The tables come back with the columns and dtypes of :meth:`cogsim.Oracle.judge`, so the same
requests give the same table in-process and over HTTP.  :meth:`Client.rewards` has the
signature of a TRL reward function (``prompts, completions, **kwargs``).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
import pandas as pd

__all__ = ["Client", "Server", "ServiceError", "RequestRefused", "as_table"]

#: dtypes of the judgments table (cogsim.population.judgments).
_DTYPES = {"run_id": object, "step": "int64", "pair_id": "int64", "annotator_id": "int64",
           "group": "string", "item_a": "string", "item_b": "string", "first": "string",
           "chosen": "string", "value_a": "float64", "value_b": "float64", "p_a": "float64",
           "rt": "float64", "strategy": "string", "model": "string", "seed": "int64"}


class ServiceError(Exception):
    """The service answered with an error: ``status``, ``field`` and ``detail``."""

    def __init__(self, status: int, detail: str, field: str | None = None):
        super().__init__(f"HTTP {status}: {detail}")
        self.status, self.detail, self.field = status, detail, field


class RequestRefused(ServiceError, ValueError):
    """A 4xx answer: the request was refused and changed nothing."""


def as_table(columns: Mapping[str, list]) -> pd.DataFrame:
    """A judgments table from a response's columns (orient 'columns'), with the dtypes of
    :meth:`cogsim.Oracle.judge`'s."""
    table = pd.DataFrame(dict(columns))
    for name, dtype in _DTYPES.items():
        if name in table.columns:
            table[name] = table[name].astype("float64" if dtype == "float64" else dtype)
    return table


def _item(item: Any) -> Any:
    if isinstance(item, Mapping):
        return dict(item)
    return item if isinstance(item, str) else str(item)


class Client:
    """The oracle of a running ``cogsim serve``.

    Parameters
    ----------
    url : str
        The service, e.g. ``"http://127.0.0.1:8000"``.
    token : str, optional
        The bearer token (or give ``token_file``).
    token_file : str or Path, optional
        A file holding the token (the server's ``--token-file``).
    timeout : float
        Seconds to wait for an answer.
    """

    def __init__(self, url: str = "http://127.0.0.1:8000", *, token: str | None = None,
                 token_file: str | Path | None = None, timeout: float = 60.0):
        if token is None and token_file is not None:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        content = None if body is None else orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY)
        r = self.http.request(method, path, content=content)
        try:
            answer = orjson.loads(r.content) if r.content else {}
        except orjson.JSONDecodeError:
            answer = {"detail": r.text[:200]}
        if r.status_code >= 400:
            kind = RequestRefused if r.status_code < 500 else ServiceError
            detail = answer.get("detail") if isinstance(answer, dict) else None
            raise kind(r.status_code, str(detail or r.reason_phrase),
                       answer.get("field") if isinstance(answer, dict) else None)
        return answer

    # --------------------------------------------------------------- calls
    def judge(self, pairs, *, items: pd.DataFrame | None = None, k: int | None = None,
              annotators: Sequence[int] | None = None, group: str | None = None,
              aggregate: bool = False):
        """Judge a batch of pairs (as :meth:`cogsim.Oracle.judge`).

        Parameters
        ----------
        pairs : DataFrame or sequence of pairs
            A table with ``item_a``, ``item_b`` (and optionally ``pair_id``,
            ``annotator_id``), or (item_a, item_b) pairs of ids or attribute mappings.
        items, k, annotators, group
            As for :meth:`cogsim.Oracle.judge`.
        aggregate : bool
            Also return the votes per pair.

        Returns
        -------
        DataFrame, or (DataFrame, DataFrame) with ``aggregate``
            The judgments table (and the per-pair aggregate).
        """
        if isinstance(pairs, pd.DataFrame):
            keep = [c for c in ("item_a", "item_b", "pair_id", "annotator_id")
                    if c in pairs.columns]
            rows = pairs[keep].to_dict("records")
            for row in rows:
                row["item_a"], row["item_b"] = str(row["item_a"]), str(row["item_b"])
        else:
            rows = [{"item_a": _item(a), "item_b": _item(b)} for a, b in pairs]
        body: dict[str, Any] = {"pairs": rows, "orient": "columns"}
        for name, value in (("k", k), ("group", group)):
            if value is not None:
                body[name] = value
        if annotators is not None:
            body["annotators"] = [int(a) for a in annotators]
        if items is not None:
            body["items"] = items.to_dict("records")
        if aggregate:
            body["aggregate"] = True
        answer = self._send("POST", "/v1/judgments", body)
        judged = as_table(answer["judgments"])
        if aggregate:
            return judged, pd.DataFrame(answer["aggregate"])
        return judged

    def feedback(self, judgments: pd.DataFrame, *, outcomes: str | Mapping = "gold",
                 preferred: Sequence[str] | None = None, who: str | Sequence[int] = "judged"
                 ) -> int:
        """The annotators learn (as :meth:`cogsim.Oracle.feedback`); returns the number of
        experiences stored."""
        keep = [c for c in ("item_a", "item_b", "annotator_id") if c in judgments.columns]
        rows = judgments[keep].astype({"item_a": str, "item_b": str}).to_dict("records")
        body: dict[str, Any] = {"judgments": rows,
                                "outcomes": outcomes if isinstance(outcomes, str)
                                else {str(k): float(v) for k, v in dict(outcomes).items()},
                                "who": who if isinstance(who, str) else [int(w) for w in who]}
        if preferred is not None:
            body["preferred"] = [str(p) for p in preferred]
        return int(self._send("POST", "/v1/feedback", body)["stored"])

    def rewards(self, prompts: Sequence[str], completions: Sequence[str],
                k: int | None = None, **kwargs) -> list[float]:
        """Each completion's win rate against the other completions of its prompt (a TRL
        reward function: extra keyword arguments are ignored)."""
        body: dict[str, Any] = {"prompts": list(prompts), "completions": list(completions)}
        if k is not None:
            body["k"] = k
        return [float(x) for x in self._send("POST", "/v1/rewards", body)["rewards"]]

    def population(self) -> dict:
        """The spec, size, groups, clock and versions."""
        return self._send("GET", "/v1/population")

    def save(self) -> dict:
        """Save the state now into the server's state folder."""
        return self._send("POST", "/v1/save")

    def health(self) -> dict:
        return self._send("GET", "/healthz")


class Server:
    """A ``cogsim serve`` in a child process, for notebooks, tests and benchmarks.

    ``with Server("--population", "spec.toml") as url: ...`` starts the server on a free
    port of 127.0.0.1, waits until it listens, and on leaving stops it with SIGTERM (which
    saves its state) and waits for it to end.

    Parameters
    ----------
    *args : str
        Options of ``cogsim serve`` (``--port`` defaults to 0: a free port).
    timeout : float
        Seconds to wait for the server to listen, and to end.
    """

    def __init__(self, *args: str, timeout: float = 120.0, env: dict | None = None):
        self.args = [str(a) for a in args]
        if "--port" not in self.args:
            self.args += ["--port", "0"]
        self.timeout, self.env = timeout, env
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self.lines: list[str] = []

    def start(self) -> str:
        """Start and wait until the server listens; returns its URL."""
        self.process = subprocess.Popen([sys.executable, "-m", "cogsim", "serve", *self.args],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True, env=self.env)
        found: list[str] = []

        def read() -> None:
            for line in self.process.stderr:
                self.lines.append(line.rstrip("\n"))
                m = re.search(r"listening on (http://\S+)", line)
                if m and not found:
                    found.append(m[1])

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        end = time.monotonic() + self.timeout
        while not found and time.monotonic() < end and self.process.poll() is None:
            time.sleep(0.02)
        if not found:
            self.stop()
            raise RuntimeError(f"cogsim serve did not start: {' | '.join(self.lines)[-500:]}")
        self._reader = reader
        self.url = found[0]
        return self.url

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and wait for the server to end; returns its exit status."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            code = self.process.wait(self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if getattr(self, "_reader", None) is not None:
            self._reader.join(5)
        return code

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
