"""Public data for the tests: where it is, and what happens when it is not there.

Tests that read a public data set say so with ``@pytest.mark.public_data("<folder>", ...)``
(the folder of the set in the data home, e.g. ``choices13k``) and get its location from the
``shared_data`` fixture.  The data are read from ``../shared/data`` beside the checkout
(``COGSIM_SHARED_DATA`` overrides the path), which is also the data home of the whole test
session; nothing is ever downloaded (``COGSIM_OFFLINE=1``).  Hypothesis keeps its files in
a temporary folder, so tests write nothing in the checkout outside pytest's ``tmp_path``.

* No ``../shared/data`` (a fresh clone): such a test is skipped, and the reason says where
  the data go.
* ``../shared/data`` exists (CI), or ``COGSIM_REQUIRE_PUBLIC_DATA=1``: a missing set fails
  the test, and a public-data test skipped for any reason fails the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

SHARED_ENV = "COGSIM_SHARED_DATA"
REQUIRE_ENV = "COGSIM_REQUIRE_PUBLIC_DATA"
SHARED_DATA = Path(
    os.environ.get(SHARED_ENV) or Path(__file__).resolve().parents[2] / "shared" / "data"
)
REQUIRED = SHARED_DATA.is_dir() or os.environ.get(REQUIRE_ENV) == "1"

#: Where each set comes from (its loader, whose docstring and URLs name the source).
SOURCES = {
    "choices13k": "cogsim/datasets/choices13k.py",
    "cpc18": "cogsim/datasets/cpc18.py",
    "niv_riskdata": "cogsim/datasets/niv.py",
    "choice_engineering_competition": "cogsim/datasets/choice_engineering.py",
    "hh_rlhf": "cogsim/datasets/hh_rlhf.py",
    "copilot_arena": "cogsim/datasets/copilot_arena.py",
    "alpaca_eval_evaluators": "cogsim/datasets/leaderboards.py",
}

_env = pytest.MonkeyPatch()
_temporary: list[str] = []  # folders this session made and removes
_skipped: list[str] = []  # node ids of public-data tests that were skipped


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "public_data(*folders): the test reads these public data sets from the data home "
        "(skipped without ../shared/data, failed when it is there but a set is missing)",
    )
    # The session's data home, also for the commands that tests run in subprocesses.
    _env.setenv("COGSIM_DATA_HOME", str(SHARED_DATA))
    _env.setenv("COGSIM_OFFLINE", "1")
    # Hypothesis's example database and constants cache go to a temporary folder, not to
    # the checkout's .hypothesis/ (Hypothesis reads the variable when it first needs them).
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        _temporary.append(tempfile.mkdtemp(prefix="cogsim-hypothesis-"))
        _env.setenv("HYPOTHESIS_STORAGE_DIRECTORY", _temporary[-1])


def pytest_unconfigure(config: pytest.Config) -> None:
    _env.undo()
    while _temporary:
        shutil.rmtree(_temporary.pop(), ignore_errors=True)


def missing_reason(folder: str) -> str:
    """One line: which set a test needs, where it goes, and why it is not there."""
    if SHARED_DATA.is_dir():
        why = f"{SHARED_DATA} has no folder {folder}"
    elif os.environ.get(SHARED_ENV):
        why = f"no {SHARED_DATA} ({SHARED_ENV})"
    else:
        why = "no ../shared/data beside the checkout"
    source = SOURCES.get(folder, "its SOURCE.md")
    return (
        f"needs the public data set {folder} in {SHARED_DATA / folder} "
        f"(absent: {why}; see {source} for the source)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip or fail a public-data test whose sets are missing, before its fixtures run."""
    for marker in item.iter_markers("public_data"):
        for folder in marker.args:
            if not (SHARED_DATA / folder).exists():
                reason = missing_reason(folder)
                if REQUIRED:
                    pytest.fail(f"{reason}; required because {_required_because()}",
                                pytrace=False)
                pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of the public data sets (the session's data home)."""
    return SHARED_DATA


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note every skipped public-data test."""
    if report.skipped and "public_data" in report.keywords:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With the public data required, a skipped public-data test fails the session."""
    if REQUIRED and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """With the public data required, list the public-data tests that were skipped."""
    if REQUIRED and _skipped:
        terminalreporter.section("public data", red=True)
        terminalreporter.line(
            f"{len(_skipped)} public-data test(s) skipped although {_required_because()}; "
            "this fails the session:",
            red=True,
        )
        for nodeid in _skipped:
            terminalreporter.line(f"  {nodeid}")


def _required_because() -> str:
    if os.environ.get(REQUIRE_ENV) == "1":
        return f"{REQUIRE_ENV}=1"
    return f"{SHARED_DATA} exists"
