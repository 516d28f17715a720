"""How heavy ``results/index.html`` is, measured in a real Chromium: its bytes, its DOM
elements before any interaction, its first render with the CPU slowed down 4×, and how many
Tab presses lead from the top of the page into the engine profile. ``nox -s page`` prints
the figures; no test asserts a time.

"First render" is the load event (``loadEventEnd`` of the navigation entry): by then the
page is parsed, styled and painted, and its script has run to the end, so the filters,
search and keys work (the script's ``matrix-interactive`` mark, also printed, comes just
before). The first contentful paint is printed beside it. The cells of the idioms table are
drawn when the table comes near the screen, so none are counted at the top of the page.

Uses the system's Chromium (``CHROMIUM``, else ``chromium`` on PATH) through Playwright.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "measure", "tab_stops"]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
TARGETS = {"bytes": 1_200_000, "nodes": 15_000, "render_ms": 1000}
# CDP Performance metrics until load: wall-clock time in script, layout, style and tasks, and
# the main thread's CPU time (less sensitive than the others to other work on the machine).
BUSY = {
    "ScriptDuration": "script",
    "LayoutDuration": "layout",
    "RecalcStyleDuration": "recalcstyle",
    "TaskDuration": "task",
    "ThreadTime": "main-thread CPU time",
}


def chromium() -> str:
    named = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not named:
        msg = "no Chromium: install Debian's chromium or set CHROMIUM to a Chromium binary"
        raise SystemExit(msg)
    return named


def _once(browser: Any, url: str, slowdown: float, viewport: dict[str, int]) -> dict[str, float]:
    page = browser.new_page(viewport=viewport)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    session.send("Performance.enable")
    page.goto(url, wait_until="load")
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    figures: dict[str, float] = page.evaluate(
        """() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const paint = performance.getEntriesByName("first-contentful-paint")[0];
        return {
          nodes: document.getElementsByTagName("*").length,
          all_nodes: document.createTreeWalker(document, NodeFilter.SHOW_ALL).root ? (() => {
            let n = 0; const w = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
            while (w.nextNode()) n++; return n; })() : 0,
          load_ms: nav.loadEventEnd,
          interactive_ms: (performance.getEntriesByName("matrix-interactive")[0]
            || {startTime: -1}).startTime,
          dom_ms: nav.domContentLoadedEventEnd,
          fcp_ms: paint ? paint.startTime : -1,
          page_scroll_x: document.documentElement.scrollWidth - window.innerWidth,
        };
      }"""
    )
    page.close()
    figures["errors"] = len(errors)
    for name in BUSY:
        figures[name] = metrics.get(name, 0.0) * 1000
    return figures


def tab_stops(page: Any, target: str = "#profile", limit: int = 3000) -> int:
    """How many presses of Tab, from the top of a page just loaded, until the focus is
    inside ``target`` (``limit`` if it never is)."""
    for count in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => Boolean(document.activeElement.closest({target!r}))"):
            return count
    return limit


def _tabs(browser: Any, url: str) -> int:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url, wait_until="load")
    found = tab_stops(page) if page.locator("#profile").count() else -1
    page.close()
    return found


def measure(path: Path, rounds: int = 5, slowdown: float = 4.0) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    url = path.resolve().as_uri()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        runs = [
            _once(browser, url, slowdown, {"width": 1400, "height": 900}) for _ in range(rounds)
        ]
        plain = [_once(browser, url, 1.0, {"width": 1400, "height": 900}) for _ in range(rounds)]
        phone = _once(browser, url, slowdown, {"width": 390, "height": 844})
        tabs = _tabs(browser, url)
        browser.close()
    return {
        "bytes": path.stat().st_size,
        "nodes": runs[0]["nodes"],
        "all_nodes": runs[0]["all_nodes"],
        "render_ms": statistics.median(r["load_ms"] for r in runs),
        "interactive_ms": statistics.median(r["interactive_ms"] for r in runs),
        "fcp_ms": statistics.median(r["fcp_ms"] for r in runs),
        "dom_ms": statistics.median(r["dom_ms"] for r in runs),
        "errors": max(r["errors"] for r in runs),
        "busy": {label: statistics.median(r[name] for r in runs) for name, label in BUSY.items()},
        "plain_load_ms": statistics.median(r["load_ms"] for r in plain),
        "plain_cpu_ms": statistics.median(r["ThreadTime"] for r in plain),
        "phone_scroll_x": phone["page_scroll_x"],
        "tab_stops": tabs,
        "rounds": rounds,
        "slowdown": slowdown,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="page-metrics", description=__doc__)
    parser.add_argument("page", nargs="?", type=Path, default=Path("results/index.html"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"error: no page at {args.page}: run `nox -s report` first", file=sys.stderr)
        return 1
    found = measure(args.page, args.rounds)
    print(f"page: {args.page}")
    print(f"  bytes: {found['bytes']:,} (target <= {TARGETS['bytes']:,})")
    print(
        f"  DOM elements before interaction: {found['nodes']:,} (target <= {TARGETS['nodes']:,});"
        f" all nodes incl. text: {found['all_nodes']:,}"
    )
    mark = found["interactive_ms"]
    interactive = f"{mark:.0f} ms" if mark >= 0 else "no mark on this page"
    print(
        f"  first render at {found['slowdown']:.0f}x CPU slowdown, median of {found['rounds']}:"
        f" load event {found['render_ms']:.0f} ms (target <= {TARGETS['render_ms']}: the page"
        f" parsed, painted and its script run); table interactive (the script's"
        f" matrix-interactive mark) {interactive};"
        f" first contentful paint {found['fcp_ms']:.0f} ms;"
        f" DOMContentLoaded {found['dom_ms']:.0f} ms"
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else -1.0
    print(
        f"  timings are wall-clock: this machine's load average was {load:.1f} on"
        f" {os.cpu_count()} CPUs when they were taken (other work slows them down)"
    )
    busy = ", ".join(f"{name} {ms:.0f} ms" for name, ms in found["busy"].items())
    print(f"  main thread until load (CDP Performance metrics): {busy}")
    print(
        f"  without slowdown, median of {found['rounds']}: load event"
        f" {found['plain_load_ms']:.0f} ms, main-thread CPU time {found['plain_cpu_ms']:.0f} ms"
        f" ({found['slowdown']:.0f}x that: {found['slowdown'] * found['plain_cpu_ms']:.0f} ms,"
        " an estimate of the slowed-down load on an idle machine)"
    )
    print(
        f"  console errors: {found['errors']}; phone (390 px) page-level horizontal overflow:"
        f" {found['phone_scroll_x']} px"
    )
    tabs = found["tab_stops"]
    print(
        "  Tab presses from the top of the page into the engine profile: "
        + (f"{tabs}" if tabs >= 0 else "no profile on this page")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
