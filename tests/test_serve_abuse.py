"""cogsim serve under abuse, against a real server on 127.0.0.1: every bad request gets the
right status and a JSON message naming the field, changes nothing (the clock, and the
judgments that follow, equal an oracle that never saw it), and the server keeps serving;
200 concurrent requests are applied one at a time in one order; a schemathesis run over the
OpenAPI schema finds no 5xx."""

from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import orjson
import pandas as pd
import pytest
import tomli_w

from cogsim import Oracle
from cogsim.serve.client import Client, Server, as_table

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "populations" / "default.toml"
SEED = 5
TOKEN = "s3cret-token-for-tests"
MAX_BATCH = 32
MAX_BODY = 64 * 1024


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    data = tomllib.loads(DEFAULT.read_text())
    if data.get("items"):
        data["items"] = str((DEFAULT.parent / data["items"]).resolve())
    data.update(experience_rate=0.5, social={"weight": 0.3}, drift={"sd": 0.02})
    path = tmp_path_factory.mktemp("spec") / "busy.toml"
    path.write_text(tomli_w.dumps(data))
    (path.parent / "token").write_text(TOKEN + "\n")
    return path


@pytest.fixture(scope="module")
def server(spec_file):
    server = Server("--population", spec_file, "--seed", SEED, "--save-every", "0",
                    "--state", spec_file.parent / "state",
                    "--token-file", spec_file.parent / "token", "--max-batch", MAX_BATCH,
                    "--max-body", MAX_BODY)
    yield server.start()
    assert server.stop() == 0


@pytest.fixture(scope="module")
def ids(spec_file) -> list[str]:
    pop = Oracle(spec_file).population
    return [str(i) for i in pop.item_ids[:pop.n_reference]]


AUTH = {"authorization": f"Bearer {TOKEN}"}


def post(url: str, path: str, body, headers=AUTH) -> httpx.Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return httpx.post(url + path, content=content, headers=headers, timeout=60)


def clock(url: str) -> dict:
    return httpx.get(url + "/v1/population", headers=AUTH).json()["clock"]


def bad_requests(ids: list[str]) -> list[tuple[str, str, object, dict, int, str]]:
    """(name, path, body, headers, status, field)."""
    a, b = ids[0], ids[1]
    pair = {"item_a": a, "item_b": b}
    row = {"item_a": a, "item_b": b, "annotator_id": 1}
    j, f, r = "/v1/judgments", "/v1/feedback", "/v1/rewards"
    return [
        ("malformed JSON", j, b'{"pairs": [{"item_a": ', AUTH, 400, "body"),
        ("not an object", j, b"[1, 2]", AUTH, 422, "body"),
        ("empty body", j, b"", AUTH, 422, "body"),
        ("missing pairs", j, {}, AUTH, 422, "pairs"),
        ("missing item_b", j, {"pairs": [{"item_a": a}]}, AUTH, 422, "pairs[0].item_b"),
        ("extra field", j, {"pairs": [pair], "colour": 1}, AUTH, 422, "colour"),
        ("extra pair field", j, {"pairs": [{**pair, "x": 1}]}, AUTH, 422, "pairs[0].x"),
        ("pairs not a list", j, {"pairs": a}, AUTH, 422, "pairs"),
        ("k a string", j, {"pairs": [pair], "k": "three"}, AUTH, 422, "k"),
        ("k zero", j, {"pairs": [pair], "k": 0}, AUTH, 422, "k"),
        ("k over the population", j, {"pairs": [pair], "k": 1000}, AUTH, 422, "k"),
        ("item a number list", j, {"pairs": [{"item_a": [1], "item_b": b}]}, AUTH, 422,
         "pairs[0].item_a"),
        ("NaN attribute", j, b'{"pairs": [{"item_a": "%s", "item_b": {"log_length": NaN}}]}'
         % a.encode(), AUTH, 422, "pairs[0].item_b"),
        ("Infinity attribute", j, b'{"pairs": [{"item_a": "%s", "item_b": {"length": '
         b'Infinity}}]}' % a.encode(), AUTH, 422, "pairs[0].item_b"),
        ("unknown attribute", j, {"pairs": [{"item_a": a, "item_b": {"colour": 1}}]}, AUTH,
         422, "pairs[0].item_b"),
        ("unknown item", j, {"pairs": [{"item_a": a, "item_b": "no-such-item"}]}, AUTH, 422,
         "pairs[0].item_b"),
        ("same item twice", j, {"pairs": [{"item_a": a, "item_b": a}]}, AUTH, 422, "pairs[0]"),
        ("empty batch", j, {"pairs": []}, AUTH, 422, "pairs"),
        ("unknown annotator", j, {"pairs": [pair], "annotators": [9999]}, AUTH, 422,
         "annotators"),
        ("unknown annotator_id", j, {"pairs": [{**pair, "annotator_id": 9999}]}, AUTH, 422,
         "pairs[0].annotator_id"),
        ("negative annotator", j, {"pairs": [pair], "annotators": [-1]}, AUTH, 422,
         "annotators[0]"),
        ("unknown group", j, {"pairs": [pair], "group": "nobody"}, AUTH, 422, "group"),
        ("two ways of choosing", j, {"pairs": [pair], "group": "helpful", "annotators": [1]},
         AUTH, 422, "group"),
        ("k with annotators", j, {"pairs": [pair], "k": 2, "annotators": [1]}, AUTH, 422, "k"),
        ("batch over the limit", j, {"pairs": [pair] * (MAX_BATCH + 1)}, AUTH, 422, "pairs"),
        ("body over the limit", j, {"pairs": [pair], "items": [{"item_id": "x" * MAX_BODY}]},
         AUTH, 413, "body"),
        ("no token", j, {"pairs": [pair]}, {}, 401, "Authorization"),
        ("wrong token", j, {"pairs": [pair]}, {"authorization": "Bearer nope"}, 401,
         "Authorization"),
        ("not a bearer token", j, {"pairs": [pair]}, {"authorization": f"Basic {TOKEN}"},
         401, "Authorization"),
        ("feedback unknown item", f, {"judgments": [{**row, "item_b": "zz"}]}, AUTH, 422,
         "judgments[0]"),
        ("feedback NaN outcome", f, b'{"judgments": [{"item_a": "%s", "item_b": "%s", '
         b'"annotator_id": 1}], "outcomes": {"%s": NaN, "%s": 1}}'
         % (a.encode(), b.encode(), a.encode(), b.encode()), AUTH, 422, "outcomes"),
        ("feedback no annotator", f, {"judgments": [pair]}, AUTH, 422,
         "judgments[0].annotator_id"),
        ("feedback unknown group", f, {"judgments": [row], "who": "nobody"}, AUTH, 422, "who"),
        ("feedback preferred elsewhere", f, {"judgments": [row], "preferred": [ids[2]]}, AUTH,
         422, "preferred"),
        ("feedback too many learners", f, {"judgments": [row] * 8, "who": [0] * 9000}, AUTH,
         422, "who"),
        ("judgments too many annotators", j, {"pairs": [pair] * 8, "annotators": [0] * 9000},
         AUTH, 422, "pairs"),
        ("feedback extra field", f, {"judgments": [row], "mood": 1}, AUTH, 422, "mood"),
        ("rewards unequal", r, {"prompts": ["p"], "completions": ["a", "b"]}, AUTH, 422,
         "completions"),
        ("rewards wrong type", r, {"prompts": ["p"], "completions": [1]}, AUTH, 422,
         "completions[0]"),
    ]


def test_every_bad_request_is_refused_and_changes_nothing(server, spec_file, ids):
    reference = Oracle(spec_file, seed=SEED)
    pairs = [(ids[n], ids[n + 3]) for n in range(12)]
    with Client(server, token=TOKEN) as client:
        pd.testing.assert_frame_equal(reference.judge(pairs[:6]), client.judge(pairs[:6]))
        before = clock(server)
        for name, path, body, headers, status, field in bad_requests(ids):
            r = post(server, path, body, headers)
            assert r.status_code == status, (name, r.status_code, r.text)
            answer = r.json()
            assert answer["field"] == field, (name, answer)
            assert field in answer["detail"] and len(answer["detail"].splitlines()) == 1, name
            assert clock(server) == before, name
        assert client.health() == {"status": "ok"}
        # the judgments that follow are those of an oracle that never saw the bad requests
        pd.testing.assert_frame_equal(reference.judge(pairs[6:]), client.judge(pairs[6:]))
        assert reference.feedback(reference.judge(pairs[:2]), outcomes="gold") == \
            client.feedback(client.judge(pairs[:2]), outcomes="gold")
        pd.testing.assert_frame_equal(reference.judge(pairs), client.judge(pairs))


def test_other_methods_and_paths_get_json_errors(server):
    r = httpx.get(server + "/v1/judgments", headers=AUTH)
    assert r.status_code == 405 and "Method Not Allowed" in r.json()["detail"]
    r = httpx.get(server + "/v1/nothing-here", headers=AUTH)
    assert r.status_code == 404 and r.json()["detail"]
    assert httpx.get(server + "/healthz").json() == {"status": "ok"}      # open without token
    for open_path in ("/docs", "/openapi.json", "/docs/assets/swagger-ui.css"):
        assert httpx.get(server + open_path).status_code == 200, open_path  # documents open
    assert httpx.get(server + "/docs/assets/nothing.js").status_code == 404
    assert httpx.get(server + "/v1/population").status_code == 401


def test_200_concurrent_requests_are_applied_one_at_a_time(server, spec_file, ids):
    """200 requests at once (and 40 bad ones among them): all answered; the good ones were
    applied in one order, which an in-process oracle replays to the same judgments."""
    rng = np.random.default_rng(0)
    requests = []
    for n in range(200):
        a = rng.integers(0, len(ids), 3)
        pairs = [{"item_a": ids[x], "item_b": ids[(x + 1) % len(ids)]} for x in a]
        how = [{}, {"k": 1}, {"group": "helpful"}, {"annotators": [int(n % 60)]}][n % 4]
        requests.append({"pairs": pairs, **how, "orient": "columns"})
    bad = [{"pairs": [{"item_a": ids[0], "item_b": "missing"}]}] * 40
    saved = post(server, "/v1/save", b"")
    assert saved.status_code == 200, saved.text
    start = clock(server)

    limits = httpx.Limits(max_connections=240, max_keepalive_connections=240)
    with httpx.Client(timeout=120, limits=limits) as http, ThreadPoolExecutor(240) as pool:
        answers = list(pool.map(lambda body: http.post(
            server + "/v1/judgments", content=orjson.dumps(body), headers=AUTH),
            requests + bad))
    assert [r.status_code for r in answers] == [200] * 200 + [422] * 40
    assert httpx.get(server + "/healthz").json() == {"status": "ok"}
    end = clock(server)
    assert end["pairs_seen"] - start["pairs_seen"] == 600
    # the order the server applied them in: their pair ids, numbered as pairs arrive
    tables = [as_table(r.json()["judgments"]) for r in answers[:200]]
    order = sorted(range(200), key=lambda n: tables[n]["pair_id"].min())
    assert [tables[n]["pair_id"].min() for n in order] == \
        list(range(start["pairs_seen"], end["pairs_seen"], 3))
    # an in-process oracle in the state saved before the burst, given the requests in that
    # order, judges exactly as the server did
    replay = Oracle.load(spec_file.parent / "state")
    for n in order:
        how = {k: v for k, v in requests[n].items() if k not in ("pairs", "orient")}
        pairs = [(p["item_a"], p["item_b"]) for p in requests[n]["pairs"]]
        pd.testing.assert_frame_equal(replay.judge(pairs, **how), tables[n])


def test_schemathesis_finds_no_server_error(server):
    """Fuzz every operation of the OpenAPI schema (valid and invalid inputs) against the
    real server: no answer is a 5xx, every answer is JSON, and the server still serves."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    seen = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=10, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call(base_url=server, headers=AUTH, timeout=60)
                seen.add(response.status_code)
                assert response.status_code < 500, (case.method, case.path, case.body,
                                                    response.text[:300])
                response.json()

            try:
                check()
            except Unsatisfiable:             # no invalid input to make (no parameters)
                assert mode == GenerationMode.NEGATIVE
    assert 200 in seen and 422 in seen
    assert httpx.get(server + "/healthz").json() == {"status": "ok"}
