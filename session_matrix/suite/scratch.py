"""What the runner and each run's pytest process tell each other.

The runner starts pytest with ``SETTINGS_MODULE`` as the settings, ``PLUGIN`` loaded, your
settings module in ``THEIRS_VAR`` and a scratch directory of the run's own in ``DIR_VAR``.
The process leaves its findings there: the recorder's rows, pytest's output, the settings
module's one line when yours do not import, and the plugin's count, locations and progress,
the settings module Django runs when it is not ``SETTINGS_MODULE``, and why pytest stopped
early when it did.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "COLLECTED",
    "DIR_VAR",
    "OUTPUT",
    "PLUGIN",
    "PROGRESS",
    "ROWS",
    "SETTINGS_ERROR",
    "SETTINGS_MODULE",
    "SETTINGS_REPLACED",
    "STOPPED",
    "THEIRS_VAR",
    "directory",
]

SETTINGS_MODULE = "session_matrix.suite.settings"  # every run's --ds
PLUGIN = "session_matrix.suite.plugin"  # every run's -p
THEIRS_VAR = "SESSION_MATRIX_SUITE_SETTINGS"  # your settings module, for SETTINGS_MODULE
DIR_VAR = "SESSION_MATRIX_SUITE_DIR"  # one run's scratch directory
SETTINGS_ERROR = "settings-error.txt"  # SETTINGS_MODULE writes it when yours do not import
SETTINGS_REPLACED = "settings-replaced.txt"  # the plugin: Django runs other settings than ours
STOPPED = "stopped.txt"  # the plugin: why pytest stopped before the last test (-x, --maxfail)
COLLECTED = "collected.json"  # the plugin: how many tests, and where each one's source is
PROGRESS = "progress"  # the plugin: one byte per finished test
ROWS = "rows.json"  # the recorder's rows
OUTPUT = "output.txt"  # pytest's output


def directory() -> Path | None:
    """The scratch directory of the run this process is; None outside a suite run."""
    given = os.environ.get(DIR_VAR)
    return Path(given) if given else None


def __dir__() -> list[str]:
    return __all__
