"""``session-matrix lint``: find, before anything runs, the places in your tests that use an
idiom known to fail on a session engine.

    session-matrix lint tests/ [--engine signed_cookies ...] [--format text|json|github]

Each test (a ``TestCase`` method or a pytest function, with its ``setUp``, fixtures and
helpers from the same module) is matched against the detectors of the pattern catalogue
(``Detect:``, ``session_matrix.core.detect``); a match is reported when the published matrix
says the idiom fails on one of the engines named, one line each:

    tests/test_cart.py:12:5: SM0417 s = self.client.session; ... fails on signed_cookies: <fix>

No Django settings, services or Django itself are needed. Exit status: 0 nothing found; 1
something found (or a file does not parse: reported in one line, the rest still read); 2 bad
input (a path that does not exist, an unknown engine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from session_matrix.core import catalogue, records, schemas
from session_matrix.lint.output import FORMATS, write
from session_matrix.lint.rules import NoMatrix, load_rules
from session_matrix.lint.scan import scan

__all__ = ["main"]


def _parser(defaults: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="session-matrix lint",
        description="Report the tests that use a session idiom known (from the published "
        "matrix) to fail on the engines named. Reads code only: no settings, no services.",
        epilog="Configuration records are accepted by name (session-matrix configurations "
        "lists them). Exit 1 when something is found, 2 on bad input.",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders of tests")
    parser.add_argument(
        "--engine",
        action="append",
        dest="engines",
        metavar="NAME",
        help=f"a configuration to check against; repeat it (default: {', '.join(defaults)})",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--django",
        default="",
        help="the matrix's Django version to read (default: the newest that ran)",
    )
    return parser


def _configurations(names: list[str] | None) -> dict[str, str]:
    """Configuration name -> engine, for the records named (default: one per engine)."""
    if not names:
        return {record.name: record.engine for record in records.load_all() if record.default}
    wanted = [name.strip() for item in names for name in item.split(",") if name.strip()]
    if not wanted:
        msg = "--engine names no configuration; e.g. --engine signed_cookies"
        raise schemas.InvalidInput(msg)
    return {name: records.load(name).engine for name in dict.fromkeys(wanted)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        defaults = [record.name for record in records.load_all() if record.default]
    except schemas.InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = _parser(defaults).parse_args(argv)
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        configurations = _configurations(args.engines)
        rules = load_rules(configurations, args.django)
    except (schemas.InvalidInput, NoMatrix) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except catalogue.CatalogueError as exc:
        print(f"error: catalogue error: {exc}", file=sys.stderr)
        return 2
    found = list(scan(args.paths, rules))
    write(found, args.format, rules, sys.stdout)
    return 1 if found else 0
