"""``generate`` split into shards of annotators: the same judgments as the unsharded run
(IBL and ACT-R, feedback, drift, fatigue, position bias), the same files on any number of
workers, streamed in parts; social influence runs as one shard."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim.executor import ProcessExecutor, SerialExecutor
from cogsim.fidelity import bradley_terry, bradley_terry_counts
from cogsim.generate import generate, generate_sharded, sharded
from cogsim.spec import parse_spec

POPULATION = {
    "name": "sharded", "n_annotators": 30,
    "assignment": {"pairs": 300, "annotators_per_pair": 3},
    "position_bias": {"p_first": 0.6}, "fatigue": {"base": 0.01},
    "feedback": {"rate": 0.5}, "drift": {"sd": 0.05},
    "groups": [{"name": "i", "share": 0.5, "model": "ibl", "values": {"a": 1.0, "b": 0.5}},
               {"name": "r", "share": 0.5, "model": "actr", "values": {"a": 0.5, "b": 1.0}}]}
KEY = ["step", "annotator_id"]
MEASURES = ("n_judgments", "n_pairs", "inter_annotator_agreement", "position_bias_rate",
            "lapse_rate", "kendall_tau_vs_true_values", "kendall_tau_vs_gold_values",
            "bradley_terry_ranking", "judgments_per_group", "strategies")


@pytest.fixture(scope="module")
def items() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"item_id": [f"x{i}" for i in range(25)], "a": rng.normal(size=25),
                         "b": rng.normal(size=25)})


def read(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "judgments").sort_values(KEY).reset_index(drop=True)


def test_shards_give_the_unsharded_judgments_on_any_workers(tmp_path: Path, items) -> None:
    spec = parse_spec(POPULATION)
    whole = generate(spec, items, seed=4)
    reference = whole.judgments.sort_values(KEY).reset_index(drop=True)
    with SerialExecutor() as one:
        serial = generate_sharded(spec, items, tmp_path / "w1", seed=4, executor=one, shards=4)
    with ProcessExecutor(2) as two:
        parallel = generate_sharded(spec, items, tmp_path / "w2", seed=4, executor=two, shards=4)
    pd.testing.assert_frame_equal(reference, read(tmp_path / "w1"), check_dtype=False)
    files = sorted(p.name for p in (tmp_path / "w1" / "judgments").iterdir())
    assert files == [f"part-{s:04d}-00000.parquet" for s in range(4)]
    for name in files:                  # the same bytes whatever the number of workers
        assert ((tmp_path / "w1" / "judgments" / name).read_bytes()
                == (tmp_path / "w2" / "judgments" / name).read_bytes())
    assert serial == parallel
    for k in MEASURES:
        assert whole.summary[k] == serial[k], k
    written = json.loads((tmp_path / "w2" / "summary.json").read_text())
    assert written["shards"] == 4 and written["n_judgments"] == 900
    again = parse_spec(tomllib.loads((tmp_path / "w2" / "spec.toml").read_text()))
    assert again.seed == 4 and again.scaling is not None


def test_parts_stream_and_social_influence_runs_as_one_shard(tmp_path: Path, items) -> None:
    spec = parse_spec(POPULATION)
    generate_sharded(spec, items, tmp_path / "parts", seed=1, shards=2, chunk_rows=100)
    names = sorted(p.name for p in (tmp_path / "parts" / "judgments").iterdir())
    assert len(names) > 4 and names[0] == "part-0000-00000.parquet"
    assert all(len(pd.read_parquet(tmp_path / "parts" / "judgments" / n)) <= 100 + 15
               for n in names)
    social = parse_spec({**POPULATION, "social": {"network": "complete", "weight": 0.5}})
    summary = generate_sharded(social, items, tmp_path / "social", seed=1, shards=4)
    assert summary["shards"] == 1
    whole = generate(social, items, seed=1).judgments.sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, read(tmp_path / "social"), check_dtype=False)


def test_summary_counts_item_pairs_alike_by_table_and_by_sort(tmp_path: Path, items,
                                                              monkeypatch) -> None:
    spec = parse_spec(POPULATION)
    table = generate_sharded(spec, items, tmp_path / "table", seed=3)
    monkeypatch.setattr(sharded, "TABLE_CELLS", -10**9)
    assert generate_sharded(spec, items, tmp_path / "sort", seed=3) == table
    whole = generate(spec, items, seed=3).summary
    for k in MEASURES:
        assert whole[k] == table[k], k


def test_bradley_terry_from_counts_is_fidelitys(items) -> None:
    judgments = generate(parse_spec(POPULATION), items, seed=2).judgments
    reference = bradley_terry(judgments)
    ids = np.array(sorted(reference.index))
    lo = np.minimum(*[np.searchsorted(ids, judgments[c]) for c in ("item_a", "item_b")])
    hi = np.maximum(*[np.searchsorted(ids, judgments[c]) for c in ("item_a", "item_b")])
    won = (np.searchsorted(ids, judgments["chosen"]) == lo).astype(int)
    table = pd.DataFrame({"lo": lo, "hi": hi, "w": won, "n": 1}).groupby(["lo", "hi"]).sum()
    scores = bradley_terry_counts(table.index.get_level_values(0).to_numpy(),
                                  table.index.get_level_values(1).to_numpy(),
                                  table["w"].to_numpy(), table["n"].to_numpy(), len(ids))
    np.testing.assert_allclose(scores, reference.loc[ids].to_numpy(), atol=1e-12)


def test_cli_generate_workers(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "cogsim", "generate", "--workers", "2",
                        "--pairs", "100", "--out", str(tmp_path / "out"), "--seed", "5"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "300 judgments of 100 pairs" in r.stdout and "in 4 shards on 2 local processes" \
        in r.stdout
    assert len(pd.read_parquet(tmp_path / "out" / "judgments")) == 300
    r = subprocess.run([sys.executable, "-m", "cogsim", "generate", "--shards", "0",
                        "--out", str(tmp_path / "bad")], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip() == "cogsim: error: option --shards: expected a whole number >= 1, got 0"
