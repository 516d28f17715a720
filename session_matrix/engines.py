"""Engine records: ``engines/<name>.toml`` loaded, checked and turned into Django settings.

Standard library only: the noxfile, the cell runner and ``project/settings.py`` all import it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ENGINES_DIR", "KNOWN_SERVICES", "Engine", "EngineError", "load", "names"]

ENGINES_DIR = Path(__file__).resolve().parent.parent / "engines"
KNOWN_SERVICES = frozenset({"redis"})
_KEYS = frozenset({"description", "needs", "settings"})


class EngineError(ValueError):
    """An engine name or record that cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Engine:
    """One engine configuration, as written in its record."""

    name: str
    description: str
    needs: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)

    def django_settings(self, *, redis_url: str = "", file_dir: str = "") -> dict[str, Any]:
        """The record's settings with ``{redis_url}`` and ``{file_dir}`` filled in."""
        values = {"redis_url": redis_url, "file_dir": file_dir}
        try:
            return _fill(self.settings, values)
        except KeyError as exc:
            msg = (
                f"engine {self.name!r}: unknown placeholder {{{exc.args[0]}}}; "
                "use {redis_url} or {file_dir}"
            )
            raise EngineError(msg) from None

    def uses(self, placeholder: str) -> bool:
        """Whether the record's settings mention ``{placeholder}``."""
        return f"{{{placeholder}}}" in repr(self.settings)

    def as_dict(self) -> dict[str, Any]:
        """The record as stored in raw results (placeholders left as written)."""
        return {
            "name": self.name,
            "description": self.description,
            "needs": list(self.needs),
            "settings": self.settings,
        }


def names(directory: Path = ENGINES_DIR) -> list[str]:
    """Every engine name, i.e. every ``*.toml`` record, sorted."""
    return sorted(path.stem for path in directory.glob("*.toml"))


def load(name: str, directory: Path = ENGINES_DIR) -> Engine:
    """Load and check the record called ``name``; raise ``EngineError`` with the fix."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(names(directory)) or "none"
        msg = f"unknown engine {name!r}: choose one of {known} (records live in {directory}/)"
        raise EngineError(msg)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc}); fix the record"
        raise EngineError(msg) from exc
    return _check(name, path, data)


def _check(name: str, path: Path, data: dict[str, Any]) -> Engine:
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        msg = f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}"
        raise EngineError(msg)
    settings = data.get("settings")
    if not isinstance(settings, dict) or "SESSION_ENGINE" not in settings:
        msg = f"{path}: needs a [settings] table with SESSION_ENGINE"
        raise EngineError(msg)
    needs = data.get("needs", [])
    bad = [need for need in needs if need not in KNOWN_SERVICES]
    if bad:
        msg = f"{path}: unknown service(s) in needs: {bad}; known: {sorted(KNOWN_SERVICES)}"
        raise EngineError(msg)
    return Engine(
        name=name,
        description=str(data.get("description", "")),
        needs=tuple(needs),
        settings=settings,
    )


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format_map(values)
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def __dir__() -> list[str]:
    return __all__
