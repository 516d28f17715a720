"""Where everything lives, and how files are written so that no reader sees half of one.

``ROOT``            the checkout (the folder holding ``noxfile.py``)
``PATTERNS_DIR``    ``matrix_tests``: the patterns' folder in a checkout (node ids start with it)
``PUBLISHED``       the checkout's ``results/``: what was published
``results_dir()``   ``PUBLISHED``, or ``SESSION_MATRIX_RESULTS`` (tests and ``nox -s check``)
``raw_path(id)``    ``results/raw/<column id>.json``: one column's raw result
``write_atomic``    one file: readers see the old one or the new one
``publish``         a set of files in ``results/`` (and the README): readers see the old set
                    or the new set
``results_lock``    held while a raw file or the published set is replaced
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PACKAGE",
    "PATTERNS_DIR",
    "PUBLISHED",
    "ROOT",
    "Companion",
    "PublishError",
    "cannot_write",
    "file_lock",
    "matrix_files",
    "publish",
    "raw_dir",
    "raw_path",
    "results_dir",
    "results_lock",
    "write_atomic",
]

PACKAGE = Path(__file__).resolve().parent.parent
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
    with file_lock(directory.parent / f".{directory.name}.lock"):
        yield


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created, with its folder, if missing), held for
    the ``with`` block: the one lock the raw files, environments and Chromium share."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
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


class PublishError(Exception):
    """The set could not be published; one line naming the path and the fix. Nothing
    published changed."""


@dataclass(frozen=True)
class Companion:
    """A file published with the results directory, in the same step (the README): its
    new text, and the text it had when the caller read it (refused if it changed since)."""

    path: Path
    text: str
    was: str


def _fix(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "free some space on that disk and run it again"
    if exc.errno == errno.EROFS:
        return "the file system is read-only: mount it read-write, or set SESSION_MATRIX_RESULTS"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "make it writable (chmod -R u+w; chattr -R -i if it is immutable) and run it again"
    return "fix that and run it again"


def cannot_write(path: Path, exc: OSError) -> str:
    """One line for a failed write: the path, the system's reason, the fix (a
    ``shutil.Error``'s list of failures is told by its first)."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list):
        failures = exc.args[0]
        if failures:
            source, _, why = failures[0]
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            return f"cannot write {path}: {source}: {why}{more}; make it writable and run it again"
    where = exc.filename or path
    why = exc.strerror or str(exc)
    return f"cannot write {path} ({where}: {why}); {_fix(exc)}"


def _clear_leftovers(target: Path, companions: tuple[Companion, ...]) -> None:
    """Remove what an earlier publish killed mid-way left beside ``target``: its staging
    and old directories and temporary files. Only called under the results lock, which every
    publish holds from its first staging step to its last rename, so none is in use."""
    for pattern in (f".{target.name}.new-*", f".{target.name}.old-*"):
        for left in target.parent.glob(pattern):
            shutil.rmtree(left, ignore_errors=True)
    for companion in companions:
        for left in companion.path.parent.glob(f".{companion.path.name}.*.tmp"):
            left.unlink(missing_ok=True)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """SIGINT and SIGTERM held back (delivered after) while the set is swapped in."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap(staging: Path, target: Path) -> Path:
    """Put ``staging`` in ``target``'s place; return where the old directory now is."""
    if _exchange(staging, target):
        return staging
    old = staging.with_name(staging.name.replace(".new-", ".old-"))
    target.rename(old)
    staging.rename(target)
    return old


def publish(files: dict[str, str], results: Path | None = None, *companions: Companion) -> None:
    """Replace ``files`` (name relative to the results directory -> text), and each
    companion file (the README), as one set.

    A copy of the results directory is made beside it (hard links: raw files cost nothing),
    the new files are written into the copy, each companion's new text into a temporary
    file beside it; then, with SIGINT and SIGTERM held back, the two directories are swapped
    in one ``renameat2`` call and each companion renamed into place. Where the kernel cannot
    swap, the copy replaces the directory in two renames (a reader may then briefly find no
    directory, but never a mixed set). A companion changed since it was read (``was``) is
    refused. Every failure is ``PublishError`` (one line), with nothing published changed.
    """
    target = results or results_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
        with results_lock(target):
            _clear_leftovers(target, companions)
            _publish(files, target, companions)
    except OSError as exc:
        raise PublishError(f"nothing published: {cannot_write(target, exc)}") from exc


def _publish(files: dict[str, str], target: Path, companions: tuple[Companion, ...]) -> None:
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    staged: list[tuple[Path, Companion]] = []
    try:
        shutil.copytree(target, staging, copy_function=os.link, dirs_exist_ok=True)
        for name, text in files.items():
            destination = staging / name
            destination.unlink(missing_ok=True)  # a hard link: never write through it
            write_atomic(destination, text)
        staging.chmod(target.stat().st_mode & 0o7777)
        for companion in companions:
            fd, tmp = _temp_beside(companion.path)
            staged.append((tmp, companion))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(companion.text)
                handle.flush()
                os.fsync(handle.fileno())
        for _, companion in staged:
            now = companion.path.read_text(encoding="utf-8") if companion.path.exists() else ""
            if now != companion.was:
                msg = (
                    f"{companion.path} changed since the report started; nothing published "
                    "(your edit is kept): run the report again"
                )
                raise PublishError(msg)
        with _uninterrupted():
            old = _swap(staging, target)
            staging = old
            try:
                for tmp, companion in staged:
                    tmp.replace(companion.path)
            except OSError:
                _exchange(old, target)  # the old set back: never new results, old README
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def __dir__() -> list[str]:
    return __all__
