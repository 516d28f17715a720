"""The one Jinja2 environment every page is rendered with (the matrix page, the profile
section, the suite's report): the templates in ``templates/``, autoescape on, undefined
names an error, no extra URL schemes in ``urlize``. Renderers import it from here, never
from each other.
"""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from session_matrix.core.paths import PACKAGE

__all__ = ["TEMPLATES", "environment"]

TEMPLATES = PACKAGE / "core" / "templates"


def environment() -> Environment:
    """The Jinja2 environment every page is rendered with: autoescape, strict, no extra URL
    schemes in urlize."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["urlize.extra_schemes"] = []
    env.policies["urlize.rel"] = "noopener noreferrer"
    # Embedded JSON as UTF-8, without spaces: a third of the page's data otherwise.
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":")}
    return env


def __dir__() -> list[str]:
    return __all__
