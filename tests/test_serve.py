"""cogsim serve against real uvicorn servers on 127.0.0.1 (child processes): the same
requests give the same answers as the in-process oracle; SIGTERM saves the state and a
restarted server continues exactly; periodic saves survive SIGKILL; options are checked."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import tomli_w

from cogsim import Oracle
from cogsim.serve.client import Client, RequestRefused, Server
from cogsim.serve.schemas import FeedbackRequest, JudgmentsRequest, RewardsRequest

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "populations" / "default.toml"
SEED = 11


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    """The default population with learning from experience, social influence and drift
    switched on, so that every request changes state that later judgments depend on."""
    data = tomllib.loads(DEFAULT.read_text())
    if data.get("items"):
        data["items"] = str((DEFAULT.parent / data["items"]).resolve())
    data.update(experience_rate=0.5, social={"weight": 0.3}, drift={"sd": 0.02})
    path = tmp_path_factory.mktemp("spec") / "busy.toml"
    path.write_text(tomli_w.dumps(data))
    return path


@pytest.fixture(scope="module")
def item_ids(spec_file) -> np.ndarray:
    pop = Oracle(spec_file).population
    return np.asarray(pop.item_ids[:pop.n_reference], dtype=str)


def random_pairs(ids: np.ndarray, n: int, seed: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(ids), n)
    b = (a + rng.integers(1, len(ids), n)) % len(ids)
    return list(zip(ids[a].tolist(), ids[b].tolist()))


def session(ids: np.ndarray) -> list[tuple[str, dict]]:
    """A training-loop-like sequence: judging in batches of several sizes and ways,
    feedback, new text items, rewards."""
    steps: list[tuple[str, dict]] = []
    for n, (size, how) in enumerate([(40, {}), (1, {}), (17, {"k": 5}), (9, {"group": "harmless"}),
                                     (6, {"annotators": [0, 3, 59]}), (64, {})]):
        steps.append(("judge", {"pairs": random_pairs(ids, size, n), **how}))
        if n in (0, 3):
            steps.append(("feedback", {"from": len(steps) - 1, "outcomes": "gold"}))
    steps.append(("judge", {"pairs": [(ids[0], {"prompt": "How do I boil an egg?",
                                                "text": "Boil it for 8 minutes."})]}))
    steps.append(("feedback", {"from": len(steps) - 1, "preferred": "b", "who": "all"}))
    prompts = ["How do I boil an egg?"] * 3 + ["Name a prime."] * 2
    steps.append(("rewards", {"prompts": prompts,
                              "completions": ["Boil it 8 minutes.", "I cannot help.",
                                              "Put the egg in boiling water for 8 minutes, "
                                              "then cool it.", "7", "Seven is prime."]}))
    table = pd.DataFrame(random_pairs(ids, 8, 5), columns=["item_a", "item_b"])
    table["annotator_id"] = np.arange(8) * 7
    table["pair_id"] = np.arange(8) + 1000
    steps.append(("judge", {"pairs": table}))           # a pair table: given annotators
    steps.append(("judge", {"pairs": random_pairs(ids, 30, 99)}))
    return steps


def run(oracle, steps, before: list | None = None) -> list:
    """Run the steps on an Oracle or a Client (same calls); returns each step's answer
    (``before``: the answers of the steps before these, which feedback steps refer to)."""
    out: list = list(before or [])
    for kind, args in steps:
        if kind == "judge":
            args = dict(args)
            out.append(oracle.judge(args.pop("pairs"), **args))
        elif kind == "feedback":
            judged = out[args["from"]]
            if "preferred" in args:
                pick = judged["item_b"] if args["preferred"] == "b" else judged["item_a"]
                out.append(oracle.feedback(judged, preferred=list(pick.astype(str)),
                                           who=args["who"]))
            else:
                out.append(oracle.feedback(judged, outcomes=args["outcomes"]))
        else:
            out.append(oracle.rewards(args["prompts"], args["completions"]))
    return out[len(before or []):]


def assert_same(expected: list, got: list) -> None:
    assert len(expected) == len(got)
    for e, g in zip(expected, got):
        if isinstance(e, pd.DataFrame):
            pd.testing.assert_frame_equal(e.reset_index(drop=True), g)
        else:
            assert e == g


def test_http_answers_equal_the_in_process_oracle(spec_file, item_ids, tmp_path):
    steps = session(item_ids)
    expected = run(Oracle(spec_file, seed=SEED), steps)
    with Server("--population", spec_file, "--seed", SEED, "--save-every", "0") as url, \
            Client(url) as client:
        got = run(client, steps)
        judged, votes = client.judge(random_pairs(item_ids, 5, 7), aggregate=True)
        population = client.population()
        with pytest.raises(RequestRefused) as e:
            client.save()                                  # no --state: nothing to save to
        assert e.value.status == 409 and "--state" in e.value.detail
        assert client.health() == {"status": "ok"}
        docs = httpx.get(f"{url}/openapi.json").json()
        ref = docs["paths"]["/v1/judgments"]["post"]["requestBody"]["content"][
            "application/json"]["schema"]["$ref"]
        assert docs["components"]["schemas"][ref.rsplit("/", 1)[1]]["examples"]
        page = httpx.get(f"{url}/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert len(assets) >= 2 and not [a for a in assets if "//" in a], assets  # offline
        for asset in assets:
            assert httpx.get(url + asset).status_code == 200, asset
        for path, model in (("/v1/judgments", JudgmentsRequest),
                            ("/v1/feedback", FeedbackRequest),
                            ("/v1/rewards", RewardsRequest)):    # the examples at /docs work
            for example in model.model_json_schema()["examples"]:
                assert httpx.post(url + path, json=example).status_code == 200, example
    assert_same(expected, got)
    reference = Oracle(spec_file, seed=SEED)
    run(reference, steps)
    again = reference.judge(random_pairs(item_ids, 5, 7))
    pd.testing.assert_frame_equal(again, judged)
    assert votes[["votes_a", "votes_b"]].sum().sum() == len(judged)
    assert population["size"] == reference.n_annotators and population["seed"] == SEED
    assert population["clock"]["pairs_seen"] == reference.pairs_seen
    assert population["clock"]["judgments"] == int(reference.annotators["judgments"].sum())
    assert population["version"]["api"] == "v1"


def test_sigterm_saves_and_a_restart_continues_exactly(spec_file, item_ids, tmp_path):
    """Kill -TERM mid-session; the restarted server's answers equal an uninterrupted
    oracle's."""
    steps = session(item_ids)
    cut = 5
    expected = run(Oracle(spec_file, seed=SEED), steps)
    state = tmp_path / "state"
    args = ("--population", spec_file, "--seed", SEED, "--state", state, "--save-every", "0")
    first = Server(*args)
    with Client(first.start()) as client:
        got = run(client, steps[:cut])
    assert first.stop() == 0
    assert any("stopped (SIGTERM); state saved to" in line for line in first.lines)
    manifest = json.loads((state / "manifest.json").read_text())
    assert manifest["format"] == "cogsim-oracle-state"
    assert not [p for p in tmp_path.iterdir() if p.name != "state"]   # no temporary left
    second = Server(*args)
    with Client(second.start()) as client:
        rest = run(client, steps[cut:], before=got)
    assert second.stop(2) == 0                                          # SIGINT too
    assert any("resuming from the saved state" in line for line in second.lines)
    assert_same(expected, got + rest)


def test_periodic_saves_survive_sigkill(spec_file, item_ids, tmp_path):
    """--save-every: the state saved while serving is whole, and a server killed with
    SIGKILL restarts from it."""
    state = tmp_path / "state"
    pairs = random_pairs(item_ids, 20, 1)
    server = Server("--population", spec_file, "--seed", SEED, "--state", state,
                    "--save-every", "0.3")
    with Client(server.start()) as client:
        client.judge(pairs)
        deadline = time.monotonic() + 30
        while client.population()["clock"]["unsaved_changes"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.population()["clock"]["unsaved_changes"] == 0
    server.stop(9)
    reference = Oracle(spec_file, seed=SEED)
    reference.judge(pairs)
    expected = reference.judge(pairs[:7])
    with Server("--state", state, "--save-every", "0") as url, Client(url) as client:
        pd.testing.assert_frame_equal(expected, client.judge(pairs[:7]))


def cogsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cogsim", "serve", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args, says", [
    (["--host", "0.0.0.0"], "option --host: '0.0.0.0' is reachable from other machines"),
    (["--token-file", "{empty}"], "option --token-file"),
    (["--state", "{busy}"], "option --state"),
    (["--port", "70000"], "option --port"),
    (["--save-every", "-1"], "option --save-every"),
])
def test_bad_options_exit_2_with_one_line(args, says, tmp_path):
    (tmp_path / "empty").write_text("\n")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("not a state")
    args = [a.format(empty=tmp_path / "empty", busy=tmp_path / "busy") for a in args]
    r = cogsim(*args)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cogsim: error: ") and says in lines[0]
    assert (tmp_path / "busy" / "mine.txt").read_text() == "not a state"


def test_sigterm_during_a_burst_saves_exactly_what_was_answered(spec_file, item_ids,
                                                                tmp_path):
    """SIGTERM while 20 clients send requests: the requests in progress finish, and the
    saved state holds exactly the answered ones (the restarted server's clock)."""
    import threading

    state = tmp_path / "state"
    server = Server("--population", spec_file, "--state", state, "--save-every", "0")
    url = server.start()
    answered: list[int] = []
    started = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            for r in range(30):
                body = {"pairs": [{"item_a": a, "item_b": b}
                                  for a, b in random_pairs(item_ids, 4, 100 * n + r)]}
                try:
                    answer = http.post("/v1/judgments", json=body)
                except httpx.HTTPError:
                    return                       # the server has stopped listening
                if answer.status_code != 200:
                    return
                answered.append(4)
                started.set()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    assert started.wait(60)
    time.sleep(0.3)
    assert server.stop() == 0
    for t in threads:
        t.join()
    assert 0 < sum(answered) < 20 * 30 * 4              # stopped mid-burst
    with Server("--state", state, "--save-every", "0") as again, Client(again) as c:
        assert c.population()["clock"]["pairs_seen"] == sum(answered)


def test_a_port_in_use_exits_2_before_loading(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        r = cogsim("--port", busy.getsockname()[1], "--state", tmp_path / "state")
    assert r.returncode == 2
    assert r.stderr.startswith("cogsim: error: option --port: cannot listen on 127.0.0.1:")
    assert not (tmp_path / "state").exists()
