"""``nox -s report``: merge ``results/raw/*.json`` into the published results.

    python -m session_matrix.report [--readme README.md | --no-readme]

Writes ``results/matrix.json`` (with its JSON Schema next to it), ``matrix.md``, the page
``index.html`` and the heatmap ``matrix.svg``, refreshes the README table and
prints a per-cell timing summary. A raw file that cannot be read is named in a one-line
warning and left out; the others are still merged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from session_matrix import config, engines, raw
from session_matrix.catalogue import read_catalogue
from session_matrix.fingerprint import ROOT, fingerprint
from session_matrix.merge import build_matrix
from session_matrix.readme import ReadmeError, refresh
from session_matrix.render_html import html_report
from session_matrix.render_markdown import markdown_report, readme_block
from session_matrix.render_svg import heatmap

__all__ = ["SCHEMA", "build", "load_records", "main", "timing_summary"]

SCHEMA = Path(__file__).resolve().parent / "schemas" / "matrix.schema.json"


def load_records(raw_dir: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Every readable raw file by cell id, and one line per file that is not."""
    records: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for path in sorted(raw_dir.glob("*.json")):
        try:
            record = raw.read(path)
        except raw.RawError as exc:
            problems.append(str(exc))
            continue
        records[record["cell"]["id"]] = record
    return records, problems


def build(records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The matrix for the current tree (patterns, engines, Django versions) and ``records``."""
    themes = config.themes()
    names = engines.names()
    return build_matrix(
        records=records,
        catalogue=read_catalogue(ROOT / "matrix_tests", themes),
        engines=[engines.load(name).as_dict() for name in names],
        django_versions=list(config.django_versions()),
        themes=themes,
        fingerprints={name: fingerprint(name) for name in names},
    )


def timing_summary(matrix: dict[str, Any]) -> str:
    """One line per column that ran: status, patterns, start-up, tests and total seconds."""
    lines = [
        f"{'cell':<24} {'status':<8} {'patterns':>8} {'startup':>8} {'tests':>7} {'total':>7}"
    ]
    total = 0.0
    for column in matrix["columns"]:
        if column["status"] == "absent":
            continue
        timings = column.get("timings", {})
        count = sum(
            1 for cells in matrix["cells"].values() if cells[column["id"]]["status"] != "absent"
        )
        total += timings.get("total", 0.0)
        lines.append(
            f"{column['id']:<24} {column['status']:<8} {count:>8} "
            f"{timings.get('startup', 0):>7.1f}s {timings.get('tests', 0):>6.1f}s "
            f"{timings.get('total', 0):>6.1f}s"
        )
    lines.append(f"sum of cell times: {total:.1f}s")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m session_matrix.report", description=__doc__)
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    return parser


def main(argv: list[str] | None = None) -> int:
    # `nox -- -k naive` sends its pytest arguments to every selected session, this one too.
    args, ignored = _parser().parse_known_args(argv)
    if ignored:
        print(f"report: ignoring arguments meant for the cells: {' '.join(ignored)}")
    results = raw.results_dir()
    records, problems = load_records(results / "raw")
    for problem in problems:
        print(f"warning: skipped {problem}", file=sys.stderr)
    matrix = {"$schema": SCHEMA.name} | build(records)
    raw.write_atomic(results / "matrix.json", json.dumps(matrix, indent=1) + "\n")
    raw.write_atomic(results / SCHEMA.name, SCHEMA.read_text(encoding="utf-8"))
    raw.write_atomic(results / "matrix.md", markdown_report(matrix, detail_link="index.html"))
    raw.write_atomic(results / "index.html", html_report(matrix))
    raw.write_atomic(results / "matrix.svg", heatmap(matrix))
    if not args.no_readme:
        try:
            refresh(args.readme, readme_block(matrix, detail_link="results/index.html"))
        except (ReadmeError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(timing_summary(matrix))
    print(
        f"{len(matrix['patterns'])} patterns x {len(matrix['columns'])} columns "
        f"({len(records)} raw results) -> {results}/: matrix.json, matrix.md, index.html, "
        "matrix.svg"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
