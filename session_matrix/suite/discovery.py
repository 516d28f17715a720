"""Which settings module your tests run with, found where pytest-django looks: ``--settings``,
``DJANGO_SETTINGS_MODULE``, the pytest configuration file pytest would use, then manage.py.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

from session_matrix.suite.runs import BadInput

__all__ = ["find_settings"]

# The pytest configuration files, in the order pytest picks one, and their pytest section.
_CONFIG_FILES = (
    ("pytest.ini", "pytest"),
    (".pytest.ini", "pytest"),
    ("pyproject.toml", ""),
    ("tox.ini", "pytest"),
    ("setup.cfg", "tool:pytest"),
)
_MANAGE = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")


def _ini_settings(directory: Path) -> tuple[str, str] | None:
    """``(module, file)`` from the pytest configuration file pytest would use here, if it
    names ``DJANGO_SETTINGS_MODULE`` (or ``--ds`` in ``addopts``); None if it has none."""
    for folder in [directory, *directory.parents]:
        for name, section in _CONFIG_FILES:
            path = folder / name
            if not path.is_file():
                continue
            options = _pytest_options(path, section)
            if options is None:
                continue
            addopts = options.get("addopts", "")
            words = addopts if isinstance(addopts, list) else shlex.split(str(addopts))
            for index, word in enumerate(words):
                if word.startswith("--ds="):
                    return word.removeprefix("--ds="), str(path)
                if word == "--ds" and index + 1 < len(words):
                    return words[index + 1], str(path)
            module = options.get("DJANGO_SETTINGS_MODULE")
            return (str(module), str(path)) if module else None
    return None


def _pytest_options(path: Path, section: str) -> dict[str, Any] | None:
    """The pytest options in one configuration file, or None if it holds no pytest section."""
    try:
        if path.suffix == ".toml":
            tool = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
            table = tool.get("pytest")
            if not isinstance(table, dict):
                return None
            options = table.get("ini_options", table)
            return options if isinstance(options, dict) else None
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(path, encoding="utf-8")
    except (OSError, tomllib.TOMLDecodeError, configparser.Error) as exc:
        msg = f"{path}: unreadable as a pytest configuration ({exc}); fix it"
        raise BadInput(msg) from exc
    if not parser.has_section(section):
        return {} if path.name in ("pytest.ini", ".pytest.ini") else None
    return dict(parser.items(section))


def find_settings(directory: Path, given: str | None) -> tuple[str, str]:
    """``(settings module, where it was found)``, in the order pytest-django looks:
    ``--settings``, ``DJANGO_SETTINGS_MODULE``, the pytest configuration, then manage.py."""
    if given:
        return given, "--settings"
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return os.environ["DJANGO_SETTINGS_MODULE"], "DJANGO_SETTINGS_MODULE"
    found = _ini_settings(directory)
    if found:
        return found
    manage = directory / "manage.py"
    if manage.is_file():
        match = _MANAGE.search(manage.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match.group(1), str(manage)
    msg = (
        f"no Django project in {directory}: no manage.py naming its settings, no "
        "DJANGO_SETTINGS_MODULE (environment or pytest configuration); run this in your "
        "project's directory, or pass --settings yoursite.settings"
    )
    raise BadInput(msg)


def __dir__() -> list[str]:
    return __all__
