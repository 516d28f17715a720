"""The engine profile: what each configuration costs and guarantees, measured side by side.

``session-matrix profile`` (``nox -s profile``) measures every configuration column on the
newest Django version (``--all-versions``: every one) and writes ``results/profile.json``
(``schemas/profile.schema.json``). The report shows it:

- ``section(profile, matrix)``: the page's profile section (``markupsafe.Markup``): the
  "which engine should I pick?" lines, the cost, throughput and guarantee tables, SVG charts;
- ``readme_summary(profile, matrix)``: a short Markdown summary for the README;
- ``picks(profile, matrix)``: the "which engine" lines as data;
- ``load(path)``: a published profile, checked against its schema.

The face the report uses (``matrix.render.needs`` too): ``load``, ``section``,
``readme_summary``, ``picks``, ``guarantee_cell`` and ``judges`` (a guarantee as the
profile shows and judges it), ``GUARANTEE_TITLES``, ``HEADLINE``, ``LARGE_SESSION``,
``human_bytes``. Importing it loads no module that needs Django.

The subpackages, by phase:

- shared: ``model`` (the plan, the samples, ``profile.json`` typed: ``published``,
  ``figures``, ``guarantees``; the files read and written there only: ``files``),
  ``measures`` (what is measured, named once), ``stats`` (percentiles, spreads, ratios),
  ``client`` (a browser's cookies and CSRF token, in process or over HTTP);
- ``running``: ``options`` and ``orchestrate`` (``session-matrix profile``: environments, a
  run per Django version, publishing), ``nox_session``; one run, ``coordinator``, with
  ``targets`` (the configurations, their services and workers), ``cost`` (phase 1),
  ``throughput`` (phase 2), ``guarantees_served``, ``guarantees_in_process`` and
  ``guarantees_cache`` (the guarantees, by what they need), ``assemble`` (the part it
  writes);
- ``servers``: the processes a run starts: ``processes`` (spawn, stop), ``serving`` and
  ``app_server`` (gunicorn, serving ``wsgi`` with the ``overlap`` view),
  ``load_generator`` (wrk, its script checking every answer), ``cache_servers`` (its own
  Redis, Valkey and memcached), ``djangoproc`` (Django set up in a process, counters);
- ``worker``: the project in a process of its own: ``commands`` (the table of commands it
  accepts, the line protocol), ``visitors``, ``guarantees``, ``storage``, ``engine_store``
  (the session engine without a request); ``process`` (the coordinator's end);
- ``views``: ``advice`` (the "which engine" needs) with ``advice_measured``,
  ``advice_matrix`` and ``pick``; ``page`` (the section, its charts' geometry) with
  ``guarantee_cells``; ``readme_block`` (the README's summary); ``summary`` (the lines a
  run prints). They read the typed model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from session_matrix.profile.measures import (
    GUARANTEE_TITLES,
    HEADLINE,
    LARGE_SESSION,
    human_bytes,
)

if TYPE_CHECKING:
    from markupsafe import Markup

    from session_matrix.core.model import Matrix
    from session_matrix.profile.model.published import Profile
    from session_matrix.profile.views.pick import Pick

__all__ = [
    "GUARANTEE_TITLES",
    "HEADLINE",
    "LARGE_SESSION",
    "guarantee_cell",
    "human_bytes",
    "judges",
    "load",
    "main",
    "picks",
    "readme_summary",
    "section",
]

Document = dict[str, Any]  # a profile as profile.json holds it, checked against its schema


def main(argv: list[str]) -> int:
    """``session-matrix profile [--all-versions] [--configurations a,b] ...``"""
    from session_matrix.profile.running import orchestrate

    return orchestrate.main(argv)


def load(path: Path) -> Document:
    """A published ``profile.json``, checked against its schema (``InvalidInput`` if not)."""
    from session_matrix.profile.model import files

    return files.read_profile(path)


def _typed(profile: Document | Profile) -> Profile:
    from session_matrix.profile.model.published import Profile

    return profile if isinstance(profile, Profile) else Profile.from_json(profile)


def picks(profile: Document | Profile, matrix: Matrix | None = None) -> list[Pick]:
    """The "which engine should I pick?" lines as data."""
    from session_matrix.profile.views import advice

    return advice.picks(_typed(profile), matrix)


def section(profile: Document | Profile, matrix: Matrix | None = None) -> Markup:
    """The page's profile section."""
    from session_matrix.profile.views import page

    return page.section(_typed(profile), matrix)


def readme_summary(
    profile: Document | Profile, matrix: Matrix | None = None, page: str = "results/index.html"
) -> str:
    """The README's summary, in Markdown."""
    from session_matrix.profile.views import readme_block

    return readme_block.readme_summary(_typed(profile), matrix, page)


def guarantee_cell(key: str, found: Document | None) -> dict[str, str]:
    """A guarantee (as ``profile.json`` holds it) as the profile's table shows it: text,
    tone, title."""
    from session_matrix.profile.model.guarantees import Found
    from session_matrix.profile.views import guarantee_cells

    return guarantee_cells.guarantee_cell(key, None if found is None else Found.from_json(found))


def judges() -> dict[str, Callable[[Document], bool | None]]:
    """The advice's judgment of each guarantee it knows: met, not met, or not known."""
    from session_matrix.profile.model.guarantees import Found
    from session_matrix.profile.views import advice

    def judge(good: Callable[[Found], bool | None]) -> Callable[[Document], bool | None]:
        return lambda found: good(Found.from_json(found))

    return {need.guarantee: judge(need.good) for need in (advice.REVOCABLE, *advice.GUARANTEES)}
