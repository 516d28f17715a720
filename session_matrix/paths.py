"""Where everything lives, and how files are written so that no reader sees half of one.

``ROOT``            the checkout (the folder holding ``noxfile.py``)
``PATTERNS_DIR``    ``matrix_tests``: the patterns' folder in a checkout (node ids start with it)
``PUBLISHED``       the checkout's ``results/``: what was published
``results_dir()``   ``PUBLISHED``, or ``SESSION_MATRIX_RESULTS`` (tests and ``nox -s check``)
``raw_path(id)``    ``results/raw/<column id>.json``: one column's raw result
``write_atomic``    one file: readers see the old one or the new one
``publish``         a set of files in ``results/``: readers see the old set or the new set
``results_lock``    held while a raw file or the published set is replaced
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "PACKAGE",
    "PATTERNS_DIR",
    "PUBLISHED",
    "ROOT",
    "matrix_files",
    "publish",
    "raw_dir",
    "raw_path",
    "results_dir",
    "results_lock",
    "write_atomic",
]

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
PATTERNS_DIR = "matrix_tests"
PUBLISHED = ROOT / "results"
_RENAME_EXCHANGE = 2  # renameat2(2): swap two paths atomically


def results_dir() -> Path:
    """``SESSION_MATRIX_RESULTS`` if set, else ``results/`` in the checkout."""
    return Path(os.environ.get("SESSION_MATRIX_RESULTS") or PUBLISHED)


def matrix_files() -> tuple[Path, Path] | None:
    """The published ``matrix.json`` and its page (what ``suite`` and ``lint`` read): the
    installed package's copy, else the checkout's ``results/``."""
    for folder, page in ((PACKAGE / "data", "matrix.html"), (PUBLISHED, "index.html")):
        if (folder / "matrix.json").is_file():
            return folder / "matrix.json", folder / page
    return None


def raw_dir(results: Path | None = None) -> Path:
    return (results or results_dir()) / "raw"


def raw_path(column_id: str, results: Path | None = None) -> Path:
    return raw_dir(results) / f"{column_id}.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_beside(path: Path) -> tuple[int, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; results are for everyone
    return fd, Path(tmp)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half."""
    fd, tmp = _temp_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def results_lock(results: Path | None = None) -> Iterator[None]:
    """An exclusive lock on the results directory: a raw write never races a publish.

    The lock file sits beside the directory (``.results.lock``), not in it: ``publish``
    swaps the directory, and a lock inside it would be swapped away with it.
    """
    directory = results or results_dir()
    directory.parent.mkdir(parents=True, exist_ok=True)
    with (directory.parent / f".{directory.name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2``); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def publish(files: dict[str, str], results: Path | None = None) -> None:
    """Replace ``files`` (name relative to the results directory -> text) as one set.

    A copy of the results directory is made beside it (hard links: raw files cost nothing),
    the new files are written into the copy, and the two directories are swapped in one
    ``renameat2`` call. Where the kernel cannot swap, the copy replaces the directory in two
    renames (a reader may then briefly find no directory, but never a mixed set).
    """
    target = results or results_dir()
    target.mkdir(parents=True, exist_ok=True)
    with results_lock(target):
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
        try:
            shutil.copytree(target, staging, copy_function=os.link, dirs_exist_ok=True)
            for name, text in files.items():
                destination = staging / name
                destination.unlink(missing_ok=True)  # a hard link: never write through it
                write_atomic(destination, text)
            staging.chmod(target.stat().st_mode & 0o7777)
            if not _exchange(staging, target):
                old = staging.with_name(staging.name.replace(".new-", ".old-"))
                target.rename(old)
                staging.rename(target)
                staging = old
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def __dir__() -> list[str]:
    return __all__
