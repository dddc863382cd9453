"""Writing outputs safely: the one output mechanism of every command.

Rules, the same for every command and every ``--out``:

* Output paths are checked before any work starts: an output folder must be new, or an
  empty folder, or (with ``overwrite=True``) a folder whose other files are left alone; an
  output file must not exist (unless ``overwrite=True``) and must not be a folder; the parent
  must be an existing, writable folder.
* Everything is written into a temporary folder (a hidden sibling of a new output folder, or
  a hidden folder inside an existing one) and moved into place only when all is written.
  Each output folder gets a manifest, ``.cogsim-outputs.json``: the files cogsim wrote there
  and their SHA-256.  With ``overwrite=True`` a file is replaced only if the manifest lists
  it and it is unchanged since cogsim wrote it; any other file in the way is refused (exit
  2), nothing else in the folder is touched, and no command ever deletes, replaces or alters
  a file it did not create.
* On any error, SIGINT or SIGTERM the temporary folder is removed: nothing half-written is
  left behind.  :func:`install_signal_handlers` turns SIGTERM into :class:`Interrupted` so
  that the clean-up runs.

Files and folders get the usual permissions (0666/0777 less the umask), not the private
ones of ``mkstemp``/``mkdtemp``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cogsim.errors import InputError

__all__ = ["GENERATE_FILES", "CALIBRATE_FILES", "REPORT_FILES", "Interrupted",
           "check_output_folder", "check_output_file", "output_folder", "output_file",
           "install_signal_handlers", "interruption", "json_ready", "sha256_file"]

TEMP_PREFIX = ".cogsim-tmp-"
MANIFEST = ".cogsim-outputs.json"

#: The files each command writes into its output folder (figures aside), checked before work.
GENERATE_FILES = ("judgments.parquet", "preferences.jsonl", "spec.toml", "summary.json")
CALIBRATE_FILES = ("params.json", "fidelity.json", "report.md", "population.toml")
REPORT_FILES = ("fidelity.json", "report.md")


class Interrupted(BaseException):
    """SIGTERM (or SIGINT) received: raised in the main thread so clean-ups run."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


#: The signals received since :func:`install_signal_handlers`, in order.
_received: list[int] = []


def install_signal_handlers() -> None:
    """Make SIGTERM and SIGINT raise :class:`Interrupted` in the main thread, so that
    clean-ups (``finally``, context managers) run before the process ends."""
    def handler(signum, frame):
        _received.append(signum)
        raise Interrupted(signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def interruption(error: BaseException) -> Interrupted | None:
    """The interruption that ended a run with ``error``, or None if it was not one.

    ``error`` is the :class:`Interrupted` itself, or another exception raised while a signal
    was being handled: a library that calls back into Python may catch the signal's exception
    and raise its own (pydantic, building a validator, raises a ``SchemaError``).
    """
    if isinstance(error, Interrupted):
        return error
    return Interrupted(_received[-1]) if _received else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_parent(path: Path, option: str) -> None:
    parent = path.parent
    if not parent.exists():
        raise InputError(f"option {option}: the folder {str(parent)!r} that would hold "
                         f"{path.name!r} does not exist; expected an existing folder")
    if not parent.is_dir():
        raise InputError(f"option {option}: {str(parent)!r} is a file, not a folder; "
                         f"expected {str(path)!r} inside an existing folder")
    shutil.rmtree(_make_temp(parent, path.name, option))       # probe: can we write there?


def check_output_folder(path: str | os.PathLike[str], option: str = "--out",
                        overwrite: bool = False, names: tuple[str, ...] = ()) -> Path:
    """Check an output folder before any work; return it as an absolute path.

    ``names`` are the output files (relative paths) the command will write, when known.

    Raises
    ------
    InputError
        If ``path`` is a file, its parent is missing or a file, it is a non-empty folder and
        ``overwrite`` is false, or (with ``overwrite``) one of ``names`` there is a file
        cogsim did not write or that changed since.
    """
    path = Path(os.path.abspath(path))
    if path.exists() and not path.is_dir():
        raise InputError(f"option {option}: {str(path)!r} is a file; expected a folder for "
                         f"the outputs (a new one, or an empty one)")
    if path.is_dir():
        others = [p.name for p in path.iterdir() if not p.name.startswith(TEMP_PREFIX)]
        if others and not overwrite:
            raise InputError(
                f"option {option}: the folder {str(path)!r} exists and is not empty "
                f"({len(others)} entries); expected a new or empty folder (pass --overwrite "
                f"to replace cogsim's own output files there and leave the rest alone)")
        _check_replaceable(path, names, option)
        shutil.rmtree(_make_temp(path, path.name, option))     # probe: can we write there?
    else:
        _check_parent(path, option)
    return path


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        record = json.loads((folder / MANIFEST).read_text())
        return {str(k): str(v) for k, v in record.get("files", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _check_replaceable(folder: Path, names, option: str) -> None:
    """Refuse if any of ``names`` exists in ``folder`` but is not a file cogsim wrote there
    (listed in the manifest with the same SHA-256)."""
    manifest = None
    for name in names:
        dst = folder / name
        if not os.path.lexists(dst):
            continue
        manifest = _read_manifest(folder) if manifest is None else manifest
        if dst.is_dir() or dst.is_symlink() or manifest.get(name) != sha256_file(dst):
            raise InputError(
                f"option {option}: {str(dst)!r} exists and was not written by cogsim (or "
                f"was changed since); expected a folder without it, even with --overwrite "
                f"(cogsim replaces only its own unchanged outputs)")


def check_output_file(path: str | os.PathLike[str], option: str = "--out",
                      overwrite: bool = False) -> Path:
    """Check an output file before any work; return it as an absolute path."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        raise InputError(f"option {option}: {str(path)!r} is a folder; expected a file name")
    if path.exists() and not overwrite:
        raise InputError(f"option {option}: the file {str(path)!r} exists; expected a new "
                         f"file (pass --overwrite to replace it)")
    _check_parent(path, option)
    return path


def _make_temp(where: Path, name: str, option: str) -> Path:
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{name}-", dir=where))
    except OSError as e:
        raise InputError(f"option {option}: cannot write in {str(where)!r} "
                         f"({e.strerror or e}); expected a writable folder") from None
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


@contextmanager
def _signals_blocked() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while outputs move into place (delivered right after)."""
    signals = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _written_files(tmp: Path) -> list[str]:
    return sorted(str((Path(root) / f).relative_to(tmp)) for root, _dirs, files in os.walk(tmp)
                  for f in files if f != MANIFEST)


def _write_manifest(folder: Path, files: dict[str, str]) -> None:
    (folder / MANIFEST).write_text(json.dumps({"written by": "cogsim", "files": files},
                                              indent=1, sort_keys=True) + "\n")


def _move_into(tmp: Path, target: Path, option: str) -> None:
    """Move every file under ``tmp`` to the same place under ``target``, replacing only
    files cogsim wrote there before, and update the manifest."""
    names = _written_files(tmp)
    _check_replaceable(target, names, option)
    for name in names:
        blocked = [p for p in (target / name).parents if target in p.parents
                   and os.path.lexists(p) and not p.is_dir()]
        if blocked:
            raise InputError(f"option {option}: cannot write {str(target / name)!r}: the file "
                             f"{str(blocked[0])!r} is in the way")
    manifest = _read_manifest(target)
    manifest.update({name: sha256_file(tmp / name) for name in names})
    _write_manifest(tmp, manifest)
    with _signals_blocked():
        for name in [*names, MANIFEST]:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / name, target / name)


@contextmanager
def output_folder(path: str | os.PathLike[str], *, overwrite: bool = False,
                  option: str = "--out") -> Iterator[Path]:
    """Check ``path`` (:func:`check_output_folder`), then yield a temporary folder to write
    the outputs into; when the block ends without error they move into ``path``.

    A new folder appears whole (one rename).  Into an existing folder the files move one by
    one, each whole; with ``overwrite`` a file there is replaced only if cogsim wrote it
    (the manifest) and it is unchanged, and nothing else in the folder is touched.  On any
    exception (including KeyboardInterrupt and :class:`Interrupted`) the temporary folder is
    removed.
    """
    target = check_output_folder(path, option, overwrite)
    existing = target.is_dir()
    tmp = _make_temp(target if existing else target.parent, target.name, option)
    try:
        yield tmp
        if existing:
            _move_into(tmp, target, option)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            _write_manifest(tmp, {name: sha256_file(tmp / name) for name in _written_files(tmp)})
            with _signals_blocked():
                os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def output_file(path: str | os.PathLike[str], *, overwrite: bool = False,
                option: str = "--out") -> Iterator[Path]:
    """Check ``path`` (:func:`check_output_file`), then yield a temporary file name beside
    it; when the block ends without error the file is renamed into place."""
    target = check_output_file(path, option, overwrite)
    tmp_dir = _make_temp(target.parent, target.name, option)
    try:
        tmp = tmp_dir / target.name
        yield tmp
        if not tmp.is_file():
            raise RuntimeError(f"nothing was written to {tmp}")
        with _signals_blocked():
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def json_ready(x):
    """A JSON-ready copy: NumPy scalars and arrays to Python, non-finite floats to null."""
    import numpy as np

    if isinstance(x, dict):
        return {str(k): json_ready(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_ready(v) for v in x]
    if isinstance(x, np.ndarray):
        return json_ready(x.tolist())
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(x)
    return x
