"""A private directory per run, for the file engine and file-based test databases."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from session_matrix.core.services import EnvAddress, Given

__all__ = ["Files"]


def _empty(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


class Files(EnvAddress):
    name: ClassVar[str] = "files"
    env_var: ClassVar[str] = "SESSION_MATRIX_TMPDIR"
    default: ClassVar[str] = ""  # the system's temporary directory
    placeholders: ClassVar[tuple[str, ...]] = ("file_dir",)
    lost_on: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[bool] = False

    @contextlib.contextmanager
    def provide(self, label: str) -> Iterator[Given]:
        made = Path(
            tempfile.mkdtemp(prefix=f"session-matrix-{label}-", dir=self.address() or None)
        )
        try:
            yield Given(values={"file_dir": str(made)}, reset=lambda: _empty(made))
        finally:
            shutil.rmtree(made, ignore_errors=True)


PROVIDER = Files()


def __dir__() -> list[str]:
    return __all__
