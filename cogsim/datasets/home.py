"""The data home: where public data sets are kept, and how a missing one is fetched.

Like scikit-learn's ``fetch_*``: a data set lives in ``<data home>/<folder>/`` with the same
layout as its public source (and as ``../shared/data/<folder>/`` beside the checkout, so tests
can point the data home there).  The data home is the ``data_home`` argument, else the
``COGSIM_DATA_HOME`` environment variable, else ``~/.cache/cogsim``.  A missing file is
downloaded from the public URL pinned to a commit, checked against its SHA-256, and only then
renamed into place, so an interrupted download never leaves a half-written file behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cogsim.datasets.errors import DataError

__all__ = [
    "DATA_HOME_ENV",
    "Remote",
    "RemoteFolder",
    "get_data_home",
    "fetch_file",
    "fetch_folder",
    "download",
    "download_zip_folder",
]

DATA_HOME_ENV = "COGSIM_DATA_HOME"
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
    """Local path of ``remote`` in the data home, downloading it first if it is missing."""
    home = get_data_home(data_home)
    local = home / remote.path
    if local.exists():
        return local
    if not download_if_missing:
        raise FileNotFoundError(
            f"{remote.path} is not in the data home {home} (expected the file {local}); "
            f"call with download_if_missing=True to download it from {remote.url}, or set "
            f"{DATA_HOME_ENV} to a folder that has it"
        )
    return download(remote.url, local, remote.sha256)


def fetch_folder(
    remote: RemoteFolder,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
) -> Path:
    """Local path of the folder ``remote`` in the data home, downloading it first if missing."""
    home = get_data_home(data_home)
    local = home / remote.path
    if local.is_dir():
        return local
    if not download_if_missing:
        raise FileNotFoundError(
            f"{remote.path} is not in the data home {home} (expected the folder {local}); "
            f"call with download_if_missing=True to download it from {remote.url}, or set "
            f"{DATA_HOME_ENV} to a folder that has it"
        )
    return download_zip_folder(remote.url, remote.member, local)


def download(url: str, dest: Path, sha256: str | None = None, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` atomically (temporary file, checksum, then rename)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out)
        if sha256 is not None:
            actual = _sha256(tmp)
            if actual != sha256:
                raise DataError(
                    f"{url}: downloaded file has SHA-256 {actual}, expected {sha256}; not saved"
                )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def download_zip_folder(url: str, member_prefix: str, dest: Path, timeout: float = 60.0) -> Path:
    """Download a zip archive and install its folder ``member_prefix`` as ``dest``, atomically.

    Used for data sets spread over many files (a repository archive at a pinned commit).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp_dir:
        archive = download(url, Path(tmp_dir) / "archive.zip", timeout=timeout)
        staging = Path(tmp_dir) / "staging"
        staging.mkdir()
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
        os.replace(staging, dest)
    return dest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
