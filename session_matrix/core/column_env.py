"""The environment a configuration's column runs in on one Django version (the
``matrix`` session builds it; the profile measures in the same one)."""

from __future__ import annotations

from session_matrix.core import config, envs, interpreters, records
from session_matrix.core.vocabulary import CellStatus, Support, because

__all__ = ["env_spec"]


def env_spec(django: str, record: records.Record, group: list[str]) -> envs.EnvSpec | str:
    """The environment a column runs in, or why it has none (no interpreter)."""
    version = next(d for d in config.django_versions() if d.version == django)
    found = interpreters.find(version.python)
    if found is None:
        return because(
            CellStatus.NOT_RUN,
            f"Django {django} needs Python {version.python}; none is installed "
            "(see README, 'What it needs')",
        )
    pre = version.support == Support.PRE_RELEASE
    pin = f"django>={django}a0,<{django}.99" if pre else f"django~={django}.0"
    return envs.EnvSpec(
        django=django,
        python=found[1],
        requirements=(pin, *group, *record.requires),
        requires=record.requires,
        pre=pre,
    )


def __dir__() -> list[str]:
    return __all__
