"""The web application: endpoints under ``/v1``, a bearer token, size limits, and one JSON
shape for every refusal.

Endpoints
---------
``POST /v1/judgments``, ``POST /v1/feedback``, ``POST /v1/rewards`` (when the oracle has
``rewards``), ``GET /v1/population``, ``POST /v1/save``; ``GET /healthz``; the OpenAPI
documents at ``/docs`` and ``/openapi.json``.

Rules
-----
* With a token, every ``/v1`` request must carry ``Authorization: Bearer <token>``
  (compared in constant time, :func:`hmac.compare_digest`); else 401.  ``/healthz`` and the
  documents are open.
* A body over ``max_body`` bytes is refused with 413 before it is parsed; a batch over
  ``max_batch`` pairs (or ``max_judgments`` judgments) with 422.
* Malformed JSON: 400.  Missing, unknown or mistyped fields, NaN, unknown items, annotators
  or groups: 422.  Each refusal is ``{"detail": "<field>: <problem>", "field": "<field>"}``
  and changes nothing.  After an internal error the state is not changed further (503).
* Requests are answered one at a time in the order they arrived complete, each call on the
  oracle run to its end in the event loop (:mod:`cogsim.serve.service`).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.exceptions import StarletteHTTPException as HTTPException
from fastapi.responses import Response

from cogsim import __version__
from cogsim.errors import InputError
from cogsim.serve import ops
from cogsim.serve.docs import ASSETS, add_docs
from cogsim.serve.schemas import (
    ErrorResponse,
    FeedbackRequest,
    FeedbackResponse,
    JudgmentsRequest,
    JudgmentsResponse,
    PopulationResponse,
    RewardsRequest,
    RewardsResponse,
    SaveResponse,
)
from cogsim.serve.service import DEFAULT_MAX_BATCH, DEFAULT_MAX_BODY, OracleService, Unavailable

__all__ = ["create_app"]

_OPEN = ("/healthz", "/docs", "/openapi.json")


def _json(status: int, body: Any, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers=headers)


def _error(status: int, field: str | None, detail: str, headers: dict | None = None):
    return _json(status, {"detail": " ".join(detail.split()), "field": field}, headers)


class Guard:
    """ASGI middleware: the bearer token, then the body size (read in full, up to the
    limit, before the application sees it)."""

    def __init__(self, app, token: str | None, max_body: int):
        self.app = app
        self.token = token.encode() if token else None
        self.max_body = max_body

    async def _refuse(self, send, status: int, field: str, detail: str,
                      headers: list | None = None) -> None:
        body = orjson.dumps({"detail": detail, "field": field})
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()), *(headers or [])]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if self.token is not None and scope["path"] not in _OPEN \
                and not scope["path"].startswith(ASSETS):
            given = headers.get(b"authorization", b"")
            scheme, _, credential = given.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(credential.strip(),
                                                                      self.token):
                problem = "missing" if not given else "wrong or malformed"
                return await self._refuse(
                    send, 401, "Authorization",
                    f"Authorization: {problem} bearer token; expected 'Authorization: Bearer "
                    f"<token>' with the service's token", [(b"www-authenticate", b"Bearer")])
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        # Bodies are JSON whatever their content type says (curl -d sends a form's).
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"]
                                     if k != b"content-type"]
                     + [(b"content-type", b"application/json")])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._drain(receive)
            return await self._too_large(send, int(length))
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return                                  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body:
                await self._drain(receive)
                return await self._too_large(send, size)
            if not message.get("more_body", False):
                break
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    async def _drain(self, receive, cap: int = 64 * 2**20) -> None:
        """Read (and drop) the rest of a refused body, so the client reads the answer."""
        size = 0
        while size < cap:
            message = await receive()
            if message["type"] != "http.request":
                return
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _too_large(self, send, size: int) -> None:
        await self._refuse(send, 413, "body", f"body: {size} bytes or more; expected at most "
                                              f"{self.max_body} bytes (--max-body)")


_TAGS = {"str", "int", "float", "bool", "dict", "list", "none"}


def _field(loc) -> str:
    out = ""
    for part in loc:
        if (part == "body" and not out) or (isinstance(part, str) and (
                part in _TAGS or any(c in part for c in "[]'("))):
            continue                      # the body itself, or a member of a union
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _validation(request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid body", "type": ""}
    if first.get("type") == "json_invalid":
        where = first.get("ctx", {}).get("error", "")
        return _error(400, "body", f"body: malformed JSON ({where}); expected a JSON object")
    field = _field(first.get("loc", ()))
    message = first.get("msg", "invalid").removeprefix("Value error, ")
    if first.get("type") == "missing":
        message = "missing; this field is required"
    elif first.get("type") == "extra_forbidden":
        message = "unknown field; remove it (see /docs for the fields)"
    elif first.get("type") in ("model_attributes_type", "dict_type") and field == "body":
        message = f"expected a JSON object, got {type(first.get('input')).__name__}"
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return _error(422, field, f"{field}: {message}{more}")


def create_app(service: OracleService, *, token: str | None = None,
               max_body: int = DEFAULT_MAX_BODY, max_batch: int = DEFAULT_MAX_BATCH,
               max_judgments: int | None = None, save_every: float = 0.0,
               on_ready: Callable[[], None] | None = None) -> FastAPI:
    """The application over ``service`` (see the module notes).

    Parameters
    ----------
    service : OracleService
    token : str, optional
        Bearer token that ``/v1`` requests must carry.
    max_body, max_batch, max_judgments : int
        Bytes per body; pairs (or feedback rows, or completions) per request; judgments per
        request (default ``16 * max_batch``).
    save_every : float
        Seconds between saves of a changed state (0: only on /v1/save and at shutdown).
    on_ready : callable, optional
        Called once the application has started.
    """
    max_judgments = max_judgments or 16 * max_batch
    default_k = service.oracle.spec.assignment.annotators_per_pair
    n_annotators = service.oracle.n_annotators
    group_sizes = {str(k): int(v) for k, v in
                   service.oracle.annotators.groupby("group", sort=False).size().items()}
    has_rewards = callable(getattr(service.oracle, "rewards", None))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        saver = asyncio.create_task(_save_loop(service, save_every)) if save_every > 0 \
            else None
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            if saver is not None:
                saver.cancel()
            service.save(only_if_changed=True)

    app = FastAPI(title="cogsim", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="A population of cognitive annotators that judges pairs on "
                              "demand (cogsim.Oracle over HTTP). State-changing requests "
                              "are applied one at a time in the order they arrive.")
    app.add_middleware(Guard, token=token, max_body=max_body)
    add_docs(app)
    app.add_exception_handler(RequestValidationError, _validation)

    @app.exception_handler(InputError)
    async def _refused(request: Request, exc: InputError):
        if isinstance(exc, ops.Refused):
            return _error(422, exc.field, str(exc))
        return _error(422, *ops.translate(str(exc)))

    @app.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable):
        return _error(503 if service.broken else 409, None, str(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        return _error(500, None, f"internal error ({type(exc).__name__}: {exc}); "
                                 f"{service.broken or 'the state is unchanged'}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "refused"
        return _error(exc.status_code, None, f"{request.url.path}: {detail}", exc.headers)

    errors = {s: {"model": ErrorResponse} for s in (400, 401, 413, 422)}

    def clock() -> dict:
        return service.clock()

    @app.post("/v1/judgments", responses={200: {"model": JudgmentsResponse}, **errors},
              response_class=Response, tags=["oracle"])
    async def judgments(body: JudgmentsRequest):
        """Judge a batch of pairs: one row per judgment (the judgments table)."""
        call = ops.judgments_call(body, max_batch=max_batch, max_judgments=max_judgments,
                                  default_k=default_k, n_annotators=n_annotators,
                                  clock=clock)
        return _raw(service.call(call, changes=True))

    @app.post("/v1/feedback", responses={200: {"model": FeedbackResponse}, **errors},
              response_class=Response, tags=["oracle"])
    async def feedback(body: FeedbackRequest):
        """The annotators learn what the items of judged pairs are worth."""
        call = ops.feedback_call(body, max_batch=max_batch, max_experiences=16 * max_judgments,
                                 group_sizes=group_sizes, clock=clock)
        return _raw(service.call(call, changes=True))

    if has_rewards:
        @app.post("/v1/rewards", responses={200: {"model": RewardsResponse}, **errors},
                  response_class=Response, tags=["oracle"])
        async def rewards(body: RewardsRequest):
            """TRL-shaped rewards: each completion's win rate against the other
            completions of its prompt, as judged by the population."""
            call = ops.rewards_call(body, max_batch=max_batch, max_judgments=max_judgments,
                                  default_k=default_k, clock=clock)
            return _raw(service.call(call, changes=True))

    @app.get("/v1/population", response_model=PopulationResponse, tags=["state"])
    async def population():
        """The spec, size, groups, clock and versions."""
        return service.describe()

    @app.post("/v1/save", response_model=SaveResponse, responses={409: {"model": ErrorResponse}},
              tags=["state"])
    async def save():
        """Save the state now (atomically) into the service's state folder."""
        path = service.save()
        return {"path": str(path), "clock": clock()}

    @app.get("/healthz", tags=["state"])
    async def healthz():
        """Liveness: {"status": "ok"} (or "degraded" after an internal error)."""
        return {"status": "degraded" if service.broken else "ok"}

    _document_token(app, token is not None)
    return app


def _raw(body: bytes) -> Response:
    return Response(body, media_type="application/json")


async def _save_loop(service: OracleService, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            service.save(only_if_changed=True)
        except Exception as e:        # noqa: BLE001 - a failed save must not stop serving
            import sys

            print(f"cogsim serve: warning: periodic save failed: {e}", file=sys.stderr)


def _document_token(app: FastAPI, required: bool) -> None:
    """Declare the bearer token in the OpenAPI document (the middleware enforces it)."""
    if not required:
        return
    build = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
            "type": "http", "scheme": "bearer"}
        for path, methods in schema.get("paths", {}).items():
            if path.startswith("/v1"):
                for op in methods.values():
                    op["security"] = [{"bearer": []}]
                    op.setdefault("responses", {})["401"] = {
                        "description": "Missing or wrong token",
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/ErrorResponse"}}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
