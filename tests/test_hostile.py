"""Hostile input: the real ``cogsim`` process fed bad files, values, options and paths.

Every case runs the command in a fresh folder holding the user's own files (a spec, items,
pairs, problems, params.json, judgments, notes, a nested folder).  A refused input must exit
with status 2 and one line on stderr that names the file or option and the field, with no
traceback, and every user file must be byte-for-byte unchanged with nothing added (no output,
no temporary folder).  The few acceptable inputs (an empty output folder, ``--overwrite``)
must exit 0 and still leave every user file unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "calibration" / "choices13k" / "ibl-seed0" / "params.json"
DEFAULT_SPEC = REPO / "cogsim" / "data" / "default_population.toml"
BINARY = bytes(range(256)) * 8


@dataclass
class Case:
    """A command line (``{ws}`` is the workspace), files to plant first, what the one-line
    message must mention, and the expected exit status."""

    id: str
    args: list[str]
    mentions: tuple[str, ...] = ()
    plant: dict[str, bytes | str] = field(default_factory=dict)
    status: int = 2
    outputs: tuple[str, ...] = ()        # paths an accepted run creates (status 0)


def _spec(replace: str = "", extra: str = "") -> str:
    text = DEFAULT_SPEC.read_text()
    if replace:
        old, new = replace.split("=>")
        assert old in text, old
        text = text.replace(old, new, 1)
    return text + extra


def _items_csv(rows: list[str]) -> str:
    return "\n".join(["item_id,prompt,text,helpfulness,length", *rows]) + "\n"


GOOD_ITEMS = _items_csv(["a,p1,x,1,10", "b,p1,y,2,20", "c,p2,z,3,30", "d,p2,w,4,40"])
GAMBLES = (REPO / "populations" / "gambles.csv").read_text()
RATES = GAMBLES.splitlines()[0] + ",bRate\n" + "".join(
    f"{line},{0.1 + 0.05 * i:.2f}\n" for i, line in enumerate(GAMBLES.splitlines()[1:]))


def _params(**change) -> str:
    record = json.loads(PARAMS.read_text())
    for key, value in change.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return json.dumps(record)


def _params_value(name: str, value) -> str:
    record = json.loads(PARAMS.read_text())
    record["params"][name] = value
    return json.dumps(record)


HUMAN = ("annotator_id,option_a,option_b,choice\n"
         + "".join(f"h{i},p00r0,p00r1,{'AB'[i % 2]}\n" for i in range(6)))

G = ["generate", "--quiet"]
C = ["calibrate"]
P = ["predict", "--params", "{ws}/params.json", "--problems", "{ws}/problems.csv"]
R = ["report", "{ws}/judgments.parquet"]

CASES = [
    # ---- generate: the population spec ------------------------------------------------
    Case("gen-spec-missing", G + ["--population", "{ws}/nope.toml"], ("nope.toml",)),
    Case("gen-spec-folder", G + ["--population", "{ws}/sub"], ("sub",)),
    Case("gen-spec-empty", G + ["--population", "{ws}/e.toml"], ("e.toml",), {"e.toml": ""}),
    Case("gen-spec-binary", G + ["--population", "{ws}/b.toml"], ("b.toml",), {"b.toml": BINARY}),
    Case("gen-spec-not-toml", G + ["--population", "{ws}/g.toml"], ("g.toml",),
         {"g.toml": "name = [unclosed\n"}),
    Case("gen-spec-noise-nan", G + ["--population", "{ws}/s.toml"], ("s.toml", "noise"),
         {"s.toml": _spec("noise = { dist = \"lognormal\", median = 0.25, sigma = 0.2 }"
                          "=>noise = nan")}),
    Case("gen-spec-noise-negative", G + ["--population", "{ws}/s.toml"], ("s.toml", "noise"),
         {"s.toml": _spec("noise = { dist = \"lognormal\", median = 0.25, sigma = 0.2 }"
                          "=>noise = -1")}),
    Case("gen-spec-noise-inf", G + ["--population", "{ws}/s.toml"], ("s.toml", "noise"),
         {"s.toml": _spec("noise = { dist = \"lognormal\", median = 0.25, sigma = 0.2 }"
                          "=>noise = inf")}),
    Case("gen-spec-noise-text", G + ["--population", "{ws}/s.toml"], ("s.toml", "noise"),
         {"s.toml": _spec("noise = { dist = \"lognormal\", median = 0.25, sigma = 0.2 }"
                          "=>noise = \"high\"")}),
    Case("gen-spec-decay-negative", G + ["--population", "{ws}/s.toml"], ("s.toml", "decay"),
         {"s.toml": _spec("decay = 0.5=>decay = -2")}),
    Case("gen-spec-mismatch-negative", G + ["--population", "{ws}/s.toml"],
         ("s.toml", "mismatch_penalty"),
         {"s.toml": _spec("mismatch_penalty = 10.0=>mismatch_penalty = -3")}),
    Case("gen-spec-shares", G + ["--population", "{ws}/s.toml"], ("s.toml", "share"),
         {"s.toml": _spec("share = 0.4=>share = 0.8")}),
    Case("gen-spec-sd-negative", G + ["--population", "{ws}/s.toml"], ("s.toml", "sd"),
         {"s.toml": _spec("mean = 1.0, sd = 0.2=>mean = 1.0, sd = -0.2")}),
    Case("gen-spec-sigma-nan", G + ["--population", "{ws}/s.toml"], ("s.toml", "sigma"),
         {"s.toml": _spec("sigma = 0.2=>sigma = nan")}),
    Case("gen-spec-annotators-huge", G + ["--population", "{ws}/s.toml"],
         ("s.toml", "n_annotators"), {"s.toml": _spec("n_annotators = 60=>n_annotators = 1e9")}),
    Case("gen-spec-annotators-zero", G + ["--population", "{ws}/s.toml"],
         ("s.toml", "n_annotators"), {"s.toml": _spec("n_annotators = 60=>n_annotators = 0")}),
    Case("gen-spec-unknown-field", G + ["--population", "{ws}/s.toml"], ("s.toml", "colour"),
         {"s.toml": _spec(extra="\ncolour = \"blue\"\n")}),
    Case("gen-spec-p-first", G + ["--population", "{ws}/s.toml"], ("s.toml", "p_first"),
         {"s.toml": _spec("p_first = 0.52=>p_first = 1.5")}),
    Case("gen-spec-pairs-huge", G + ["--population", "{ws}/s.toml"], ("pairs",),
         {"s.toml": _spec("pairs = 200=>pairs = 100000000000")}),
    # ---- generate: items and pairs -----------------------------------------------------
    Case("gen-items-missing", G + ["--items", "{ws}/nope.csv"], ("nope.csv",)),
    Case("gen-items-folder", G + ["--items", "{ws}/sub"], ("sub", "folder")),
    Case("gen-items-empty", G + ["--items", "{ws}/e.csv"], ("e.csv", "empty"), {"e.csv": ""}),
    Case("gen-items-binary", G + ["--items", "{ws}/b.csv"], ("b.csv",), {"b.csv": BINARY}),
    Case("gen-items-binary-parquet", G + ["--items", "{ws}/b.parquet"], ("b.parquet",),
         {"b.parquet": BINARY}),
    Case("gen-items-no-id", G + ["--items", "{ws}/i.csv"], ("i.csv", "item_id"),
         {"i.csv": "name,helpfulness\na,1\nb,2\n"}),
    Case("gen-items-nan", G + ["--items", "{ws}/i.csv"], ("i.csv", "helpfulness", "row 2", "NaN"),
         {"i.csv": _items_csv(["a,p1,x,1,10", "b,p1,y,nan,20"])}),
    Case("gen-items-inf", G + ["--items", "{ws}/i.csv"], ("i.csv", "length"),
         {"i.csv": _items_csv(["a,p1,x,1,10", "b,p1,y,2,inf"])}),
    Case("gen-items-text-value", G + ["--items", "{ws}/i.csv"], ("i.csv", "helpfulness"),
         {"i.csv": _items_csv(["a,p1,x,1,10", "b,p1,y,good,20"])}),
    Case("gen-items-duplicate", G + ["--items", "{ws}/i.csv"], ("i.csv", "item_id"),
         {"i.csv": _items_csv(["a,p1,x,1,10", "a,p1,y,2,20"])}),
    Case("gen-items-one", G + ["--items", "{ws}/i.csv"], ("i.csv",),
         {"i.csv": _items_csv(["a,p1,x,1,10"])}),
    Case("gen-items-header-only", G + ["--items", "{ws}/i.csv"], ("i.csv",),
         {"i.csv": _items_csv([])}),
    Case("gen-gamble-lotnum-huge", G + ["--items", "{ws}/g.csv"], ("g.csv", "LotNumB"),
         {"g.csv": GAMBLES.splitlines()[0] + "\n1,3,1,3,-,1,40,0.5,0,Symm,1000000000,0,0\n"
                   "2,3,1,3,-,1,4,0.8,0,-,1,0,0\n"}),
    Case("gen-gamble-p-above-1", G + ["--items", "{ws}/g.csv"], ("g.csv", "pHb"),
         {"g.csv": GAMBLES.splitlines()[0] + "\n1,3,1,3,-,1,4,1.8,0,-,1,0,0\n"
                   "2,3,1,3,-,1,4,0.8,0,-,1,0,0\n"}),
    Case("gen-pairs-missing", G + ["--items", "{ws}/items.csv", "--pair-file", "{ws}/nope.csv"],
         ("nope.csv",)),
    Case("gen-pairs-empty", G + ["--items", "{ws}/items.csv", "--pair-file", "{ws}/e.csv"],
         ("e.csv",), {"e.csv": ""}),
    Case("gen-pairs-header-only", G + ["--items", "{ws}/items.csv", "--pair-file",
                                       "{ws}/p.csv"], ("p.csv", "pair"),
         {"p.csv": "item_a,item_b\n"}),
    Case("gen-pairs-folder", G + ["--items", "{ws}/items.csv", "--pair-file", "{ws}/sub"],
         ("sub",)),
    Case("gen-pairs-binary", G + ["--items", "{ws}/items.csv", "--pair-file", "{ws}/b.csv"],
         ("b.csv",), {"b.csv": BINARY}),
    Case("gen-pairs-no-column", G + ["--items", "{ws}/items.csv", "--pair-file", "{ws}/p.csv"],
         ("p.csv", "item_b"), {"p.csv": "item_a,other\na,b\n"}),
    Case("gen-pairs-unknown-item", G + ["--items", "{ws}/items.csv", "--pair-file",
                                        "{ws}/p.csv"], ("p.csv", "item_b", "zz"),
         {"p.csv": "item_a,item_b\na,zz\n"}),
    Case("gen-pairs-same-item", G + ["--items", "{ws}/items.csv", "--pair-file", "{ws}/p.csv"],
         ("p.csv", "row 1"), {"p.csv": "item_a,item_b\na,a\n"}),
    Case("gen-pairs-cross-prompt", G + ["--items", "{ws}/items.csv", "--pair-file",
                                        "{ws}/p.csv"], ("p.csv", "row 2", "same prompt"),
         {"p.csv": "item_a,item_b\na,b\na,c\n"}),
    # ---- generate: options --------------------------------------------------------------
    Case("gen-pairs-zero", G + ["--pairs", "0"], ("--pairs", "0")),
    Case("gen-pairs-negative", G + ["--pairs", "-5"], ("--pairs", "-5")),
    Case("gen-pairs-text", G + ["--pairs", "abc"], ("--pairs",)),
    Case("gen-pairs-float", G + ["--pairs", "2.5"], ("--pairs",)),
    Case("gen-pairs-huge", G + ["--pairs", "1000000000000"], ("--pairs", "judgments")),
    Case("gen-k-zero", G + ["--annotators-per-pair", "0"], ("--annotators-per-pair",)),
    Case("gen-k-huge", G + ["--annotators-per-pair", "1000000000"],
         ("--annotators-per-pair", "judgments")),
    Case("gen-seed-negative", G + ["--seed", "-1"], ("--seed", "-1")),
    Case("gen-seed-2-63", G + ["--seed", str(2**63)], ("--seed", str(2**63))),
    Case("gen-seed-text", G + ["--seed", "x"], ("--seed",)),
    Case("gen-unknown-option", G + ["--colour", "blue"], ("--colour",)),
    # ---- generate: output paths ---------------------------------------------------------
    Case("gen-out-nonempty", G + ["--out", "{ws}"], ("--out", "not empty")),
    Case("gen-out-nonempty-sub", G + ["--out", "{ws}/sub"], ("--out", "sub", "not empty")),
    Case("gen-out-file", G + ["--out", "{ws}/notes.txt"], ("--out", "notes.txt", "file")),
    Case("gen-out-dot", G + ["--out", "."], ("--out", "not empty")),
    Case("gen-out-dotdot", G + ["--out", ".."], ("--out", "not empty")),
    Case("gen-out-parent-file", G + ["--out", "{ws}/notes.txt/out"], ("--out", "notes.txt")),
    Case("gen-out-parent-missing", G + ["--out", "{ws}/no/such/out"], ("--out", "does not exist")),
    Case("gen-out-unwritable", G + ["--out", "/proc/cogsim-out"], ("--out", "/proc")),
    Case("gen-out-dev-null", G + ["--out", "/dev/null"], ("--out", "/dev/null")),
    Case("gen-out-empty-folder-ok", G + ["--pairs", "5", "--out", "{ws}/empty"], status=0,
         outputs=("empty/judgments.parquet", "empty/preferences.jsonl", "empty/spec.toml",
                  "empty/summary.json", "empty/.cogsim-outputs.json")),
    Case("gen-out-overwrite-user-file", G + ["--pairs", "5", "--out", "{ws}", "--overwrite"],
         ("--out", "judgments.parquet", "not written by cogsim")),
    Case("gen-out-overwrite-ok", G + ["--pairs", "5", "--out", "{ws}/sub", "--overwrite"],
         status=0, outputs=("sub/judgments.parquet", "sub/preferences.jsonl", "sub/spec.toml",
                            "sub/summary.json", "sub/.cogsim-outputs.json")),
    # ---- calibrate ----------------------------------------------------------------------
    Case("cal-data-missing", C + ["{ws}/nope.csv", "--model", "ibl"], ("nope.csv",)),
    Case("cal-data-folder", C + ["{ws}/sub", "--model", "ibl"], ("sub",)),
    Case("cal-data-empty", C + ["{ws}/e.csv", "--model", "ibl"], ("e.csv",), {"e.csv": ""}),
    Case("cal-data-binary", C + ["{ws}/b.csv", "--model", "ibl"], ("b.csv",), {"b.csv": BINARY}),
    Case("cal-data-garbage", C + ["{ws}/g.csv", "--model", "ibl"], ("g.csv",),
         {"g.csv": "x,y\n1,2\n"}),
    Case("cal-data-rate-nan", C + ["{ws}/r.csv", "--model", "ev"], ("r.csv", "bRate"),
         {"r.csv": RATES.replace(",0.10\n", ",nan\n", 1)}),
    Case("cal-data-rate-above-1", C + ["{ws}/r.csv", "--model", "ev"], ("r.csv", "bRate"),
         {"r.csv": RATES.replace(",0.10\n", ",1.5\n", 1)}),
    Case("cal-model-bogus", C + ["{ws}/rates.csv", "--model", "bogus"], ("--model", "bogus")),
    Case("cal-baseline-bogus", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--baseline", "bogus"],
         ("--baseline", "bogus")),
    Case("cal-baseline-wrong-kind", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--baseline", "rl"],
         ("--baseline", "rl")),
    Case("cal-folds-one", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--folds", "1"],
         ("--folds", "1")),
    Case("cal-folds-too-many", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5",
                                    "--folds", "10"], ("--folds", "10")),
    Case("cal-folds-negative", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--folds", "-1"],
         ("--folds", "-1")),
    Case("cal-nboot-negative", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--n-boot", "-1"],
         ("--n-boot", "-1")),
    Case("cal-curve-negative", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--curve", "-5,0"],
         ("--curve",)),
    Case("cal-curve-text", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--curve", "ten"],
         ("--curve", "ten")),
    Case("cal-curve-too-big", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5",
                                   "--curve", "5000"], ("--curve", "5000")),
    Case("cal-ntrain-zero", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "0"],
         ("--n-train", "0")),
    Case("cal-ntrain-all", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "100000"],
         ("--n-train", "100000")),
    Case("cal-seed-negative", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--seed", "-3"],
         ("--seed", "-3")),
    Case("cal-out-nonempty", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--out", "{ws}"],
         ("--out", "not empty")),
    Case("cal-out-file", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--out", "{ws}/notes.txt"],
         ("--out", "notes.txt")),
    Case("cal-out-parent-file", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--out",
                                     "{ws}/notes.txt/x"], ("--out", "notes.txt")),
    Case("cal-out-unwritable", C + ["{ws}/rates.csv", "--model", "ev", "--n-train", "5", "--out", "/proc/cal"],
         ("--out", "/proc")),
    Case("cal-unknown-data-name", C + ["no_such_set", "--model", "ibl"], ("no_such_set",)),
    # ---- predict ------------------------------------------------------------------------
    Case("pred-params-missing", ["predict", "--params", "{ws}/nope.json", "--problems",
                                 "{ws}/problems.csv"], ("nope.json",)),
    Case("pred-params-folder", ["predict", "--params", "{ws}/sub", "--problems",
                                "{ws}/problems.csv"], ("sub",)),
    Case("pred-params-empty", ["predict", "--params", "{ws}/e.json", "--problems",
                               "{ws}/problems.csv"], ("e.json",), {"e.json": ""}),
    Case("pred-params-binary", ["predict", "--params", "{ws}/b.json", "--problems",
                                "{ws}/problems.csv"], ("b.json",), {"b.json": BINARY}),
    Case("pred-params-not-json", ["predict", "--params", "{ws}/g.json", "--problems",
                                  "{ws}/problems.csv"], ("g.json", "JSON"), {"g.json": "{oops"}),
    Case("pred-params-list", ["predict", "--params", "{ws}/l.json", "--problems",
                              "{ws}/problems.csv"], ("l.json",), {"l.json": "[1, 2]"}),
    Case("pred-params-empty-params", ["predict", "--params", "{ws}/p.json", "--problems",
                                      "{ws}/problems.csv"], ("p.json", "params"),
         {"p.json": _params(params={})}),
    Case("pred-params-missing-one", ["predict", "--params", "{ws}/p.json", "--problems",
                                     "{ws}/problems.csv"], ("p.json", "params", "noise"),
         {"p.json": _params(params={"decay": 0.5})}),
    Case("pred-params-nan", ["predict", "--params", "{ws}/p.json", "--problems",
                             "{ws}/problems.csv"], ("p.json", "noise"),
         {"p.json": _params_value("noise", "nan")}),
    Case("pred-params-text", ["predict", "--params", "{ws}/p.json", "--problems",
                              "{ws}/problems.csv"], ("p.json", "noise"),
         {"p.json": _params_value("noise", "loud")}),
    Case("pred-params-negative", ["predict", "--params", "{ws}/p.json", "--problems",
                                  "{ws}/problems.csv"], ("p.json", "noise"),
         {"p.json": _params_value("noise", -1)}),
    Case("pred-params-unknown-model", ["predict", "--params", "{ws}/p.json", "--problems",
                                       "{ws}/problems.csv"], ("p.json",),
         {"p.json": _params(**{"class": "os:system", "model": "os"})}),
    Case("pred-problems-missing", ["predict", "--params", "{ws}/params.json", "--problems",
                                   "{ws}/nope.csv"], ("nope.csv",)),
    Case("pred-problems-empty", ["predict", "--params", "{ws}/params.json", "--problems",
                                 "{ws}/e.csv"], ("e.csv",), {"e.csv": ""}),
    Case("pred-problems-folder", ["predict", "--params", "{ws}/params.json", "--problems",
                                  "{ws}/sub"], ("sub",)),
    Case("pred-problems-garbage", ["predict", "--params", "{ws}/params.json", "--problems",
                                   "{ws}/g.csv"], ("g.csv",), {"g.csv": "x,y\n1,2\n"}),
    Case("pred-problems-lotnum-huge", ["predict", "--params", "{ws}/params.json", "--problems",
                                       "{ws}/g.csv"], ("g.csv", "LotNumB"),
         {"g.csv": GAMBLES.splitlines()[0] + "\n1,3,1,3,-,1,40,0.5,0,Symm,1000000000,0,0\n"}),
    Case("pred-problems-p-nan", ["predict", "--params", "{ws}/params.json", "--problems",
                                 "{ws}/g.csv"], ("g.csv", "pHb"),
         {"g.csv": GAMBLES.splitlines()[0] + "\n1,3,1,3,-,1,4,nan,0,-,1,0,0\n"}),
    Case("pred-protocol-bogus", P + ["--protocol", "lab"], ("--protocol", "lab")),
    Case("pred-out-folder", P + ["--out", "{ws}/sub"], ("--out", "sub", "folder")),
    Case("pred-out-exists", P + ["--out", "{ws}/notes.txt"], ("--out", "notes.txt", "exists")),
    Case("pred-out-parent-missing", P + ["--out", "{ws}/no/p.csv"], ("--out", "does not exist")),
    Case("pred-out-parent-file", P + ["--out", "{ws}/notes.txt/p.csv"], ("--out", "notes.txt")),
    Case("pred-out-unwritable", P + ["--out", "/proc/p.csv"], ("--out", "/proc")),
    Case("pred-new-file-ok", P + ["--out", "{ws}/sub/predictions.csv"], status=0,
         outputs=("sub/predictions.csv",)),
    # ---- report -------------------------------------------------------------------------
    Case("rep-judgments-missing", ["report", "{ws}/nope.parquet", "--human", "{ws}/human.csv"],
         ("nope.parquet",)),
    Case("rep-judgments-folder", ["report", "{ws}/sub", "--human", "{ws}/human.csv"], ("sub",)),
    Case("rep-judgments-empty", ["report", "{ws}/e.csv", "--human", "{ws}/human.csv"],
         ("e.csv",), {"e.csv": ""}),
    Case("rep-judgments-binary", ["report", "{ws}/b.parquet", "--human", "{ws}/human.csv"],
         ("b.parquet",), {"b.parquet": BINARY}),
    Case("rep-judgments-no-chosen", ["report", "{ws}/j.csv", "--human", "{ws}/human.csv"],
         ("j.csv", "chosen"), {"j.csv": "item_a,item_b\na,b\n"}),
    Case("rep-human-missing", R + ["--human", "{ws}/nope.csv"], ("nope.csv",)),
    Case("rep-human-folder", R + ["--human", "{ws}/sub"], ("sub",)),
    Case("rep-human-empty", R + ["--human", "{ws}/e.csv"], ("e.csv",), {"e.csv": ""}),
    Case("rep-human-binary", R + ["--human", "{ws}/b.csv"], ("b.csv",), {"b.csv": BINARY}),
    Case("rep-human-no-choice", R + ["--human", "{ws}/h.csv"], ("h.csv", "choice"),
         {"h.csv": "annotator_id,option_a,option_b\nx,a,b\n"}),
    Case("rep-human-bad-choice", R + ["--human", "{ws}/h.csv"], ("h.csv", "row 1", "choice"),
         {"h.csv": "annotator_id,option_a,option_b,choice\nx,a,b,C\n"}),
    Case("rep-human-unknown-set", R + ["--human", "no_such_set"], ("no_such_set",)),
    Case("rep-items-missing", R + ["--human", "{ws}/human.csv", "--items", "{ws}/nope.csv"],
         ("nope.csv",)),
    Case("rep-out-nonempty", R + ["--human", "{ws}/human.csv", "--out", "{ws}"],
         ("--out", "not empty")),
    Case("rep-out-file", R + ["--human", "{ws}/human.csv", "--out", "{ws}/notes.txt"],
         ("--out", "notes.txt")),
    Case("rep-out-unwritable", R + ["--human", "{ws}/human.csv", "--out", "/proc/rep"],
         ("--out", "/proc")),
]


@pytest.fixture(scope="module")
def judgments_file(tmp_path_factory) -> Path:
    """A small judgments table of the default population."""
    from cogsim.generate import generate
    from cogsim.spec import load_spec
    from cogsim.tasks import load_items

    path = tmp_path_factory.mktemp("made") / "judgments.parquet"
    spec = load_spec(DEFAULT_SPEC)
    generate(spec, load_items(spec.items), n_pairs=20).judgments.to_parquet(path)
    return path


def _workspace(root: Path, judgments_file: Path) -> Path:
    ws = root / "project"
    (ws / "sub").mkdir(parents=True)
    (ws / "empty").mkdir()
    (ws / "notes.txt").write_text("my notes: do not touch\n")
    (ws / "sub" / "keep.txt").write_text("nested file\n")
    (ws / "spec.toml").write_text(DEFAULT_SPEC.read_text())
    (ws / "items.csv").write_text(GOOD_ITEMS)
    (ws / "problems.csv").write_text(GAMBLES)
    (ws / "rates.csv").write_text(RATES)
    (ws / "params.json").write_text(PARAMS.read_text())
    (ws / "human.csv").write_text(HUMAN)
    shutil.copy(judgments_file, ws / "judgments.parquet")
    return ws


def _snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``: relative path -> content hash (or 'dir')."""
    seen = {}
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            seen[os.path.relpath(os.path.join(dirpath, d), root)] = "dir"
        for f in files:
            p = os.path.join(dirpath, f)
            seen[os.path.relpath(p, root)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return seen


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path, judgments_file: Path) -> None:
    ws = _workspace(tmp_path, judgments_file)
    for name, content in case.plant.items():
        target = ws / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = _snapshot(tmp_path)
    args = [a.replace("{ws}", str(ws)) for a in case.args]
    env = {**os.environ, "COGSIM_DATA_HOME": str(tmp_path / "data-home")}
    r = subprocess.run([sys.executable, "-m", "cogsim", *args], capture_output=True, text=True,
                       cwd=ws / "sub", env=env, timeout=120)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == case.status, (r.returncode, r.stderr)
    after = _snapshot(tmp_path)
    if case.status == 2:
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cogsim: error: "), r.stderr
        for word in case.mentions:
            assert word in lines[0], (word, lines[0])
        assert after == before, "user files changed or something was left behind"
    else:
        made = {k: v for k, v in after.items() if k not in before or before[k] != v}
        expected = {os.path.join("project", p) for p in case.outputs}
        assert set(made) - {os.path.dirname(p) for p in expected} == expected, made
        assert all(before[k] == after[k] for k in before), "a user file changed"


def test_every_command_is_covered() -> None:
    """At least 80 bad inputs, spread over every command."""
    refused = [c for c in CASES if c.status == 2]
    assert len(refused) >= 80
    for command in ("generate", "calibrate", "predict", "report"):
        assert sum(c.args[0] == command for c in refused) >= 12, command


def test_overwrite_replaces_only_cogsim_outputs(tmp_path: Path) -> None:
    """Rerunning with --overwrite over an earlier run's folder replaces its four files and
    keeps the user's file there."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "cogsim", "generate", "--quiet", "--pairs", "5", "--out",
           str(out)]
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    (out / "my-analysis.ipynb").write_text("{}")
    old = pd.read_parquet(out / "judgments.parquet")
    r = subprocess.run(cmd + ["--seed", "9"], capture_output=True, text=True)
    assert r.returncode == 2 and "--overwrite" in r.stderr
    r = subprocess.run(cmd + ["--seed", "9", "--overwrite"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (out / "my-analysis.ipynb").read_text() == "{}"
    new = pd.read_parquet(out / "judgments.parquet")
    assert (new["seed"] == 9).all() and (old["seed"] == 0).all()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["judgments.parquet", "preferences.jsonl", "spec.toml", "summary.json",
         "my-analysis.ipynb", ".cogsim-outputs.json"])
    (out / "summary.json").write_text("{}")          # the user edits an output: now theirs
    r = subprocess.run(cmd + ["--overwrite"], capture_output=True, text=True)
    assert r.returncode == 2 and "summary.json" in r.stderr and "changed" in r.stderr
    assert (out / "summary.json").read_text() == "{}"


WRAPPED_SIGNAL = """
import os, signal, sys
import cogsim.exits
from cogsim.outputs import install_signal_handlers

install_signal_handlers()
try:
    try:
        os.kill(os.getpid(), signal.{name})
        while True:             # the handler runs between two bytecodes
            pass
    except BaseException:       # a library calling back into Python wraps what it caught
        raise RuntimeError("Error building validator: Interrupted") from None
except BaseException as error:
    sys.exit(cogsim.exits.exit_status(error))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_wrapped_by_a_library_is_still_an_interruption(signum: int) -> None:
    """A signal's exception that a library catches and replaces with its own (pydantic,
    building a validator while the signal arrived, raises a SchemaError) still ends the
    command as an interruption: one line, status 128 + signal, no traceback."""
    script = WRAPPED_SIGNAL.format(name=signal.Signals(signum).name)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 128 + signum, r.stderr
    assert r.stderr.strip().splitlines() == [
        f"cogsim: error: interrupted ({signal.Signals(signum).name}); no output was written"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_signals_leave_no_temporary_folder(signum: int, tmp_path: Path) -> None:
    """A signal at any point of a run (start-up, judging, writing) leaves nothing behind: no
    temporary folder and no partial output; an interrupted run says so in one line and exits
    with status 128 + signal."""
    (tmp_path / "notes.txt").write_text("mine\n")
    spec = DEFAULT_SPEC.read_text().replace("n_annotators = 60", "n_annotators = 600")
    (tmp_path / "big.toml").write_text(spec.replace("workload = 40 ", "workload = 400 "))
    before = _snapshot(tmp_path)
    cmd = [sys.executable, "-m", "cogsim", "generate", "--quiet", "--population", "big.toml",
           "--pairs", "20000", "--annotators-per-pair", "5", "--out", str(tmp_path / "out")]
    delays = (0.4, 1.2, 2.2, 3.5)
    outcomes = []
    for delay in delays:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=tmp_path)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        outcomes.append(proc.returncode)
        assert proc.returncode in (0, 128 + signum, -signum), (proc.returncode, err)
        assert "Traceback" not in err
        if (tmp_path / "out").exists():
            # finished before the signal, or the signal came as the interpreter exited (its
            # handlers are gone then: status -signum): the output must be whole
            assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
                ".cogsim-outputs.json", "judgments.parquet", "preferences.jsonl", "spec.toml",
                "summary.json"]
            shutil.rmtree(tmp_path / "out")
        elif proc.returncode == 128 + signum:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and "interrupted" in lines[0], err
        assert _snapshot(tmp_path) == before, f"left behind after a signal at {delay} s"
    assert outcomes.count(128 + signum) >= 2, outcomes
