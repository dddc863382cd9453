"""The on-demand oracle: batch-invariance, save/load across processes, equality with
generate on one schedule, refused queries that change nothing, feedback, bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim import Oracle
from cogsim.generate import generate
from cogsim.population.judgments import JUDGMENT_COLUMNS
from cogsim.spec import parse_spec
from cogsim.tasks import default_items, random_pairs

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "populations" / "attributes.toml"   # over the built-in attribute items


def busy_spec(**extra) -> dict:
    """The default population with everything that carries state switched on: learning
    from experience and gold feedback, fatigue, position bias, social influence, drift,
    and an ACT-R group with a heuristic."""
    data = tomllib.loads(DEFAULT.read_text())
    data.update(experience_rate=0.5, feedback={"rate": 0.3}, social={"weight": 0.3},
                drift={"sd": 0.02})
    data["groups"][2]["share"] = 0.1
    data["groups"].append({"name": "reader", "share": 0.15, "model": "actr",
                           "prior_instances": 20, "noise": 0.3,
                           "heuristics": ["prefer_larger:length"],
                           "values": {"helpfulness": 1.0, "length": 0.3}})
    data.update(extra)
    return data


@pytest.fixture(scope="module")
def spec():
    return parse_spec(busy_spec())


@pytest.fixture(scope="module")
def pairs():
    return random_pairs(default_items(), 240, np.random.default_rng(3))[["item_a", "item_b"]]


def judged_in(oracle: Oracle, pairs: pd.DataFrame, sizes: list[int]) -> pd.DataFrame:
    out, start = [], 0
    for size in sizes:
        out.append(oracle.judge(pairs.iloc[start:start + size]))
        start += size
    assert start == len(pairs)
    return pd.concat(out, ignore_index=True)


def test_judgments_do_not_depend_on_batching(spec, pairs):
    whole = Oracle(spec).judge(pairs)
    assert len(whole) == 3 * len(pairs)
    assert set(whole["model"]) == {"ibl", "bradley_terry", "actr"}
    assert whole["step"].nunique() > 5            # steps closed and effects applied
    ones = judged_in(Oracle(spec), pairs, [1] * len(pairs))
    uneven = judged_in(Oracle(spec), pairs, [7, 1, 100, 3, 129])
    pd.testing.assert_frame_equal(whole, ones)
    pd.testing.assert_frame_equal(whole, uneven)


def test_other_seed_other_judgments(spec, pairs):
    a = Oracle(spec).judge(pairs)
    b = Oracle(spec, seed=1).judge(pairs)
    assert not a["chosen"].equals(b["chosen"])


SCRIPT = """
import sys, pandas as pd
from cogsim import Oracle
from cogsim.spec import parse_spec
import json
spec = parse_spec(json.loads(sys.argv[1]))
pairs = pd.read_parquet(sys.argv[2])
if sys.argv[3] == "first":
    oracle = Oracle(spec)
    oracle.judge(pairs.iloc[:100]).to_parquet(sys.argv[5])
    oracle.save(sys.argv[4])
else:
    oracle = Oracle.load(sys.argv[4])
    oracle.judge(pairs.iloc[100:]).to_parquet(sys.argv[5])
"""


def test_save_and_load_in_fresh_processes_continue_exactly(spec, pairs, tmp_path):
    """Two real interpreter processes: one judges 100 pairs and saves, the next loads and
    judges the rest; together they equal one uninterrupted oracle."""
    pairs.to_parquet(tmp_path / "pairs.parquet")
    data = json.dumps(busy_spec())
    for part in ("first", "second"):
        subprocess.run([sys.executable, "-c", SCRIPT, data, str(tmp_path / "pairs.parquet"),
                        part, str(tmp_path / "state"), str(tmp_path / f"{part}.parquet")],
                       check=True, cwd=tmp_path, timeout=300)
    resumed = pd.concat([pd.read_parquet(tmp_path / f"{p}.parquet")
                         for p in ("first", "second")], ignore_index=True)
    whole = Oracle(spec).judge(pairs)
    pd.testing.assert_frame_equal(whole, resumed, check_dtype=False)
    manifest = json.loads((tmp_path / "state" / "manifest.json").read_text())
    assert manifest["format"] == "cogsim-oracle-state" and manifest["format_version"] == 1
    assert not list((tmp_path / "state").glob("*.pkl"))


def test_oracle_equals_generate_on_the_same_schedule():
    """generate's schedule replayed through the oracle, one step per call with the same
    annotators, gives the same judgments table."""
    data = busy_spec(memory={"optimized_learning": 3, "max_instances": 80})
    spec = parse_spec(data)
    items = default_items()
    result = generate(spec, items, n_pairs=150)
    population = result.population
    oracle = Oracle(spec, items)
    replay = []
    for who, rows in population._schedule:
        table = result.pairs.iloc[rows][["pair_id", "item_a", "item_b"]].assign(
            annotator_id=who)
        replay.append(oracle.judge(table))
        oracle.end_step()
    replay = pd.concat(replay, ignore_index=True)
    pd.testing.assert_frame_equal(result.judgments, replay)


def test_new_items_arrive_as_attributes_and_do_not_change_the_scaling(spec):
    attrs = list(default_items().columns[3:])
    rng = np.random.default_rng(0)
    new = [({a: float(v) for a, v in zip(attrs, rng.normal(4, 1, len(attrs)))},
            {a: float(v) for a, v in zip(attrs, rng.normal(4, 1, len(attrs)))})
           for _ in range(20)]
    plain = Oracle(spec)
    first = plain.judge(new)
    assert first["item_a"].str.match(r"^x[0-9a-f]{16}$").all()
    crowded = Oracle(spec)
    crowded.add_items(pd.DataFrame([{**{a: 100.0 * i for a in attrs}, "item_id": f"far{i}"}
                                    for i in range(500)]))
    pd.testing.assert_frame_equal(first, crowded.judge(new))
    again = plain.judge([new[0]])                    # the same mapping gets the same id
    assert again["item_a"].iloc[0] == first["item_a"].iloc[0]


def state_probe(oracle: Oracle) -> pd.DataFrame:
    return oracle.judge([("p00r0", "p00r1"), ("p03r2", "p03r4")] * 5)


@pytest.mark.parametrize("call, message", [
    (lambda o: o.judge([("p00r0", "nope")]), "unknown item 'nope'"),
    (lambda o: o.judge([("p00r0", "p00r0")]), "the same item"),
    (lambda o: o.judge([]), "the batch is empty"),
    (lambda o: o.judge(pd.DataFrame({"item_a": ["p00r0"], "item_b": ["p00r1"],
                                     "annotator_id": [60]})), "annotator_id"),
    (lambda o: o.judge([("p00r0", "p00r1")], annotators=[3, 99]),
     r"annotator ids from 0 to 59, got 99$"),
    (lambda o: o.judge([("p00r0", "p00r1")], group="pirates"), "unknown group 'pirates'"),
    (lambda o: o.judge([("p00r0", "p00r1")], k=61), "k: expected a whole number"),
    (lambda o: o.judge([("p00r0", {"helpfulness": 1.0})]), "missing attribute"),
    (lambda o: o.judge([("p00r0", {**ITEM, "sparkle": 1.0})]), "unknown attribute 'sparkle'"),
    (lambda o: o.judge([("p00r0", {**ITEM, "clarity": float("nan")})]), "finite number"),
    (lambda o: o.judge([("p00r0", "p00r1"), ("p00r0", "ghost")]), "row 2"),
    (lambda o: o.feedback(pd.DataFrame({"item_a": ["p00r0"], "item_b": ["p00r1"]})),
     "annotator_id"),
    (lambda o: o.feedback(pd.DataFrame({"item_a": ["p00r0"], "item_b": ["p00r1"]}),
                          who="all", outcomes={"p00r0": 1.0}), "no value for item 'p00r1'"),
])
def test_bad_queries_are_refused_and_change_nothing(spec, call, message):
    oracle, twin = Oracle(spec), Oracle(spec)
    oracle.judge([("p01r0", "p01r1")])
    twin.judge([("p01r0", "p01r1")])
    with pytest.raises(ValueError, match=message):
        call(oracle)
    pd.testing.assert_frame_equal(state_probe(oracle), state_probe(twin))


ITEM = dict(zip(("helpfulness", "correctness", "harmlessness", "clarity", "concision",
                 "creativity", "length", "has_list"), (4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 150.0, 0.0)))


def test_state_from_another_version_or_tampered_is_refused(spec, tmp_path):
    oracle = Oracle(spec)
    oracle.judge([("p00r0", "p00r1")])
    oracle.save(tmp_path / "state")
    manifest = tmp_path / "state" / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format_version": 99}))
    with pytest.raises(ValueError, match="format version 99"):
        Oracle.load(tmp_path / "state")
    manifest.write_text(json.dumps(data))
    Oracle.load(tmp_path / "state")                  # restored: loads again
    with open(tmp_path / "state" / "items.parquet", "ab") as f:
        f.write(b"tamper")
    with pytest.raises(ValueError, match="items.parquet does not match its checksum"):
        Oracle.load(tmp_path / "state")
    with pytest.raises(ValueError, match="no manifest.json"):
        Oracle.load(tmp_path)


def test_save_refuses_to_replace_a_folder_it_did_not_write(spec, tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    with pytest.raises(ValueError):
        Oracle(spec).save(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_gold_feedback_moves_the_learners_toward_the_gold_values():
    spec = parse_spec({**tomllib.loads(DEFAULT.read_text()), "feedback": {"rate": 0.0}})
    pairs = random_pairs(default_items(), 100, np.random.default_rng(5))[["item_a", "item_b"]]
    taught, plain = Oracle(spec), Oracle(spec)
    pop = taught.population
    for _ in range(5):
        judged = taught.judge(pairs, group="helpful")
        taught.feedback(judged, outcomes="gold", who="judged")
        plain.judge(pairs, group="helpful")
    test = taught.judge(pairs, group="helpful"), plain.judge(pairs, group="helpful")
    gold = pd.Series(pop.gold_values, index=pop.item_ids)

    def agreement(j: pd.DataFrame) -> float:
        better = np.where(gold[j["item_a"]].to_numpy() >= gold[j["item_b"]].to_numpy(),
                          j["item_a"], j["item_b"])
        return float((j["chosen"].to_numpy() == better).mean())
    assert agreement(test[0]) > agreement(test[1]) + 0.05
    stored = taught.feedback(judged, who="harmless", preferred=judged["item_a"])
    assert stored == 2 * len(judged) * int((pop.group_names == "harmless").sum())


def test_bounded_memory_stays_within_its_bound():
    data = busy_spec(memory={"optimized_learning": True, "max_instances": 25},
                     experience_rate=1.0)
    oracle = Oracle(parse_spec(data))
    rng = np.random.default_rng(0)
    attrs = list(default_items().columns[3:])
    for _ in range(20):
        new = [({a: float(v) for a, v in zip(attrs, rng.normal(4, 1, len(attrs)))},
                {a: float(v) for a, v in zip(attrs, rng.normal(4, 1, len(attrs)))})
               for _ in range(60)]
        oracle.judge(new)
    pop = oracle.population
    assert pop.ibl.memory.size.max() == 25 and pop.ibl.memory.capacity <= 64
    assert pop.actr.declarative.memory.size.max() == 25
    assert len(pop.registry) == 50 + 20 * 60 * 2


def test_aggregate_counts_votes_per_pair(spec, pairs):
    judged = Oracle(spec).judge(pairs.iloc[:30], k=5)
    view = Oracle.aggregate(judged)
    assert len(view) == 30 and (view["votes_a"] + view["votes_b"] == 5).all()
    winners = view["majority"]
    assert ((winners == view["item_a"]) == (view["votes_a"] > view["votes_b"])).all()


def test_oracle_default_memory_is_flat_and_stated(spec):
    oracle = Oracle(parse_spec(tomllib.loads(DEFAULT.read_text())))
    assert oracle.spec.memory.optimized_learning is True
    assert oracle.spec.memory.max_instances == 150


def test_each_table_has_its_own_index_and_columns(spec, pairs):
    """Tables share the immutable values of their row and column labels but not the label
    objects: a name given to one table's index or columns stays with that table."""
    oracle = Oracle(spec)
    first = oracle.judge(pairs.iloc[:1])
    first.index.name, first.columns.name = "row", "column"
    for later in (oracle.judge(pairs.iloc[1:2]), oracle.judge([tuple(pairs.iloc[2, :2])])):
        assert later.index.name is None and later.columns.name is None
        assert list(later.columns) == JUDGMENT_COLUMNS
