"""The cogsim command, run as a user runs it: a real process, real files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim import __version__

REPO = Path(__file__).resolve().parents[1]


def cogsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cogsim", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_version_and_help():
    assert cogsim("--version").stdout.strip() == f"cogsim {__version__}"
    out = cogsim("--help").stdout
    assert "generate" in out and "demo" in out


def test_demo_prints_block_rates():
    r = cogsim("demo", "--agents", "200", "--trials", "20")
    assert r.returncode == 0, r.stderr
    assert "p_risky" in r.stdout and "choices/s" in r.stdout


def test_generate_on_defaults_writes_the_dataset(tmp_path):
    r = cogsim("generate", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "cogsim-out"
    assert sorted(p.name for p in out.iterdir()) == [
        ".cogsim-outputs.json", "judgments.parquet", "preferences.jsonl", "spec.toml",
        "summary.json"]
    j = pd.read_parquet(out / "judgments.parquet")
    assert list(j.columns) == ["run_id", "step", "pair_id", "annotator_id", "group", "item_a",
                               "item_b", "first", "chosen", "value_a", "value_b", "p_a", "rt",
                               "strategy", "model", "seed"]
    assert len(j) == 600 and set(j.group) == {"helpful", "harmless", "concise"}
    assert (j.chosen.eq(j.item_a) | j.chosen.eq(j.item_b)).all()
    prefs = pd.read_json(out / "preferences.jsonl", lines=True)
    assert len(prefs) == len(j)
    assert {"prompt", "chosen", "rejected", "annotator_id", "group",
            "value_difference"} <= set(prefs.columns)
    assert "margin" not in prefs.columns      # TRL's RewardTrainer would subtract it
    assert (prefs.chosen != prefs.rejected).all() and prefs.prompt.str.len().gt(0).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_judgments"] == 600 and summary["seed"] == 0
    assert 0 <= summary["inter_annotator_agreement"] <= 1
    # The default item set is the built-in texts: the dataset holds real responses.
    from cogsim.text import default_text_items
    texts = default_text_items()
    assert len(summary["bradley_terry_ranking"]) == len(texts) == 84
    assert set(prefs.chosen) | set(prefs.rejected) <= set(texts["text"])
    assert not prefs.chosen.str.startswith("[response").any()
    assert -1 <= summary["kendall_tau_vs_true_values"] <= 1
    assert f"cogsim version: {__version__}" in (out / "spec.toml").read_text()


def test_spec_toml_regenerates_the_same_judgments(tmp_path):
    assert cogsim("generate", "--seed", "5", "--pairs", "80", "--out", "a", "--quiet",
                  cwd=tmp_path).returncode == 0
    r = cogsim("generate", "--population", "a/spec.toml", "--out", "b", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    a = pd.read_parquet(tmp_path / "a" / "judgments.parquet")
    b = pd.read_parquet(tmp_path / "b" / "judgments.parquet")
    pd.testing.assert_frame_equal(a, b)
    c = pd.read_parquet(tmp_path / "a" / "judgments.parquet")
    assert cogsim("generate", "--seed", "6", "--pairs", "80", "--out", "c", "--quiet",
                  cwd=tmp_path).returncode == 0
    c = pd.read_parquet(tmp_path / "c" / "judgments.parquet")
    assert not a.chosen.equals(c.chosen)


ODD_NAMES = ["helpfulness \"quoted\"", "länge.wörter", "a b", "[x]", "日本語", "= #"]


def test_spec_toml_with_odd_attribute_names_regenerates_from_another_folder(tmp_path):
    """Attribute names that are not bare TOML keys, and an items path written relative to
    the spec: the shared folder regenerates the same judgments from anywhere."""
    project = tmp_path / "project"
    project.mkdir()
    rng = np.random.default_rng(0)
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(12)],
                          **{name: rng.normal(size=12) for name in ODD_NAMES}})
    items.to_parquet(project / "items.parquet")
    values = "\n".join(f"{json.dumps(name)} = {0.5 + k / 10}" for k, name in enumerate(ODD_NAMES))
    (project / "spec.toml").write_text(
        'n_annotators = 8\nseed = 2\nitems = "items.parquet"\n[assignment]\npairs = 30\n'
        f'[[groups]]\nname = "g"\nshare = 1\nmodel = "ibl"\n[groups.values]\n{values}\n')
    r = cogsim("generate", "--population", "spec.toml", "--out", "a", "--quiet", cwd=project)
    assert r.returncode == 0, r.stderr
    written = (project / "a" / "spec.toml").read_text(encoding="utf-8")
    assert str(tmp_path) not in written                 # no absolute path to the author's disk
    shutil.move(project, tmp_path / "moved")             # the folder travels to a colleague
    moved = tmp_path / "moved"
    r = cogsim("generate", "--population", "a/spec.toml", "--out", "b", "--quiet", cwd=moved)
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(moved / "a" / "judgments.parquet"),
                                  pd.read_parquet(moved / "b" / "judgments.parquet"))


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


BAD_CASES = {
    "item file without item_id": (
        ["--items", "items.csv"], {"items.csv": "id,helpfulness\na,1\nb,2\n"},
        ["items.csv", "item_id"]),
    "NaN in an attribute": (
        ["--items", "items.csv"], {"items.csv": "item_id,helpfulness\na,1\nb,\nc,3\n"},
        ["items.csv", "row 2", "'helpfulness'", "finite number"]),
    "unknown attribute in a spec": (
        ["--population", "p.toml"],
        {"p.toml": '[[groups]]\nname = "g"\nshare = 1\n[groups.values]\nlenght = 1.0\n'},
        ["p.toml", "groups[0].values.lenght", "unknown attribute"]),
    "unknown group field": (
        ["--population", "p.toml"],
        {"p.toml": '[[groups]]\nname = "g"\nshare = 1\nnoisiness = 2\n'
                   '[groups.values]\nhelpfulness = 1.0\n'},
        ["p.toml", "groups[0].noisiness", "unknown field"]),
    "negative count": (
        ["--population", "p.toml"],
        {"p.toml": 'n_annotators = -5\n[[groups]]\nname = "g"\nshare = 1\n'
                   '[groups.values]\nhelpfulness = 1.0\n'},
        ["p.toml", "n_annotators", "-5"]),
    "negative pairs option": (["--pairs", "-3"], {}, ["--pairs", ">= 1", "-3"]),
}


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_bad_input_exits_2_naming_file_and_field_and_writes_nothing(tmp_path, case):
    args, files, expected = BAD_CASES[case]
    for name, text in files.items():
        write(tmp_path / name, text)
    r = cogsim("generate", *args, "--out", "out", cwd=tmp_path)
    assert r.returncode == 2
    message = r.stderr.strip()
    assert "Traceback" not in message and message.count("\n") == 0
    for part in expected:
        assert part in message, (part, message)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
