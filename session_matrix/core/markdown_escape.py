"""Markdown escaping, in one place: every text that reaches ``matrix.md`` or the README
goes through ``text`` (prose, table cells, headings) or ``code`` (code spans).

Test ids, docstrings and exception messages are untrusted: they may hold backticks, pipes,
brackets or HTML. ``text`` makes them inert (HTML entities for ``& < >``, a backslash
before every character that has an inline meaning); ``code`` picks a backtick fence longer
than any run of backticks inside, so the span cannot be closed early, and escapes the pipe
that would split a table cell.
"""

from __future__ import annotations

import html
import re

__all__ = ["code", "link", "sources", "text"]

# Inline structure: escapes, code, emphasis, links and images, table cells, strikethrough.
# Text never starts a line here (it follows a table pipe, a bullet or a label), so the
# block markers (#, -, +, 1.) cannot act; < > & become entities.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_URL = re.compile(r"https?://[^\s<>\"'`|]+")


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _escape(value: str) -> str:
    return _SPECIAL.sub(r"\\\1", html.escape(value, quote=False))


def text(value: object) -> str:
    """Plain text that Markdown shows as written: no emphasis, link, HTML or table break."""
    return _escape(_one_line(value))


def code(value: object) -> str:
    """A code span holding ``value`` verbatim (``<script>`` stays text), or ``""``."""
    content = _one_line(value).replace("|", "\\|")
    if not content:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    fence = "`" * (longest + 1)
    if content.startswith("`") or content.endswith("`"):
        content = f" {content} "
    return f"{fence}{content}{fence}"


def link(label: str, target: str) -> str:
    """``[label](target)``: ``label`` is already Markdown; ``target`` is ours (a path and
    an anchor made of ``[a-z0-9-]``), its parentheses and spaces escaped anyway."""
    safe = target.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{label}]({safe})"


def sources(value: object) -> str:
    """Prose with its ``http(s)://`` addresses as links (``<url>``), the rest as ``text``."""
    line = _one_line(value)
    parts, last = [], 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(".,;)")
        parts += [_escape(line[last : match.start()]), f"<{url}>"]
        last = match.start() + len(url)
    parts.append(_escape(line[last:]))
    return "".join(parts)
