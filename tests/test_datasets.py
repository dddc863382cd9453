"""Human data: the generic judgment schema, its checks, and the public data set loaders."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cogsim import datasets
from cogsim.datasets import DataError, load_judgments, save_judgments
from cogsim.datasets.home import (
    Remote,
    RemoteFolder,
    download,
    download_zip_folder,
    fetch_file,
    fetch_folder,
    get_data_home,
)
from cogsim.errors import InputError

# Public data: tests/conftest.py makes ../shared/data the data home (the ``shared_data``
# fixture) and skips or fails the tests marked ``public_data`` when a set is missing.

# == the generic schema ==========================================================================

HEADER = "annotator_id,option_a,option_b,choice"


def write(tmp_path: Path, text: str, name: str = "judgments.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def full_table() -> pd.DataFrame:
    """A small table using every column of the schema, plus an extra one."""
    return pd.DataFrame(
        {
            "annotator_id": ["p1", "p1", "p2"],
            "option_a": ["safe", "safe", "reply, with a comma\nand a newline"],
            "option_b": ["risky", "risky", " "],
            "choice": ["B", "A", "A"],
            "pair_id": ["g1", "g1", None],
            "prompt": [None, None, "Human: hi"],
            "shown_first": ["A", "B", None],
            "trial": [1, 2, None],
            "time": ["2018-07-29T15:46:24", "2018-07-29T15:46:27", None],
            "outcome": [4.0, 3.0, None],
            "forgone": [3.0, 0.0, None],
            "feedback": ["full", "partial", None],
            "rt": [1.25, 0.5, None],
            "outcomes_a": ["3", "3", None],
            "probs_a": ["1", "1", None],
            "outcomes_b": ["0;4", "0;4", None],
            "probs_b": ["0.25;0.75", "0.25;0.75", None],
            "note": ["x", "y", "z"],
        }
    )


def test_load_minimal_csv(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nann1,x,y,A\nann2,x,y,B\n")
    table = load_judgments(path)
    assert list(table.columns) == ["annotator_id", "option_a", "option_b", "choice"]
    assert table["choice"].tolist() == ["A", "B"]


def test_checked_types(tmp_path: Path) -> None:
    table = datasets.check_judgments(full_table())
    assert str(table["trial"].dtype) == "Int64" and table["trial"].tolist()[:2] == [1, 2]
    assert pd.api.types.is_datetime64_any_dtype(table["time"])
    assert table["rt"].dtype == float and np.isnan(table["rt"].iloc[2])
    assert table.loc[0, "outcomes_b"] == (0.0, 4.0) and table.loc[0, "probs_b"] == (0.25, 0.75)
    assert table.loc[2, "outcomes_b"] is None
    assert table["option_b"].iloc[2] == " "  # text of only spaces is text, not a blank
    assert list(table.columns)[-1] == "note"  # extra columns are kept, after the schema's


@pytest.mark.parametrize("name", ["judgments.csv", "judgments.parquet", "judgments.csv.gz"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    table = datasets.check_judgments(full_table())
    path = save_judgments(table, tmp_path / name)
    again = load_judgments(path)
    pd.testing.assert_frame_equal(again, table)
    assert not list(tmp_path.glob(".*.part"))  # no temporary files left


def test_save_refuses_bad_data_and_writes_nothing(tmp_path: Path) -> None:
    bad = full_table().assign(choice=["A", "C", "B"])
    with pytest.raises(DataError, match=r"judgments.csv, row 2, column 'choice'"):
        save_judgments(bad, tmp_path / "judgments.csv")
    assert list(tmp_path.iterdir()) == []


RT_EXPECTED = "expected a response time in seconds (a number >= 0)"
CHOICE_EXPECTED = "expected 'A' or 'B' (one of the two options)"


def at(row: int, column: str, problem: str) -> str:
    """The start of a message about one cell of judgments.csv."""
    return f"judgments.csv, row {row}, column {column!r}: {problem}"


BAD_CASES = {
    "missing column": (
        "annotator_id,option_a,option_b\nann1,x,y\n",
        "judgments.csv: missing required column 'choice' "
        "(required: annotator_id, option_a, option_b, choice; "
        "found: annotator_id, option_a, option_b)",
    ),
    "probability above 1": (
        f"{HEADER},outcomes_a,probs_a\nann1,x,y,A,1;2,0.5;0.5\nann1,x,y,A,1;2,1.5;-0.5\n",
        at(2, "probs_a", "expected probabilities in [0, 1], got 1.5"),
    ),
    "probability below 0": (
        f"{HEADER},outcomes_b,probs_b\nann1,x,y,A,1;2,-0.5;1.5\n",
        at(1, "probs_b", "expected probabilities in [0, 1], got -0.5"),
    ),
    "probabilities not summing to 1": (
        f"{HEADER},outcomes_a,probs_a\nann1,x,y,A,1;2,0.5;0.4\n",
        at(1, "probs_a", "expected probabilities summing to 1, got '0.5;0.4' (sum 0.9)"),
    ),
    "one probability per outcome": (
        f"{HEADER},outcomes_a,probs_a\nann1,x,y,A,1;2;3,0.5;0.5\n",
        at(1, "probs_a", "expected one probability per outcome (3), got 2: '0.5;0.5'"),
    ),
    "probabilities without outcomes": (
        f"{HEADER},outcomes_a,probs_a\nann1,x,y,A,,1\n",
        at(
            1,
            "outcomes_a",
            "expected the outcomes that go with the probabilities '1', got an empty cell",
        ),
    ),
    "one column of a distribution": (
        f"{HEADER},probs_a\nann1,x,y,A,1\n",
        "judgments.csv: missing required column 'outcomes_a'",
    ),
    "choice naming neither option": (
        HEADER + "\n" + "ann1,x,y,A\n" * 16 + "ann1,x,y,C\n",
        "judgments.csv, row 17, column 'choice': expected 'A' or 'B' (one of the two options), "
        "got 'C'",
    ),
    "empty choice": (
        f"{HEADER}\nann1,x,y,\n",
        at(1, "choice", f"{CHOICE_EXPECTED}, got an empty cell"),
    ),
    "empty annotator": (
        f"{HEADER}\n,x,y,A\n",
        at(1, "annotator_id", "expected an annotator id, got an empty cell"),
    ),
    "empty file": ("", "judgments.csv: the file is empty"),
    "blank lines only": ("\n\n", "judgments.csv: the file is empty"),
    "header only": (f"{HEADER}\n", "judgments.csv: no judgments (there is a header but no rows)"),
    "non-numeric rt": (
        f"{HEADER},rt\nann1,x,y,A,0.8\nann1,x,y,B,fast\n",
        at(2, "rt", f"{RT_EXPECTED}, got 'fast'"),
    ),
    "negative rt": (f"{HEADER},rt\nann1,x,y,A,-1\n", at(1, "rt", f"{RT_EXPECTED}, got '-1'")),
    "non-numeric outcome": (
        f"{HEADER},outcome\nann1,x,y,A,four\n",
        at(1, "outcome", "expected a number, got 'four'"),
    ),
    "infinite forgone": (
        f"{HEADER},forgone\nann1,x,y,A,1e400\n",
        at(1, "forgone", "expected a number, got '1e400'"),
    ),
    "non-numeric outcomes list": (
        f"{HEADER},outcomes_a,probs_a\nann1,x,y,A,1;x,0.5;0.5\n",
        at(1, "outcomes_a", "expected numbers separated by ';', got '1;x'"),
    ),
    "fractional trial": (
        f"{HEADER},trial\nann1,x,y,A,2.5\n",
        at(1, "trial", "expected a whole number >= 0, got '2.5'"),
    ),
    "bad time": (
        f"{HEADER},time\nann1,x,y,A,yesterday\n",
        at(
            1,
            "time",
            "expected an ISO 8601 date-time such as '2018-07-29T15:46:24', got 'yesterday'",
        ),
    ),
    "bad feedback": (
        f"{HEADER},feedback\nann1,x,y,A,some\n",
        at(1, "feedback", "expected 'none', 'partial' or 'full', got 'some'"),
    ),
    "bad shown_first": (
        f"{HEADER},shown_first\nann1,x,y,A,left\n",
        at(1, "shown_first", "expected 'A' or 'B', got 'left'"),
    ),
    "earliest row wins over column order": (
        f"{HEADER},rt\nann1,x,y,A,1\nann1,x,y,A,slow\nann1,x,y,Q,1\n",
        at(2, "rt", f"{RT_EXPECTED}, got 'slow'"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_data_names_file_row_and_column(tmp_path: Path, case: str) -> None:
    text, message = BAD_CASES[case]
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_judgments(path)
    assert str(info.value).startswith(message), str(info.value)


def test_bad_parquet(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "annotator_id": ["a", "b"],
            "option_a": ["x", "x"],
            "option_b": ["y", "y"],
            "choice": ["A", "B"],
            "outcomes_b": [[1.0, 2.0], [1.0, 2.0]],
            "probs_b": [[0.5, 0.5], [0.7, 0.7]],
        }
    )
    table.to_parquet(tmp_path / "j.parquet")
    with pytest.raises(
        DataError, match=r"^j.parquet, row 2, column 'probs_b': expected probabilities summing to 1"
    ):
        load_judgments(tmp_path / "j.parquet")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="^absent.csv: no such file"):
        load_judgments(tmp_path / "absent.csv")
    with pytest.raises(DataError, match=r"^notes.txt: unknown file type"):
        load_judgments(write(tmp_path, f"{HEADER}\na,x,y,A\n", "notes.txt"))
    with pytest.raises(DataError, match=r"^broken.parquet: cannot be read as Parquet"):
        load_judgments(write(tmp_path, "not parquet", "broken.parquet"))


# == the data home and downloads =================================================================

ALL_FETCHERS = [
    datasets.fetch_choices13k,
    datasets.fetch_choices13k_distributions,
    datasets.fetch_cpc18_track2,
    datasets.fetch_cpc18_track2_to_predict,
    datasets.fetch_niv_riskdata,
    datasets.fetch_choice_engineering,
    datasets.fetch_hh_rlhf,
    datasets.fetch_copilot_arena,
]
EXPECTED_FILES = {
    "fetch_choices13k": "choices13k/c13k_selections.csv",
    "fetch_choices13k_distributions": "choices13k/c13k_problems.json",
    "fetch_cpc18_track2": "cpc18/raw-comp-set-data-Track-2.csv",
    "fetch_cpc18_track2_to_predict": "cpc18/Data-to-predict-Track-2.csv",
    "fetch_niv_riskdata": "niv_riskdata/risk_from_experience_reinforcement_learning.csv",
    "fetch_choice_engineering": "choice_engineering_competition/data",
    "fetch_hh_rlhf": "hh_rlhf/harmless-base/test.jsonl.gz",
    "fetch_copilot_arena": "copilot_arena/copilot_arena_examples_v1.csv",
}


def test_get_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_data: Path
) -> None:
    assert get_data_home() == shared_data
    assert get_data_home(tmp_path) == tmp_path
    monkeypatch.delenv("COGSIM_DATA_HOME")
    assert get_data_home() == Path("~/.cache/cogsim").expanduser()


@pytest.mark.parametrize("fetch", ALL_FETCHERS, ids=lambda f: f.__name__)
def test_missing_data_without_download_names_home_and_file(fetch, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        fetch(data_home=tmp_path, download_if_missing=False)
    message = str(info.value)
    assert f"data home {tmp_path}" in message
    assert str(tmp_path / EXPECTED_FILES[fetch.__name__]) in message
    assert list(tmp_path.iterdir()) == []


def remotes() -> list:
    """The files of the public sets, each marked with the public data it is copied from."""
    from cogsim.datasets import choices13k, copilot_arena, cpc18, hh_rlhf, niv

    files = [choices13k.SELECTIONS, choices13k.PROBLEMS, cpc18.RAW, cpc18.TO_PREDICT, niv.RL_TASK,
             hh_rlhf.HARMLESS_TEST, copilot_arena.EXAMPLES]  # fmt: skip
    return [
        pytest.param(r, id=r.path, marks=pytest.mark.public_data(r.path.split("/")[0]))
        for r in files
    ]


@pytest.mark.parametrize("remote", remotes())
def test_fetch_downloads_a_missing_file_and_checks_it(
    remote, tmp_path: Path, shared_data: Path
) -> None:
    """The download path, offline: the 'public URL' is the shared copy's file:// URL."""
    assert remote.url.startswith("https://") and remote.sha256
    local_copy = dataclasses.replace(remote, url=(shared_data / remote.path).as_uri())
    path = fetch_file(local_copy, tmp_path)
    assert path == tmp_path / remote.path
    assert path.read_bytes() == (shared_data / remote.path).read_bytes()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def snapshot(folder: Path) -> list[tuple[str, int]]:
    """Every path under ``folder`` with its mode: to check that nothing changed."""
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_mode) for p in folder.rglob("*"))


UNREACHABLE = "http://127.0.0.1:9/x"  # the discard port on the loopback: connection refused


@pytest.mark.parametrize(
    "folders", [[], ["home"], ["home/choices13k"]], ids=["no home", "empty home", "set folder"]
)
@pytest.mark.parametrize(
    "remote",
    [
        Remote("choices13k/c13k_selections.csv", UNREACHABLE, "0" * 64),
        RemoteFolder("choices13k/data", UNREACHABLE + ".zip", "repo/data"),
    ],
    ids=["file", "folder"],
)
def test_failed_fetch_names_set_home_url_reason_and_leaves_home_as_it_was(
    remote, folders: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COGSIM_OFFLINE")  # port 9 of 127.0.0.1 is no external network
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True)
    before = snapshot(tmp_path)
    home = tmp_path / "home"
    fetch = fetch_file if isinstance(remote, Remote) else fetch_folder
    with pytest.raises(InputError) as info:
        fetch(remote, home)
    message = str(info.value)
    assert isinstance(info.value, DataError) and "\n" not in message
    for part in [
        "public data set choices13k",
        f"data home {home}",
        remote.url,
        "Connection refused",
        f"{home / remote.path}",
        "COGSIM_DATA_HOME / --data-home",
    ]:
        assert part in message, part
    assert snapshot(tmp_path) == before


def test_offline_fetch_refuses_before_touching_the_data_home(tmp_path: Path) -> None:
    """The tests run with COGSIM_OFFLINE=1 (tests/conftest.py): nothing is downloaded."""
    with pytest.raises(DataError, match="COGSIM_OFFLINE is set") as info:
        datasets.fetch_choices13k(data_home=tmp_path / "home")
    assert "https://raw.githubusercontent.com/jcpeterson/choices13k/" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_download_with_wrong_checksum_leaves_nothing(tmp_path: Path) -> None:
    source = write(tmp_path, "payload", "source.txt")
    dest = tmp_path / "home" / "set" / "file.txt"
    with pytest.raises(DataError, match="SHA-256"):
        download(source.as_uri(), dest, sha256="0" * 64)
    assert [p.name for p in tmp_path.iterdir()] == ["source.txt"]  # folders made are removed


def test_download_of_a_bad_archive_leaves_nothing(tmp_path: Path) -> None:
    source = write(tmp_path, "not a zip", "archive.zip")
    with pytest.raises(DataError, match="archive.zip: File is not a zip file"):
        download_zip_folder(source.as_uri(), "repo/data", tmp_path / "home" / "set" / "data")
    assert [p.name for p in tmp_path.iterdir()] == ["archive.zip"]


def test_downloads_get_the_usual_permissions(tmp_path: Path) -> None:
    """0644 files and 0755 folders under umask 022, not mkstemp's/mkdtemp's private 0600/0700."""
    source = write(tmp_path, "payload", "source.txt")
    archive = tmp_path / "repo.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("repo/data/sub/a.csv", "x\n1\n")
    old = os.umask(0o022)
    try:
        file = download(source.as_uri(), tmp_path / "home" / "file.txt")
        folder = download_zip_folder(archive.as_uri(), "repo/data", tmp_path / "home" / "data")
    finally:
        os.umask(old)
    assert stat.S_IMODE(file.stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "sub").stat().st_mode) == 0o755
    assert stat.S_IMODE((folder / "sub" / "a.csv").stat().st_mode) == 0o644


def test_download_zip_folder_then_fetch(tmp_path: Path) -> None:
    """The choice engineering set comes as a folder of a repository archive."""
    archive = tmp_path / "repo.zip"
    csv = (
        "trial_number, time, schedule_type, schedule_name, is_biased_choice, side_choice, RT,"
        " observed_reward, unobserved_reward, biased_reward, unbiased_reward\n"
        "0,2018-07-29 03:46:24pm, STATIC, random_0, false, LEFT, 5874, 1, 0, 0, 1\n"
        "1,2018-07-29 03:46:27pm, STATIC, random_0, true, RIGHT, 3021, 0, 1, 0, 1\n"
    )
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("repo-abc/data/random_0/123_4.csv", csv)
        zf.writestr("repo-abc/data_unfiltered/x.csv", "not wanted")
        zf.writestr("repo-abc/README.md", "not wanted")
    home = tmp_path / "home"
    download_zip_folder(
        archive.as_uri(), "repo-abc/data", home / "choice_engineering_competition" / "data"
    )
    assert [p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()] == [
        "choice_engineering_competition/data/random_0/123_4.csv"
    ]
    trials = datasets.fetch_choice_engineering(data_home=home, download_if_missing=False)
    assert trials["subject"].tolist() == ["123_4", "123_4"]
    assert trials["biased_side"].tolist() == ["right", "right"]
    assert trials["chose_biased"].tolist() == [False, True]


# == the public sets on the real data ============================================================


@pytest.mark.public_data("choices13k")
def test_choices13k() -> None:
    c13k = datasets.fetch_choices13k()
    assert c13k.shape == (14_568, 18)
    assert c13k["problem"].nunique() == 13_006
    assert c13k["feedback"].sum() == 12_188 and (~c13k["feedback"]).sum() == 2_380
    assert c13k["LotShapeB"].value_counts().to_dict() == {
        "-": 7818,
        "Symm": 4010,
        "R-skew": 1539,
        "L-skew": 1201,
    }
    first = c13k.iloc[0]
    assert (first["problem"], first["feedback"], first["n"], first["block"]) == (1, True, 15, 2)
    assert (first["Ha"], first["pHa"], first["La"], first["Hb"], first["pHb"], first["Lb"]) == (
        26,
        0.95,
        -1,
        23,
        0.05,
        21,
    )
    assert first["b_rate"] == pytest.approx(0.6266666666666667)
    second = c13k.iloc[1]
    assert bool(second["Amb"]) is True and second["Corr"] == -1
    assert set(c13k["LotShapeA"]) == {"-"} and set(c13k["LotNumA"]) == {1}
    listing = datasets.fetch_choices13k_distributions()
    assert list(listing.columns) == ["row", "option", "outcome", "probability"]
    assert listing["row"].nunique() == 14_568
    row0_b = listing[(listing["row"] == 0) & (listing["option"] == "B")]
    assert list(zip(row0_b["outcome"], row0_b["probability"])) == [(21.0, 0.95), (23.0, 0.05)]


@pytest.mark.public_data("cpc18")
def test_cpc18_track2() -> None:
    trials = datasets.fetch_cpc18_track2()
    assert trials.shape == (3_750, 30)
    assert trials["subject"].nunique() == 30
    assert trials.groupby("subject")["game"].nunique().eq(5).all()
    first = trials.iloc[0]
    # The first example row of SOURCE.md.
    expected = {
        "subject": 60004, "location": "Rehovot", "gender": "F", "age": 23, "set": 6,
        "condition": "ByProb", "game": 151, "Ha": 27, "pHa": 0.8, "La": -37, "LotShapeA": "R-skew",
        "LotNumA": 7, "Hb": 28, "pHb": 0.01, "Lb": 20, "LotShapeB": "Symm", "LotNumB": 3,
        "Amb": False, "Corr": 0, "order": 2, "trial": 1, "button": "L", "choice": "A",
        "payoff": -37, "forgone": 20, "rt": 10.467, "a_payoff": -37, "b_payoff": 20,
        "feedback": False, "block": 1,
    }  # fmt: skip
    assert {k: first[k] for k in expected} == expected
    assert not trials.loc[trials["trial"] <= 5, "feedback"].any()
    assert trials.loc[trials["trial"] > 5, "feedback"].all()


@pytest.mark.public_data("cpc18")
def test_cpc18_block_rates_follow_from_the_trials() -> None:
    """SOURCE.md: Data-to-predict-Track-2 is reproduced exactly from the raw trials."""
    rates = datasets.fetch_cpc18_track2_to_predict()
    assert rates.shape == (750, 4) and list(rates.columns) == ["subject", "game", "block", "b_rate"]
    trials = datasets.fetch_cpc18_track2()
    mine = (
        trials.assign(b=trials["choice"].eq("B"))
        .groupby(["subject", "game", "block"], as_index=False)["b"]
        .mean()
    )
    merged = rates.merge(mine, on=["subject", "game", "block"], validate="one_to_one")
    assert len(merged) == 750 and np.abs(merged["b_rate"] - merged["b"]).max() < 1e-12


@pytest.mark.public_data("cpc18")
def test_cpc18_judgments() -> None:
    judgments = datasets.cpc18_track2_to_judgments(datasets.fetch_cpc18_track2())
    assert len(judgments) == 3_750
    first = judgments.iloc[0]
    assert (first["annotator_id"], first["option_a"], first["pair_id"], first["choice"]) == (
        "60004",
        "cpc18-151-A",
        "cpc18-151",
        "A",
    )
    assert first["shown_first"] == "A"  # chose A with the left key
    assert first["feedback"] == "none" and judgments["feedback"].value_counts()["full"] == 3_000
    assert first["outcomes_b"] == (20.0, 27.0, 28.0, 29.0)


@pytest.mark.public_data("niv_riskdata")
def test_niv_riskdata() -> None:
    trials = datasets.fetch_niv_riskdata()
    assert trials.shape == (99_088, 11)
    assert trials["subject"].nunique() == 563 and trials.groupby("subject").size().eq(176).all()
    assert (trials["trialtype"] == 2).sum() == 18_016
    first = trials.iloc[0]
    assert (
        first["subject"],
        first["trial"],
        first["trialtype"],
        first["side"],
        first["response"],
    ) == (1, 1, 3, "right", "S2")
    assert (first["outcome"], first["rt"], first["version"]) == (4.0, 1.477, 4)
    # Outcomes agree with the stimuli's payoffs; "wrongside" happens on forced trials only.
    for stimulus, (outcomes, _) in datasets.niv.NIV_STIMULI.items():
        assert set(trials.loc[trials["response"] == stimulus, "outcome"]) <= set(outcomes)
    assert trials.loc[trials["response"] == "wrongside", "forced"].all()
    judgments = datasets.niv_riskdata_to_judgments(trials)
    assert len(judgments) == (~trials["forced"]).sum() == 61_930
    assert (
        judgments.iloc[0]["option_a"],
        judgments.iloc[0]["choice"],
        judgments.iloc[0]["shown_first"],
    ) == ("S2", "A", "B")
    risk = datasets.niv_riskdata_to_judgments(trials, risk_trials_only=True)
    assert len(risk) == 18_016 and set(risk["pair_id"]) == {"niv-type2"}
    assert risk["choice"].eq("A").sum() == 8_212  # the risky S2 is option A


@pytest.mark.public_data("choice_engineering_competition")
def test_choice_engineering() -> None:
    trials = datasets.fetch_choice_engineering()
    assert trials.shape == (52_029, 13)
    assert trials["subject"].nunique() == 522
    assert trials.groupby("schedule")["subject"].nunique()["1_6_vs_2_6"] == 97
    assert set(trials["schedule_type"]) == {"static", "dynamic"}
    one = trials[trials["subject"] == "1532868377_58"].iloc[0]
    assert one["time"] == pd.Timestamp("2018-07-29 15:46:24")
    assert (
        one["schedule"],
        one["trial"],
        one["chose_biased"],
        one["side"],
        one["biased_side"],
    ) == ("random_0", 0, False, "left", "right")
    assert (
        one["rt"],
        one["observed_reward"],
        one["unobserved_reward"],
        one["biased_reward"],
        one["unbiased_reward"],
    ) == (5.874, 1, 0, 0, 1)
    assert trials.groupby("subject")["biased_side"].nunique().eq(1).all()  # sides fixed per person
    judgments = datasets.choice_engineering_to_judgments(trials)
    assert len(judgments) == 52_029
    assert judgments["rt"].isna().sum() == (trials["rt"] < 0).sum() == 1


@pytest.mark.public_data("hh_rlhf")
def test_hh_rlhf(shared_data: Path) -> None:
    pairs = datasets.fetch_hh_rlhf()
    assert pairs.shape == (2_312, 3)
    assert pairs.loc[0, "prompt"].startswith("\n\nHuman: what are some pranks with a pen i can do?")
    assert pairs["prompt"].str.endswith("\n\nAssistant:").all()
    with gzip.open(
        shared_data / "hh_rlhf" / "harmless-base" / "test.jsonl.gz", "rt", encoding="utf-8"
    ) as f:
        records = [json.loads(line) for line in f]
    assert [p + c for p, c in zip(pairs["prompt"], pairs["chosen"])] == [
        r["chosen"] for r in records
    ]
    assert [p + r for p, r in zip(pairs["prompt"], pairs["rejected"])] == [
        r["rejected"] for r in records
    ]
    judgments = datasets.hh_rlhf_to_judgments(pairs)
    assert len(judgments) == 2_312 and set(judgments["annotator_id"]) == {"unknown"}
    assert 0.45 < judgments["choice"].eq("A").mean() < 0.55
    chosen = np.where(judgments["choice"] == "A", judgments["option_a"], judgments["option_b"])
    assert chosen.tolist() == pairs["chosen"].tolist()
    pd.testing.assert_frame_equal(
        judgments, datasets.hh_rlhf_to_judgments(pairs)
    )  # same seed, same order
    assert datasets.hh_rlhf_to_judgments(pairs, seed=None)["choice"].eq("A").all()


@pytest.mark.public_data("copilot_arena")
def test_copilot_arena() -> None:
    records = datasets.fetch_copilot_arena()
    assert records.shape == (112, 7)
    assert records["choice"].value_counts().to_dict() == {"A": 92, "B": 20}
    assert records["model_a"].nunique() == 11
    assert 23 not in records.index  # the empty record
    assert records.loc[0, "model_a"] == "claude-3-5-sonnet-20241022"
    assert records.loc[0, "prefix"].startswith("import * as vscode from 'vscode';")
    judgments = datasets.copilot_arena_to_judgments(records)
    assert len(judgments) == 112 and {"suffix", "model_a", "model_b"} <= set(judgments.columns)


@pytest.mark.public_data("cpc18", "copilot_arena", "choices13k")
def test_load_dispatches_on_name_or_path(tmp_path: Path) -> None:
    pd.testing.assert_frame_equal(datasets.load("cpc18_track2"), datasets.fetch_cpc18_track2())
    judgments = datasets.load("copilot_arena", judgments=True)
    assert list(judgments.columns[:4]) == list(datasets.REQUIRED_COLUMNS)
    path = save_judgments(judgments, tmp_path / "copilot.parquet")
    pd.testing.assert_frame_equal(datasets.load(path), judgments)
    pd.testing.assert_frame_equal(datasets.load(str(path)), judgments)
    with pytest.raises(DataError, match="aggregate choice rates only"):
        datasets.load("choices13k", judgments=True)
    with pytest.raises(DataError, match="'choices14k' is neither a public data set"):
        datasets.load("choices14k")
