"""Where the published matrix is: the installed package's copy, else the checkout's
``results/`` (``suite`` explains with it, ``lint`` reads its outcomes)."""

from __future__ import annotations

from pathlib import Path

from session_matrix import paths

__all__ = ["matrix_files"]


def matrix_files() -> tuple[Path, Path] | None:
    """The published ``matrix.json`` and its page: the package's copy, else the checkout's."""
    for folder, page in (
        (paths.PACKAGE / "data", "matrix.html"),
        (paths.PUBLISHED, "index.html"),
    ):
        if (folder / "matrix.json").is_file():
            return folder / "matrix.json", folder / page
    return None


def __dir__() -> list[str]:
    return __all__
