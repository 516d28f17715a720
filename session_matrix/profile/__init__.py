"""The engine profile: what each configuration costs and guarantees, measured side by side.

``session-matrix profile`` (``nox -s profile``) measures every configuration column on the
newest Django version (``--all-versions``: every one) and writes ``results/profile.json``
(``schemas/profile.schema.json``). The report shows it:

- ``section(profile, matrix)``: the page's profile section (``markupsafe.Markup``): the
  "which engine should I pick?" lines, the cost, throughput and guarantee tables, SVG charts;
- ``readme_summary(profile, matrix)``: a short Markdown summary for the README;
- ``picks(profile, matrix)``: the "which engine" lines as data;
- ``load(path)``: a published profile, checked against its schema.

The modules, by the process they run in (importing this package loads none of them: the
report imports it without Django):

- shared: ``model`` (samples, the plan and its options, the profile's files read and
  written), ``measures`` (what is measured, named once; reading a profile), ``stats``
  (percentiles, spreads, ratios), ``client`` (a browser's cookies and CSRF token, in process
  or over HTTP);
- ``session-matrix profile``: ``options`` (its options, checked), ``orchestrate``
  (environments, a run per Django version, publishing);
- one run, ``coordinator``: ``targets`` (the configurations, their services and workers),
  ``worker_process`` (a worker's line protocol), ``cost`` (phase 1), ``serving`` and
  ``throughput`` (phase 2), ``guarantees_served``, ``guarantees_in_process`` and
  ``guarantees_cache`` (the guarantees, by what they need), ``assemble`` (the part of
  ``profile.json`` a run writes); the processes it starts: ``processes`` (spawn, stop),
  ``app_server`` (gunicorn, serving ``wsgi`` with the ``overlap`` view),
  ``load_generator`` (wrk, its script checking every answer), ``cache_servers`` (its own
  Redis and memcached);
- the project, in a worker: ``worker`` (its commands: the cost of requests, the line
  protocol), ``worker_visitors``, ``worker_guarantees``, ``worker_storage``, ``engine_store``
  (the session engine without a request), ``djangoproc`` (Django set up, counters); behind
  gunicorn: ``wsgi``;
- the report: ``advice`` (the "which engine" needs) with ``advice_measured``,
  ``advice_matrix`` and ``pick``; ``page`` (the section) with ``guarantee_cells`` and
  ``charts``; ``readme_block`` (the README's summary).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markupsafe import Markup

    from session_matrix.core.model import Matrix
    from session_matrix.profile.views.pick import Pick

__all__ = ["load", "main", "picks", "readme_summary", "section"]


def main(argv: list[str]) -> int:
    """``session-matrix profile [--all-versions] [--configurations a,b] ...``"""
    from session_matrix.profile.running import orchestrate

    return orchestrate.main(argv)


def load(path: Path) -> dict[str, Any]:
    """A published ``profile.json``, checked against its schema (``InvalidInput`` if not)."""
    from session_matrix.profile import model

    return model.read_profile(path)


def picks(profile: dict[str, Any], matrix: Matrix | None = None) -> list[Pick]:
    from session_matrix.profile.views import advice

    return advice.picks(profile, matrix)


def section(profile: dict[str, Any], matrix: Matrix | None = None) -> Markup:
    from session_matrix.profile.views import page

    return page.section(profile, matrix)


def readme_summary(
    profile: dict[str, Any], matrix: Matrix | None = None, page: str = "results/index.html"
) -> str:
    from session_matrix.profile.views import readme_block

    return readme_block.readme_summary(profile, matrix, page)
