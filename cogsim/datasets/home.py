"""The data home: where public data sets are kept, and how a missing one is fetched.

Like scikit-learn's ``fetch_*``: a data set lives in ``<data home>/<folder>/`` with the same
layout as its public source (and as ``../shared/data/<folder>/`` beside the checkout, so tests
can point the data home there).  The data home is the ``data_home`` argument, else the
``COGSIM_DATA_HOME`` environment variable, else ``~/.cache/cogsim``.

A missing file is downloaded from the public URL pinned to a commit into a temporary file
beside it, checked against its SHA-256, and only then renamed into place (with the usual
permissions, 0666 less the umask).  A fetch that fails raises :class:`DataError` naming the
data set, the data home, the URL, the reason and what to do, and leaves the data home as it
was: no temporary file, and no folder created for the download.  With ``COGSIM_OFFLINE=1``
nothing is downloaded (``file://`` URLs are still read): a missing data set is an error.
"""

from __future__ import annotations

import http.client
import itertools
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cogsim.datasets.errors import DataError
from cogsim.outputs import sha256_file

__all__ = [
    "DATA_HOME_ENV",
    "OFFLINE_ENV",
    "Remote",
    "RemoteFolder",
    "download",
    "download_zip_folder",
    "fetch_file",
    "fetch_folder",
    "get_data_home",
    "is_offline",
]

DATA_HOME_ENV = "COGSIM_DATA_HOME"
OFFLINE_ENV = "COGSIM_OFFLINE"
DEFAULT_DATA_HOME = Path("~/.cache/cogsim")


@dataclass(frozen=True)
class Remote:
    """One file of a public data set: its path in the data home, source URL and checksum."""

    path: str  # relative to the data home, e.g. "choices13k/c13k_selections.csv"
    url: str
    sha256: str | None = None


@dataclass(frozen=True)
class RemoteFolder:
    """A data set spread over many files: a folder of a zip archive (a repository snapshot)."""

    path: str  # the folder, relative to the data home
    url: str  # the zip archive
    member: str  # the folder inside the archive


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """The data home: ``data_home`` if given, else $COGSIM_DATA_HOME, else ~/.cache/cogsim."""
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or DEFAULT_DATA_HOME
    return Path(data_home).expanduser()


def fetch_file(
    remote: Remote,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
) -> Path:
    """Local path of ``remote`` in the data home, downloading it first if it is missing.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is false.
    DataError
        If the file is missing and cannot be downloaded (see `download`); the message names
        the data set, the data home, the URL, the reason and where to put the file by hand.
    """
    return _fetch(remote, data_home, download_if_missing, "file", Path.exists,
                  lambda local: download(remote.url, local, remote.sha256),
                  lambda local: f"download it by hand to {local}")


def fetch_folder(
    remote: RemoteFolder,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
) -> Path:
    """Local path of the folder ``remote`` in the data home, downloading it first if missing.

    Raises as `fetch_file` does (a download fails as `download_zip_folder` says).
    """
    return _fetch(remote, data_home, download_if_missing, "folder", Path.is_dir,
                  lambda local: download_zip_folder(remote.url, remote.member, local),
                  lambda local: f"download the archive by hand and unpack its folder "
                                f"{remote.member} as {local}")


def _fetch(
    remote: Remote | RemoteFolder,
    data_home: str | os.PathLike[str] | None,
    download_if_missing: bool,
    kind: str,
    present: Callable[[Path], bool],
    get: Callable[[Path], Path],
    by_hand: Callable[[Path], str],
) -> Path:
    """`fetch_file` and `fetch_folder`: the local ``kind`` ("file" or "folder") if
    ``present``, else ``get`` it, with their errors."""
    home = get_data_home(data_home)
    local = home / remote.path
    if present(local):
        return local
    if not download_if_missing:
        raise FileNotFoundError(
            f"{remote.path} is not in the data home {home} (expected the {kind} {local}); "
            f"call with download_if_missing=True to download it from {remote.url}, or set "
            f"{DATA_HOME_ENV} to a folder that has it"
        )
    try:
        return get(local)
    except DataError as error:
        raise _fetch_failed(home, remote.path, error, by_hand(local)) from None


def _fetch_failed(home: Path, path: str, error: DataError, by_hand: str) -> DataError:
    """The one-line error of a failed fetch: data set, data home, URL and reason, remedy."""
    name = path.split("/")[0]
    return DataError(
        f"public data set {name}: {path} is not in the data home {home} and could not be "
        f"downloaded ({error}); {by_hand}, or set {DATA_HOME_ENV} / --data-home to a folder "
        f"that has {path}"
    )


def is_offline() -> bool:
    """True when ``COGSIM_OFFLINE`` is set (to anything but "", "0", "false" or "no")."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def download(url: str, dest: Path, sha256: str | None = None, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` atomically (temporary file, checksum, then rename).

    Raises
    ------
    DataError
        ``"<url>: <reason>"`` if the URL cannot be read (unreachable, HTTP error, offline),
        the checksum differs, or ``dest`` cannot be written.  Nothing is left behind then:
        no temporary file, and none of the folders created for ``dest``.
    """
    dest = Path(dest)
    if is_offline() and urllib.parse.urlsplit(url).scheme != "file":
        raise DataError(f"{url}: not downloaded, because {OFFLINE_ENV} is set")
    try:
        with _new_folders(dest.parent):
            fd, tmp_name = tempfile.mkstemp(
                dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"
            )
            tmp = Path(tmp_name)
            try:
                with (
                    os.fdopen(fd, "wb") as out,
                    urllib.request.urlopen(url, timeout=timeout) as response,
                ):
                    shutil.copyfileobj(response, out)
                if sha256 is not None and (actual := sha256_file(tmp)) != sha256:
                    raise DataError(
                        f"{url}: downloaded file has SHA-256 {actual}, expected {sha256}; "
                        "not saved"
                    )
                os.chmod(tmp, 0o666 & ~_umask())
                os.replace(tmp, dest)
            finally:
                tmp.unlink(missing_ok=True)
    except DataError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise DataError(f"{url}: {_reason(exc)}") from exc
    return dest


def download_zip_folder(url: str, member_prefix: str, dest: Path, timeout: float = 60.0) -> Path:
    """Download a zip archive and install its folder ``member_prefix`` as ``dest``, atomically.

    Used for data sets spread over many files (a repository archive at a pinned commit).

    Raises
    ------
    DataError
        As `download`, or if the archive is not a zip file, lacks the folder or holds an
        unsafe path; nothing is left behind then.
    """
    dest = Path(dest)
    try:
        with (
            _new_folders(dest.parent),
            tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp_dir,
        ):
            archive = download(url, Path(tmp_dir) / "archive.zip", timeout=timeout)
            staging = Path(tmp_dir) / "staging"
            staging.mkdir()
            _unpack(archive, member_prefix, staging, url)
            os.replace(staging, dest)
    except DataError:
        raise
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataError(f"{url}: {_reason(exc)}") from exc
    return dest


def _unpack(archive: Path, member_prefix: str, staging: Path, url: str) -> None:
    """Extract the files under ``member_prefix`` of ``archive`` into ``staging``."""
    prefix = member_prefix.rstrip("/") + "/"
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if m.filename.startswith(prefix) and not m.is_dir()]
        if not members:
            raise DataError(f"{url}: the archive has no folder {member_prefix!r}")
        for member in members:
            relative = Path(member.filename[len(prefix) :])
            if relative.is_absolute() or ".." in relative.parts:
                raise DataError(f"{url}: unsafe path {member.filename!r} in the archive")
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


@contextmanager
def _new_folders(folder: Path) -> Iterator[None]:
    """Create ``folder`` and its missing parents; on any error remove those again (if empty)."""
    created = list(itertools.takewhile(lambda p: not p.exists(), (folder, *folder.parents)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        yield
    except BaseException:
        for path in created:  # deepest first
            try:
                path.rmdir()
            except OSError:
                break
        raise


def _reason(exc: BaseException) -> str:
    """Why a download failed, in a few words ("[Errno 111] Connection refused", "HTTP 404 ...")."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask

