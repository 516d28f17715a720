"""What the noxfile's ``profile`` session does, kept out of the noxfile so tests can cover it.

``nox -s profile`` measures every configuration on the newest Django version
(``-- --all-versions``: every version) and writes ``results/profile.json``; the arguments
after ``--`` are ``session-matrix profile``'s (``-- --configurations db,cache``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from session_matrix.core import schemas

if TYPE_CHECKING:
    import nox

__all__ = ["run_profile"]


def run_profile(
    session: nox.Session, matrix_group: list[str], profile_group: list[str] | None = None
) -> None:
    """Prepare the environments, run the measurements, publish; fail the session if
    nothing could be measured or the run was interrupted."""
    from session_matrix.profile.running import orchestrate

    profile = (
        profile_group if profile_group is not None else orchestrate.dependency_group("profile")
    )
    try:
        orchestrate.run(matrix_group, profile, session.posargs, log=session.log)
    except (orchestrate.Failed, schemas.InvalidInput) as exc:
        session.error(str(exc))
    except KeyboardInterrupt:
        session.error("interrupted: servers and load generator stopped, nothing published")


def __dir__() -> list[str]:
    return __all__
