"""The JSON Schemas in ``schemas/`` and the one way every file is checked against them.

An invalid file becomes one ``InvalidInput`` line naming the file, the field and what is
wrong: ``engines/x.toml: settings.SESSION_ENGINE: 42 is not of type 'string'``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from session_matrix.core.paths import PACKAGE

__all__ = ["SCHEMAS", "InvalidInput", "load_json", "schema", "validate"]

SCHEMAS = PACKAGE / "core" / "schemas"


class InvalidInput(ValueError):
    """A file, argument or record that cannot be used; the message says what to do, in one line."""


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """``schemas/<name>.schema.json``."""
    data: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    return data


def load_json(path: Path) -> Any:
    """A JSON file, or ``InvalidInput`` saying it is missing, unreadable or truncated."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"{path}: unreadable ({exc.strerror})"
        raise InvalidInput(msg) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path}: not valid JSON, probably truncated ({exc}); re-run it or delete it"
        raise InvalidInput(msg) from exc


def _where(error: Any) -> str:
    parts = [str(part) for part in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def validate(data: Any, name: str, source: Path | str) -> None:
    """Check ``data`` against schema ``name``; raise one ``InvalidInput`` line if it fails."""
    import jsonschema
    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(schema(name))
    error = best_match(validator.iter_errors(data))
    if error is not None:
        message = " ".join(error.message.split())
        if error.validator == "maxLength":  # the message would open with the whole value
            message = (
                f"too long: {len(error.instance)} characters, at most {error.validator_value}"
            )
        if len(message) > 200:
            message = message[:199] + "…"
        msg = f"{source}: {_where(error)}: {message}"
        raise InvalidInput(msg)


def __dir__() -> list[str]:
    return __all__
