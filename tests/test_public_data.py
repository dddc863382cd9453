"""The rule of tests/conftest.py for public data, checked in throwaway pytest sessions:
skipped with a reason without ../shared/data, required (failed, never skipped) with it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")
TESTS = """
import os
import pytest

@pytest.mark.public_data("choices13k")
def test_reads_choices13k(shared_data):
    assert (shared_data / "choices13k").is_dir()
    if os.environ.get("SKIP_ANYWAY"):
        pytest.skip("some other reason")

def test_plain():
    pass
"""


@pytest.fixture
def session(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """Run a session of TESTS with the project's conftest and the given environment."""
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(test_example=TESTS)
    for name in ("COGSIM_SHARED_DATA", "COGSIM_REQUIRE_PUBLIC_DATA", "SKIP_ANYWAY"):
        monkeypatch.delenv(name, raising=False)

    def run(**env: str) -> pytest.RunResult:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")

    return run


def test_without_shared_data_the_test_is_skipped_saying_where_the_data_go(session) -> None:
    result = session()  # pytester's folder has no ../shared/data beside it
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.re_match_lines([
        r"SKIPPED .* needs the public data set choices13k in .*/shared/data/choices13k "
        r"\(absent: no \.\./shared/data beside the checkout; see "
        r"cogsim/datasets/choices13k\.py for the source\)"
    ])


def test_with_shared_data_the_data_are_read(session, tmp_path: Path) -> None:
    (tmp_path / "choices13k").mkdir()
    result = session(COGSIM_SHARED_DATA=str(tmp_path))
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2)


def test_with_shared_data_a_missing_set_fails(session, tmp_path: Path) -> None:
    result = session(COGSIM_SHARED_DATA=str(tmp_path))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([f"*{tmp_path} has no folder choices13k*required because*"])


def test_require_env_makes_missing_data_fail(session) -> None:
    result = session(COGSIM_SHARED_DATA="/nonexistent", COGSIM_REQUIRE_PUBLIC_DATA="1")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*required because COGSIM_REQUIRE_PUBLIC_DATA=1*"])


def test_with_shared_data_any_skipped_public_data_test_fails_the_session(
    session, tmp_path: Path
) -> None:
    (tmp_path / "choices13k").mkdir()
    result = session(COGSIM_SHARED_DATA=str(tmp_path), SKIP_ANYWAY="1")
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "*1 public-data test(s) skipped although*exists; this fails the session:",
        "*test_example.py::test_reads_choices13k",
    ])
