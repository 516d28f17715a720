"""The engine profile: what each configuration costs and guarantees, measured side by side.

``session-matrix profile`` (``nox -s profile``) measures every configuration column on the
newest Django version (``--all-versions``: every one) and writes ``results/profile.json``
(``schemas/profile.schema.json``). The report shows it:

- ``section(profile, matrix)``: the page's profile section (``markupsafe.Markup``): the
  "which engine should I pick?" lines, the cost, throughput and guarantee tables, SVG charts;
- ``readme_summary(profile, matrix)``: a short Markdown summary for the README;
- ``picks(profile, matrix)``: the "which engine" lines as data;
- ``load(path)``: a published profile, checked against its schema.

Modules: ``orchestrate`` (environments, runs, publishing), ``coordinator`` (one run),
``worker`` (the project in process), ``wsgi`` (the project behind gunicorn), ``client``,
``servers``, ``djangoproc``, ``stats``, ``advice`` (the "which engine" lines) and ``render``.
Importing this package loads none of them: the report imports it without Django.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markupsafe import Markup

    from session_matrix.model import Matrix
    from session_matrix.profile.advice import Pick

__all__ = ["load", "main", "picks", "readme_summary", "section"]


def main(argv: list[str]) -> int:
    """``session-matrix profile [--all-versions] [--configurations a,b] ...``"""
    from session_matrix.profile import orchestrate

    return orchestrate.main(argv)


def load(path: Path) -> dict[str, Any]:
    """A published ``profile.json``, checked against its schema (``InvalidInput`` if not)."""
    from session_matrix import schemas

    data: dict[str, Any] = schemas.load_json(path)
    schemas.validate(data, "profile", path)
    return data


def picks(profile: dict[str, Any], matrix: Matrix | None = None) -> list[Pick]:
    from session_matrix.profile import advice

    return advice.picks(profile, matrix)


def section(profile: dict[str, Any], matrix: Matrix | None = None) -> Markup:
    from session_matrix.profile import render

    return render.section(profile, matrix)


def readme_summary(
    profile: dict[str, Any], matrix: Matrix | None = None, page: str = "results/index.html"
) -> str:
    from session_matrix.profile import render

    return render.readme_summary(profile, matrix, page)
