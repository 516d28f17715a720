"""``nox -s real_suites``: `lint` and `suite` on real third-party suites, against the pins
in tests/resources/real_suites.toml. Prints what each finds and exits 1 on a difference.

    python -m tests.real_suites [NAME ...]

Each suite's sdist is downloaded with pip (no dependencies), unpacked into a temporary
folder (with the files its sdist leaves out, and the named patches), installed editable with
what its tests import, run as a user would, and uninstalled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent / "resources"


def _run(
    *command: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _prepare(suite: dict, work: Path) -> Path:
    done = _run(
        sys.executable,
        "-m",
        "pip",
        "download",
        "-q",
        "--no-deps",
        "--no-binary",
        ":all:",
        suite["requirement"],
        "-d",
        str(work),
        cwd=work,
    )
    if done.returncode:
        raise SystemExit(f"{suite['name']}: pip download failed: {done.stderr.strip()}")
    archive = next(work.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    folder = work / suite["folder"]
    if suite.get("overlay"):
        shutil.copytree(RESOURCES / "real_suites" / suite["overlay"], folder, dirs_exist_ok=True)
    for patch in suite.get("patch", []):
        _patch(suite["name"], folder / patch["path"], patch["old"], patch["new"])
    extras = f"[{suite['extras']}]" if suite.get("extras") else ""
    install = [sys.executable, "-m", "pip", "install", "-q", "-e", f"{folder}{extras}"]
    done = _run(*install, *suite.get("extra", []), cwd=folder)
    if done.returncode:
        raise SystemExit(f"{suite['name']}: install failed: {done.stderr.strip()}")
    return folder


def _patch(name: str, path: Path, old: str, new: str) -> None:
    """One line of a suite's code that no Django it supports can run, replaced as the pin
    says (never an outcome: each patch is named, with why, in real_suites.toml)."""
    text = path.read_text(encoding="utf-8")
    if text.count(old) != 1:
        raise SystemExit(f"{name}: patch: {old!r} is not in {path.name} exactly once")
    path.write_text(text.replace(old, new), encoding="utf-8")


def _uninstall(suite: dict) -> None:
    """The suite's package leaves the environment with its temporary folder: installed
    editable from there, it would shadow the release the next suite installs."""
    name = suite["requirement"].split("=", 1)[0].split("[", 1)[0]
    _run(sys.executable, "-m", "pip", "uninstall", "-q", "-y", name, cwd=Path.cwd())


def _check(suite: dict, folder: Path) -> list[str]:
    problems = []
    env = dict(os.environ)
    if suite.get("pythonpath"):
        env["PYTHONPATH"] = str(folder / suite["pythonpath"])
    lint = _run(
        sys.executable,
        "-m",
        "session_matrix",
        "lint",
        *suite["lint"],
        "--format",
        "json",
        cwd=folder,
        env=env,
    )
    found = sorted(
        f"{item['path']}::{item['test']} {item['pattern'].split('.py::', 1)[1]}"
        for item in json.loads(lint.stdout)["findings"]
    )
    print(f"{suite['name']}: lint found {len(found)}: {found}")
    if found != sorted(suite["lint_findings"]):
        problems.append(f"{suite['name']}: lint found {found}, pinned {suite['lint_findings']}")
    report = folder / "session-matrix-report"
    done = _run(
        sys.executable,
        "-m",
        "session_matrix",
        "suite",
        "--settings",
        suite["settings"],
        "--",
        *suite["pytest"],
        cwd=folder,
        env=env,
    )
    print(done.stdout)
    if done.returncode:
        problems.append(f"{suite['name']}: suite exited {done.returncode}: {done.stderr.strip()}")
        return problems
    data = json.loads((report / "suite.json").read_text(encoding="utf-8"))
    if sorted(data["engine_dependent"]) != sorted(suite["engine_dependent"]):
        problems.append(
            f"{suite['name']}: suite found {data['engine_dependent']} engine-dependent, "
            f"pinned {suite['engine_dependent']}"
        )
    for node, pattern in suite.get("explained", {}).items():
        explanation = data["explanations"].get(node) or {}
        if not explanation.get("pattern", "").endswith(f"::{pattern}"):
            problems.append(
                f"{suite['name']}: {node} explained by {explanation}, pinned {pattern}"
            )
        else:
            print(f"{node}: {pattern} ({explanation.get('confidence')})")
    for node, confidence in suite.get("confidence", {}).items():
        said = (data["explanations"].get(node) or {}).get("confidence")
        if said != confidence:
            problems.append(f"{suite['name']}: {node} explained with {said}, pinned {confidence}")
    return problems


def main(argv: list[str] | None = None) -> int:
    names = sys.argv[1:] if argv is None else argv
    pins = tomllib.loads((RESOURCES / "real_suites.toml").read_text(encoding="utf-8"))
    problems = []
    for suite in pins["suite"]:
        if names and suite["name"] not in names:
            continue
        with tempfile.TemporaryDirectory(prefix="session-matrix-real-") as tmp:
            try:
                folder = _prepare(suite, Path(tmp))
                problems += _check(suite, folder)
            finally:
                _uninstall(suite)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
