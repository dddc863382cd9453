"""The oracle behind the service: one thread, one order, and an atomic state folder.

Order
-----
Every call on the oracle (judging, feedback, rewards, reading the population, saving) runs
in the server's event loop, one at a time, to the end, with no other request handled in
between.  The web application makes a request's call as soon as the request has been
received in full and its body checked, so requests that change the state are applied in the
order they arrived complete; the same sequence of requests gives the same judgments as the
same sequence of calls on an in-process :class:`~cogsim.oracle.Oracle`.  (Running the calls
in the loop itself, rather than handing them to a worker thread, halves the latency and
doubles the throughput: the thread handoffs cost more than they overlap.)

Refusals and failures
---------------------
The oracle checks a query in full before it changes anything, so a refused call (an
:class:`~cogsim.errors.InputError`) leaves the state as it was.  Any other error in a call
that changes the state may have left it half-changed: the service then refuses further
state-changing calls and never saves that state, so a restart continues from the last good
save.

Saving
------
:meth:`OracleService.save` writes the state (:meth:`Oracle.save`) into a new hidden sibling
of the state folder, then swaps the two folders in one step (``renameat2`` with
``RENAME_EXCHANGE`` on Linux; elsewhere two renames) and removes the old one: the state
folder always holds one whole save.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cogsim.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from cogsim.oracle import Oracle

__all__ = ["OracleService", "Unavailable", "STATE_FILES", "check_state_folder", "swap",
           "DEFAULT_MAX_BODY", "DEFAULT_MAX_BATCH"]

#: Bytes per request body, and pairs per request, unless the options say otherwise.
DEFAULT_MAX_BODY = 8 * 2**20
DEFAULT_MAX_BATCH = 4096

T = TypeVar("T")

#: The files of a state folder (Oracle.save), which the service may replace as a whole.
STATE_FILES = {"manifest.json", "arrays.npz", "reference_items.parquet", "items.parquet",
               ".cogsim-outputs.json"}


class Unavailable(RuntimeError):
    """The service cannot change the state (after an internal error), or has no state
    folder to save to."""


def check_state_folder(path: Path, option: str = "--state") -> bool:
    """Whether ``path`` holds a saved state (True) or is free for one (False).

    Raises
    ------
    InputError
        ``path`` is a file, a folder with files other than a state's, or its parent is not
        a writable folder.
    """
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
        if not names:
            return False
        other = sorted(names - STATE_FILES)
        if other or "manifest.json" not in names:
            found = other[0] if other else "no manifest.json"
            raise InputError(f"option {option}: {str(path)!r} is a folder that does not hold "
                             f"a saved state ({found!r}); expected a state folder written by "
                             f"cogsim serve or Oracle.save, or a new path")
        return True
    if path.exists() or path.is_symlink():
        raise InputError(f"option {option}: {str(path)!r} is not a folder; expected a state "
                         f"folder or a new path")
    parent = path.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"option {option}: cannot write in {str(parent)!r}; expected an "
                         f"existing, writable folder")
    return False


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):          # EINVAL, ENOSYS, EOPNOTSUPP: not on this file system
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def swap(new: Path, target: Path) -> None:
    """Put folder ``new`` in the place of ``target`` (which may not exist), atomically where
    the system allows; the old ``target`` is removed."""
    if target.exists():
        if _exchange(new, target):
            shutil.rmtree(new)
            return
        old = new.with_name(new.name + ".old")
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old)
    else:
        os.rename(new, target)


class OracleService:
    """An :class:`Oracle` whose calls run one at a time (see the module notes).

    Parameters
    ----------
    oracle : Oracle
    state : Path, optional
        The state folder that :meth:`save` writes (None: no saving).
    """

    def __init__(self, oracle: Oracle, state: Path | None = None):
        self.oracle = oracle
        self.state = state
        self.changes = 0            # state-changing calls applied since the start
        self.saved_changes = 0      # ... as of the last save
        self.broken: str | None = None

    # --------------------------------------------------------------- calling
    def call(self, fn: Callable[[Oracle], T], *, changes: bool) -> T:
        """Run ``fn(oracle)`` now, to the end (call it from the event loop: nothing else
        runs meanwhile); ``changes``: whether it may change the state."""
        if changes and self.broken:
            raise Unavailable(self.broken)
        if changes:
            self.changes += 1           # counted before, so that the answer's clock has it
        try:
            return fn(self.oracle)
        except InputError:
            if changes:                 # refused before any change (the oracle's contract)
                self.changes -= 1
            raise
        except BaseException as e:
            if changes:
                self.broken = (f"the state may be inconsistent after an internal error "
                               f"({type(e).__name__}); it is not saved: restart the service "
                               f"from its last saved state")
            raise

    def clock(self) -> dict[str, int]:
        """Steps, pairs and judgments so far."""
        oracle, changes, saved = self.oracle, self.changes, self.saved_changes
        return {"step": int(oracle.step), "pairs_seen": int(oracle.pairs_seen),
                "judgments": int(oracle.population.done.sum()), "changes": changes,
                "unsaved_changes": changes - saved}

    # ---------------------------------------------------------------- saving
    @property
    def unsaved(self) -> bool:
        return self.changes != self.saved_changes

    def save(self, *, only_if_changed: bool = False) -> Path | None:
        """Save the state into the state folder, atomically (see the module notes); with
        ``only_if_changed``, only if it changed since the last save (else None)."""
        if only_if_changed and (not self.unsaved or self.state is None or self.broken):
            return None
        if self.state is None:
            raise Unavailable("no state folder: start the service with --state DIR to save")
        if self.broken:
            raise Unavailable(self.broken)
        changes, target = self.changes, self.state
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.saving-", dir=target.parent))
        try:
            self.oracle.save(tmp / "state")       # the usual permissions (cogsim.outputs)
            swap(tmp / "state", target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.saved_changes = changes
        return target

    def describe(self) -> dict[str, Any]:
        """The population: spec, size, groups, clock, versions."""
        from cogsim import __version__
        from cogsim.oracle.state import FORMAT, FORMAT_VERSION

        oracle, pop = self.oracle, self.oracle.population
        table = oracle.annotators
        groups = {}
        for name, rows in table.groupby("group", sort=False):
            groups[str(name)] = {"annotators": int(len(rows)),
                                 "model": str(rows["model"].iloc[0]),
                                 "judgments": int(rows["judgments"].sum())}
        return {"name": oracle.spec.name, "size": oracle.n_annotators, "seed": oracle.seed,
                "groups": groups, "attributes": list(pop.registry.attributes),
                "items": len(pop.registry), "clock": self.clock(),
                "spec": oracle.spec.model_dump(mode="json", exclude_none=True),
                "version": {"cogsim": __version__, "api": "v1", "state_format": FORMAT,
                            "state_format_version": FORMAT_VERSION},
                "state": str(self.state) if self.state is not None else None}

