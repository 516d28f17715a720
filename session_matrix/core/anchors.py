"""A pattern's anchor on the page and in the Markdown: the matrix's renderers and the
suite's report link to the same rows."""

from __future__ import annotations

import re

__all__ = ["anchor"]


def anchor(pattern_id: str) -> str:
    """A stable HTML/Markdown anchor for a pattern's node id."""
    return "p-" + re.sub(r"[^a-z0-9]+", "-", pattern_id.lower()).strip("-")


def __dir__() -> list[str]:
    return __all__
