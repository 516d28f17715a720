"""``session-matrix``: the command line (also ``python -m session_matrix``).

    session-matrix column --configuration cache --django 6.1 [-- PYTEST ARGS]
    session-matrix report [--allow-partial] [--no-readme]
    session-matrix check --results DIR [--allow-missing]
    session-matrix configurations
    session-matrix lint PATH... [--engine NAME ...]            (your tests, no services)
    session-matrix suite [--engines ...] [-- PYTEST ARGS]      (in your own project)
    session-matrix profile [--all-versions]

``nox`` runs the first three for you; ``suite`` runs your own test suite on every engine.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from session_matrix.core import paths, records, schemas

__all__ = ["main"]


def _report(argv: list[str]) -> int:
    from session_matrix import profile as engine_profile
    from session_matrix.matrix import readme, report
    from session_matrix.matrix.render.markdown import readme_block
    from session_matrix.matrix.render.needs import pages_site, readme_grid

    parser = argparse.ArgumentParser(
        prog="session-matrix report",
        description="Merge results/raw/ into results/ (matrix.json, matrix.md, index.html, "
        "matrix.svg) and the README table. Refuses to publish from bad input.",
    )
    parser.add_argument("--readme", type=Path, default=paths.ROOT / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    parser.add_argument(
        "--allow-partial", action="store_true", help="skip invalid raw files instead of refusing"
    )
    # `nox -- -k naive` sends its pytest arguments to every selected session, this one too.
    args, ignored = parser.parse_known_args(argv)
    if ignored:
        print(f"report: ignoring arguments meant for the columns: {' '.join(ignored)}")
    results = paths.results_dir()
    try:
        raws, skipped = report.load_raws(results, allow_partial=args.allow_partial)
        matrix = report.build(raws)
        measured = report.load_profile(results)
        extra = {"profile": engine_profile.section(measured, matrix)} if measured else {}
        files = report.render(matrix, extra, measured, report.damaged(results, raws))
        companions: list[paths.Companion] = []
        if not args.no_readme:
            was = args.readme.read_text(encoding="utf-8")
            text = readme.splice(was, readme_block(matrix), args.readme)
            if measured and readme.markers("profile")[0] in text:
                summary = engine_profile.readme_summary(measured, matrix)
                text = readme.splice(text, summary, args.readme, name="profile")
            if measured and readme.markers("needs")[0] in text:
                grid = readme_grid(measured, matrix, pages_site())
                text = readme.splice(text, grid, args.readme, name="needs")
            companions.append(paths.Companion(args.readme, text, was))
    except report.Refused as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(
            "report: nothing published; fix or re-run those, or pass --allow-partial",
            file=sys.stderr,
        )
        return 1
    except (readme.ReadmeError, OSError) as exc:
        print(f"error: {exc}; nothing published", file=sys.stderr)
        return 1
    except schemas.InvalidInput as exc:  # the matrix we built: a bug of the harness
        print(
            f"error: {exc} (a harness bug: please report it); nothing published", file=sys.stderr
        )
        return 1
    for problem in skipped:
        print(f"warning: skipped (--allow-partial): {problem}", file=sys.stderr)
    try:
        paths.publish(files, results, *companions)
    except paths.PublishError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for column in matrix.columns:
        if column.note:
            print(f"{column.id}: {column.note}")
        if column.stale:
            print(f"{column.id}: stale (the patterns, project or record changed since it ran)")
    print(
        f"{len(matrix.patterns)} patterns x {len(matrix.columns)} columns "
        f"({len(raws)} raw results) -> {results}/: {', '.join(files)}"
    )
    return 0


def _configurations(argv: list[str]) -> int:
    argparse.ArgumentParser(
        prog="session-matrix configurations",
        description="List every configuration record, checked, with what it needs.",
    ).parse_args(argv)
    try:
        every = records.load_all()
    except schemas.InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = max((len(record.name) for record in every), default=0)
    for record in every:
        kind = "default" if record.default else f"variant of {record.extends}"
        needs = f" needs {', '.join(record.needs)}" if record.needs else ""
        requires = f" requires {', '.join(record.requires)}" if record.requires else ""
        print(f"{record.name:<{width}} {kind:<28} {record.label}{needs}{requires}")
    return 0


def _delegate(module: str) -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        import importlib

        entry: Callable[[list[str]], int] = importlib.import_module(module).main
        return entry(argv)

    return run


COMMANDS: dict[str, tuple[str, Callable[[list[str]], int]]] = {
    "column": (
        "run one column and record its outcomes",
        _delegate("session_matrix.matrix.column"),
    ),
    "report": ("merge results/raw/ into results/ and the README", _report),
    "check": (
        "compare a fresh run with results/matrix.json",
        _delegate("session_matrix.matrix.drift"),
    ),
    "configurations": ("list the configuration records", _configurations),
    "lint": (
        "find idioms that fail on an engine in your tests, without running them",
        _delegate("session_matrix.lint"),
    ),
    "suite": ("run your own test suite on every engine", _delegate("session_matrix.suite")),
    "profile": (
        "measure each configuration's cost and guarantees",
        _delegate("session_matrix.profile"),
    ),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        lines = [__doc__ or "", "commands:"]
        lines += [f"  {name:<16} {help_}" for name, (help_, _) in COMMANDS.items()]
        print("\n".join(lines))
        if argv and argv[0] not in ("-h", "--help"):
            print(f"error: unknown command {argv[0]!r}", file=sys.stderr)
            return 2
        return 0
    return COMMANDS[argv[0]][1](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
