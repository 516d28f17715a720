"""The engine profile's parts that need no Django: figures, the schema, the "which engine"
lines, the page section, the README summary, and the lost-update count (against a small
HTTP server of the test's own). Configuration names come from the records; the figures are
made up here, so each test says what the code must make of them."""

import copy
import dataclasses
import http.server
import json
import re
import threading
from typing import ClassVar
from urllib.parse import parse_qs

import pytest

from session_matrix.core import paths, records, schemas
from session_matrix.core.model import (
    Cell,
    Column,
    Configuration,
    DjangoVersion,
    Matrix,
    PatternRow,
    Theme,
    column_id,
)
from session_matrix.core.vocabulary import CellStatus, RunStatus, Verdict
from session_matrix.profile import GUARANTEE_TITLES as GUARANTEES
from session_matrix.profile import guarantee_cell, picks, readme_summary, section
from session_matrix.profile.client import Site, parse_set_cookie
from session_matrix.profile.measures import FIGURES
from session_matrix.profile.model.figures import CostFigure
from session_matrix.profile.model.guarantees import Sequential
from session_matrix.profile.running import orchestrate
from session_matrix.profile.running.cost import NOISE_BOUND, figure_of
from session_matrix.profile.running.guarantees_served import lost_updates
from session_matrix.profile.stats import compare, percentile, ratio, spread
from session_matrix.profile.views.advice_measured import leaders
from session_matrix.profile.views.summary import summary_lines
from tests.helpers import undocumented

NAMES = [record.name for record in records.load_all() if record.default][:3]
SERIES = "6.1"


def figure(median, **extra):
    return {
        "median_us": median,
        "p99_us": median * 3,
        "min_us": median / 2,
        "max_us": median * 5,
        "queries": 1,
        "queries_max": 1,
        "cache_commands": 0,
        "cache_commands_max": 0,
        "set_cookie_bytes": 120,
        "cookie_bytes": 42,
        "requests": 1000,
        "errors": 0,
        "spread": 0.1,
        "noisy": False,
        "ratio": 1.0,
        "p99_ratio": 1.0,
    } | extra


def kind(median, ratio_):
    sizes = {
        str(size): figure(median * (1 + i), ratio=ratio_)
        for i, size in enumerate((100, 4096, 65536))
    }
    return {**sizes["100"], "session_bytes": 100, "by_size": sizes}


def throughput(rps, p99_ms, requests, ratio_):
    """One mix's figure with 2 workers."""
    figure = {"rps": rps, "p99_ms": p99_ms, "requests": requests, "errors": 0, "noisy": False}
    return {"2": figure | {"ratio": ratio_}}


def guarantees(replay, lost, evicted, browser, leftover, storage):
    return {
        "replay_after_logout": {"value": replay},
        "lost_updates": {"value": lost, "lost": lost, "of": 50, "errors": 0},
        "survives_app_restart": {"value": True},
        "survives_cache_restart": {"value": None, "reason": "no cache server"},
        "survives_cache_flush": {"value": True},
        "eviction_when_full": {"value": evicted, "lost": evicted, "of": 50, "silent": evicted > 0},
        "largest_round_trip": {"value": 2097152, "capped": True},
        "largest_browser_keeps": {"value": browser, "cookie_bytes": 4000},
        "clearsessions": {"value": leftover, "expired": 20, "stored_before": 20},
        "storage_per_10000": {"value": storage, "database_bytes": storage},
    }


def sample_profile():
    """Three configurations: the first is fastest and revocable, the second slowest, the
    third keeps a cookie-sized session only and cannot be revoked."""
    medians = {NAMES[0]: 100.0, NAMES[1]: 400.0, NAMES[2]: 200.0}
    configurations = {}
    for name in NAMES:
        base = medians[name]
        configurations[name] = {
            "status": "ok",
            "engine": name,
            "label": f"label of {name}",
            "description": "",
            "default": True,
            "request": {
                k: kind(base * factor, round(base / 100, 2))
                for k, factor in (
                    ("anonymous", 0.5),
                    ("read", 1),
                    ("write", 2),
                    ("login", 5),
                    ("logout", 3),
                )
            },
            "throughput": {
                "status": "ok",
                "read_heavy": throughput(10000 / base, 5.0, 100, 100 / base),
                "write_heavy": throughput(5000 / base, 9.0, 50, 100 / base),
            },
            "guarantees": guarantees(
                replay=name == NAMES[2],
                lost=0 if name == NAMES[0] else 10,
                evicted=50 if name == NAMES[1] else 0,
                browser=3000 if name == NAMES[2] else 2097152,
                leftover=20 if name == NAMES[1] else 0,
                storage=0 if name == NAMES[2] else 4_000_000,
            ),
        }
    return orchestrate.build(
        [
            {
                "django": "6.1.3",
                "django_series": SERIES,
                "machine": {"cores": 2, "cpu": "a CPU", "memory_gib": 24.0},
                "method": {
                    "requests_per_figure": 1000,
                    "warmup": 100,
                    "rounds": 10,
                    "sizes": [100, 4096, 65536],
                    "kinds": list(FIGURES),
                    "noise_bound": 0.5,
                    "throughput": {
                        "workers": [1, 2],
                        "connections": 4,
                        "seconds_per_round": 1,
                        "rounds": 2,
                    },
                },
                "configurations": configurations,
            }
        ]
    )


def sample_matrix():
    """A one-row matrix: the replay-after-logout pattern, failing on the third configuration."""
    row = PatternRow(
        id="matrix_tests/test_auth.py::test_replay_cookie_after_logout",
        anchor="p-replay",
        theme="auth",
        idiom="send the old cookie again after logout",
        path="matrix_tests/test_auth.py",
        line=1,
        verdict=Verdict.DIFFERS,
        differs_by=["engine"],
    )
    configurations = [Configuration(n, n, True, "", n) for n in NAMES]
    columns = [
        Column(
            id=column_id(n, SERIES), configuration=n, engine=n, django=SERIES, status=RunStatus.OK
        )
        for n in NAMES
    ]
    cells = {
        row.id: {
            column_id(n, SERIES): Cell(CellStatus.FAILED if n == NAMES[2] else CellStatus.PASSED)
            for n in NAMES
        }
    }
    return Matrix(
        "test",
        [DjangoVersion(SERIES, ">=3.12")],
        configurations,
        [Theme("auth", "Authentication")],
        columns,
        [row],
        cells,
    )


def test_figures_from_samples():
    assert percentile(list(range(1, 101)), 99) == 99
    assert percentile([5.0], 99) == 5.0
    assert spread([1.0, 1.0, 2.0]) == 1.0
    assert spread([3.0]) == 0.0
    assert ratio(3.0, 2.0) == 1.5


def test_a_cookie_the_server_deletes_is_recognised():
    name, value, deleted = parse_set_cookie(
        'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'
    )
    assert (name, value, deleted) == ("sessionid", "", True)
    assert parse_set_cookie("sessionid=abc; HttpOnly; Path=/")[1:] == ("abc", False)


def test_a_profile_document_satisfies_its_schema_and_a_broken_one_does_not():
    document = sample_profile()
    schemas.validate(document, "profile", "profile.json")
    broken = copy.deepcopy(document)
    del broken["configurations"][NAMES[0]]["request"]
    with pytest.raises(schemas.InvalidInput, match="request"):
        schemas.validate(broken, "profile", "profile.json")
    not_run = copy.deepcopy(document)
    not_run["configurations"][NAMES[1]] = {"status": "not_run", "engine": "x", "label": "x"}
    with pytest.raises(schemas.InvalidInput, match="reason"):
        schemas.validate(not_run, "profile", "profile.json")


def test_which_engine_lines_follow_the_measured_data():
    lines = {pick.need: pick for pick in picks(sample_profile())}
    revocable = next(p for need, p in lines.items() if "revocable" in need)
    assert sorted(revocable.choose) == sorted(NAMES[:2])
    assert [name for name, _ in revocable.avoid] == [NAMES[2]]
    read = lines["Lowest cost per read"]
    assert read.choose == [NAMES[0]]
    assert "the others take 2.0–4.0× as long" in read.detail
    lost = next(p for need, p in lines.items() if "lose each other" in need)
    assert lost.choose == [NAMES[0]]
    big = next(p for need, p in lines.items() if "larger than a cookie" in need)
    assert NAMES[2] in dict(big.avoid)
    storage = lines["Least server-side storage for 10,000 sessions"]
    assert storage.choose == [NAMES[2]]


def test_which_engine_lines_link_the_matrix_rows_that_support_them():
    lines = picks(sample_profile(), sample_matrix())
    revocable = next(p for p in lines if "revocable" in p.need)
    assert "p-replay" in [e.target for e in revocable.evidence]
    most = next(p for p in lines if p.need.startswith("As many test idioms"))
    assert sorted(most.choose) == sorted(NAMES[:2])
    # no pattern for rich values in this matrix: no line about them
    assert not [p for p in lines if "datetime" in p.need]


def test_a_fast_choice_says_what_it_gives_up():
    document = sample_profile()
    document["configurations"][NAMES[0]]["guarantees"]["survives_app_restart"]["value"] = False
    read = next(p for p in picks(document) if p.need == "Lowest cost per read")
    assert read.detail.endswith(f"but {NAMES[0]} loses every session when the app server restarts")


def test_a_store_that_culled_sessions_is_not_the_smallest():
    document = sample_profile()
    culling = document["configurations"][NAMES[0]]["guarantees"]["storage_per_10000"]
    culling |= {"value": 0, "kept": 300, "sessions": 10000}
    storage = next(p for p in picks(document) if p.need.startswith("Least server-side"))
    assert NAMES[0] not in storage.choose
    assert dict(storage.avoid)[NAMES[0]] == "keeps only ~300 of 10,000 sessions (from a sample)"
    culling["kept_newest"] = 300
    storage = next(p for p in picks(document) if p.need.startswith("Least server-side"))
    assert dict(storage.avoid)[NAMES[0]] == (
        "keeps exactly 300 of 10,000 sessions: those of the newest visitors"
    )
    culling["kept_newest"] = 103
    storage = next(p for p in picks(document) if p.need.startswith("Least server-side"))
    assert dict(storage.avoid)[NAMES[0]] == (
        "keeps exactly 300 of 10,000 sessions, and only 103 of the newest 300 visitors keep "
        "theirs: culling takes any visitor, not the oldest"
    )


def test_a_need_without_data_gives_no_line():
    document = sample_profile()
    for entry in document["configurations"].values():
        del entry["guarantees"]["replay_after_logout"]
    assert not [p for p in picks(document) if "revocable" in p.need]


def test_the_page_section_escapes_the_records_and_links_what_it_cites():
    document = sample_profile()
    document["configurations"][NAMES[0]]["label"] = "<script>alert(1)</script>"
    html = str(section(document, sample_matrix()))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert html.count("<svg") == 2
    ids = set(re.findall(r'id="([^"]+)"', html))
    for key in GUARANTEES:
        assert f"g-{key}" in ids
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids or target in ("p-replay", "summary"), target


def profile_with_one_not_run():
    """A sample profile whose second configuration could not run (no Redis)."""
    document = sample_profile()
    document["configurations"][NAMES[1]] = {
        "status": "not_run",
        "reason": "not run: no Redis at redis://127.0.0.1:1/0",
        "engine": NAMES[1],
        "label": "x",
    }
    return document


def test_a_configuration_not_run_is_named_with_its_reason():
    document = profile_with_one_not_run()
    schemas.validate(document, "profile", "profile.json")
    html = str(section(document))
    assert "not run: no Redis at redis://127.0.0.1:1/0" in html
    assert f'<th scope="row">{NAMES[1]}' not in html


def test_the_readme_summary_links_the_page_and_escapes_text():
    document = sample_profile()
    document["django"] = "6.1|<b>"
    text = readme_summary(document, sample_matrix())
    assert "6.1\\|&lt;b&gt;" in text
    assert "(results/index.html#p-replay)" in text
    assert "(results/index.html#g-replay_after_logout)" in text
    assert text.count("\n- ") >= 5


def test_the_profile_group_brings_the_server_and_includes_resolve():
    assert any(item.startswith("gunicorn") for item in orchestrate.dependency_group("profile"))
    matrix = orchestrate.dependency_group("matrix")
    assert set(matrix) <= set(orchestrate.dependency_group("tests"))


def test_every_version_goes_under_versions_with_the_newest_on_top():
    newest = sample_profile()
    older = copy.deepcopy(newest) | {"django": "5.2.19", "django_series": "5.2"}
    parts = [
        {k: v for k, v in part.items() if k not in ("$schema", "format", "generated_by")}
        for part in (newest, older)
    ]
    document = orchestrate.build(parts)
    schemas.validate(document, "profile", "profile.json")
    assert document["django_series"] == SERIES
    assert set(document["versions"]) == {"5.2"}
    assert document["versions"]["5.2"]["django"] == "5.2.19"
    assert "Also measured on Django 5.2" in str(section(document))


def test_only_a_store_that_keeps_nothing_server_side_says_the_cookie_carries_it():
    cookie = {"value": 0, "server_side": False, "cookie_bytes_each": 219}
    table = {"value": 3768320, "server_side": True, "database_bytes": 3768320}
    assert guarantee_cell("storage_per_10000", cookie)["text"] == "0 B (the cookie carries 219 B)"
    assert "cookie" not in guarantee_cell("storage_per_10000", table)["text"]
    unknown = {"value": None, "error": "the store holds the sessions, but nothing measured grew"}
    assert guarantee_cell("storage_per_10000", unknown)["text"] == "not measured"


def test_a_store_that_holds_nothing_does_not_claim_to_expire_sessions():
    nothing = {"value": 0, "expired": 20, "stored_before": 0, "server_side": False}
    expiring = {"value": 0, "expired": 20, "stored_before": 0, "server_side": True}
    cell = guarantee_cell("clearsessions", nothing)
    assert cell["text"] == "none (nothing is stored server-side)"
    assert guarantee_cell("clearsessions", expiring)["text"] == "none (the store expires them)"


def test_no_cache_server_is_not_counted_as_surviving_its_restart():
    document = sample_profile()
    for name, value in zip(NAMES, (True, False, None), strict=True):
        restart = document["configurations"][name]["guarantees"]["survives_cache_restart"]
        restart |= {"value": value}
    line = next(p for p in picks(document) if "restart of the cache server" in p.need)
    assert line.choose == [NAMES[0]]
    assert [name for name, _ in line.avoid] == [NAMES[1]]


def test_a_need_nobody_meets_says_so_and_lists_the_failures_once():
    document = sample_profile()
    for entry in document["configurations"].values():
        entry["guarantees"]["lost_updates"] |= {"value": 7, "lost": 7}
    text = readme_summary(document)
    line = next(line for line in text.splitlines() if "lose each other" in line)
    assert "→ no configuration measured meets it: " in line
    assert "not `" not in line
    assert "none of the configurations" not in line
    assert line.count("7 of 50 acknowledged writes lost") == len(NAMES)
    html = str(section(document))
    item = next(li for li in html.split("<li>") if "lose each other" in li)
    assert "no configuration measured meets it: " in item
    assert "not <code>" not in item
    assert item.count("7 of 50 acknowledged writes lost") == len(NAMES)


def test_a_size_search_that_reached_its_cap_reads_at_least():
    capped = {"value": 2097152, "capped": True, "cookie_bytes": 42}
    found = {"value": 3968, "capped": False, "cookie_bytes": 4089}
    assert guarantee_cell("largest_browser_keeps", capped)["text"] == "≥ 2.0 MiB"
    assert guarantee_cell("largest_browser_keeps", found)["text"] == "3.9 KiB"


def test_a_figure_whose_rounds_disagree_is_flagged_noisy():
    def rounds(*medians_us):
        return [[[int(m * 1000), 0, 0, 0, 42, 200] for _ in range(5)] for m in medians_us]

    steady = figure_of(rounds(100, 104, 98, 101))
    assert not steady.noisy
    assert steady.spread < NOISE_BOUND
    drifting = figure_of(rounds(100, 100, 100, 100 * (1 + NOISE_BOUND) + 20))
    assert drifting.noisy
    assert drifting.spread > NOISE_BOUND


def test_the_readme_table_marks_a_noisy_figure_as_the_page_does():
    document = sample_profile()
    assert "≈" not in readme_summary(document)
    document["configurations"][NAMES[1]]["request"]["write"]["noisy"] = True
    text = readme_summary(document)
    row = next(line for line in text.splitlines() if line.startswith(f"| `{NAMES[1]}`"))
    assert row.split(" | ")[2].endswith("≈ ×4.0")
    assert "≈ noisy" in text
    html = str(section(document))
    assert "≈" in html
    assert "more than 50% (requests/s: 25%)" in html


def test_the_schema_names_every_field_a_profile_holds():
    schema = schemas.schema("profile")
    published = schemas.load_json(paths.ROOT / "results" / "profile.json")  # a real run's
    assert undocumented(schema, published) == []
    assert undocumented(schema, sample_profile()) == []
    assert undocumented(schema, {"configurations": {"x": {"surprise": 1}}}) == [
        "$.configurations.*.surprise"
    ]


def test_a_guarantee_field_the_schema_does_not_name_is_refused():
    document = sample_profile()
    storage = document["configurations"][NAMES[0]]["guarantees"]["storage_per_10000"]
    storage |= {"server_side": True, "kept": 10000}
    schemas.validate(document, "profile", "profile.json")
    storage["table_bytes"] = 1
    with pytest.raises(schemas.InvalidInput, match="table_bytes"):
        schemas.validate(document, "profile", "profile.json")


def test_the_lines_read_as_sentences_for_one_of_a_kind():
    document = sample_profile()
    for entry in document["configurations"].values():
        entry["request"]["read"] |= {"queries": 1, "cache_commands": 1}
    read = next(p for p in picks(document) if p.need == "Lowest cost per read")
    assert ", 1 query, 1 cache command" in read.detail
    matrix = sample_matrix()
    row = matrix.patterns[0]
    naive = row.id.replace("test_replay_cookie_after_logout", "test_naive_save")
    one = dataclasses.replace(row, id=naive)
    matrix.patterns.append(one)
    matrix.cells[one.id] = matrix.cells[row.id]
    line = next(p for p in picks(document, matrix) if "edits client.session" in p.need)
    assert line.detail == "the idiom works"
    assert dict(line.avoid)[NAMES[2]] == "the idiom fails"


def test_a_choice_resting_on_a_noisy_figure_says_so():
    document = sample_profile()
    entry = document["configurations"][NAMES[0]]
    assert not [p for p in picks(document) if "noisy" in p.detail]
    entry["request"]["read"]["noisy"] = True
    entry["throughput"]["read_heavy"]["2"]["noisy"] = True
    noisy = {p.need for p in picks(document) if "(noisy: read with care)" in p.detail}
    assert noisy == {
        "Lowest cost per read",
        "Most requests per second, read-heavy, through a real server",
    }


def test_a_figure_whose_requests_failed_cannot_be_the_fastest():
    document = sample_profile()
    failing = document["configurations"][NAMES[1]]
    failing["request"]["write"] |= {"median_us": 10.0, "errors": 1000}  # 403s answer fast
    failing["throughput"]["write_heavy"]["2"] |= {"rps": 99999.0, "errors": 17}
    lines = {p.need: p for p in picks(document)}
    write = lines["Lowest cost per write"]
    assert write.choose == [NAMES[0]]
    assert dict(write.avoid)[NAMES[1]] == "1,000 of 1,000 requests failed"
    assert "the others take 2.0–2.0× as long" in write.detail  # ratios to the real best
    busy = lines["Most requests per second, write-heavy"]
    assert NAMES[1] not in busy.choose
    assert dict(busy.avoid)[NAMES[1]] == "17 of 50 requests failed"


def test_ratios_are_to_the_fastest_that_succeeded():
    def typed(median, **extra):
        return CostFigure.from_json(figure(median, **extra))

    def alike(figures):
        compare(figures, lambda f: f.median_us, lambda f: f.p99_us)

    good, failing, slow = typed(200.0), typed(10.0, errors=5), typed(400.0)
    alike([good, failing, slow])
    assert (good.ratio, slow.ratio, failing.ratio) == (1.0, 2.0, 0.05)
    everything_failed = [typed(200.0, errors=1), typed(100.0, errors=1)]
    alike(everything_failed)
    assert [f.ratio for f in everything_failed] == [2.0, 1.0]


class _Store(http.server.BaseHTTPRequestHandler):
    """A session app over HTTP whose writes load the session and save it whole (the last
    save wins), except writes to the key ``refused``, which it answers with a 400. The
    overlapped write (``/overlap/<key>/``) waits, as the real view does, until both requests
    of its pair have arrived and loaded the session (barriers, not a pause)."""

    session: ClassVar[dict[str, str]] = {}
    refused: ClassVar[str] = ""
    arrived: ClassVar[threading.Barrier]
    loaded: ClassVar[threading.Barrier]

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"{}"):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "sessionid=one; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        key = self.path.strip("/").split("/")[-1]
        self.answer(200, json.dumps({"value": self.session.get(key)}).encode())

    def do_POST(self):
        key = self.path.strip("/").split("/")[-1]
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        overlapped = self.path.startswith("/overlap/")
        if overlapped:  # as the real view: both requests of the pair have arrived
            self.arrived.wait(timeout=60)
        if key == self.refused:
            self.answer(400)
            return
        loaded = dict(self.session)
        if overlapped:  # both have loaded the session before either saves it
            self.loaded.wait(timeout=60)
        self.session.clear()
        self.session.update(loaded | {key: parse_qs(body)["value"][0]})
        self.answer(200)


@pytest.mark.parametrize("refused", ["", "a"])
def test_lost_updates_count_acknowledged_writes_only(refused):
    handler = type(
        "Store",
        (_Store,),
        {
            "session": {},
            "refused": refused,
            "arrived": threading.Barrier(2),
            "loaded": threading.Barrier(1 if refused else 2),
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = lost_updates(server.server_address[1], Site(), 4, cookie_store=False)
    finally:
        server.shutdown()
        server.server_close()
    if refused:  # one write of each round refused: told, not lost; the other one kept
        assert (found.lost, found.of, found.failed_writes) == (0, 4, 4)
        assert found.mechanism == "none"
    else:  # both acknowledged, the later save erased the earlier one's key
        assert (found.lost, found.of, found.failed_writes) == (4, 8, 0)
        assert (found.pairs, found.mechanism) == (4, "server_session")
    # one after the other, the second write loads what the first saved: nothing lost
    assert found.sequential.lost == 0
    assert found.structural is False
    assert found.writes == 8


class _CookieStore(http.server.BaseHTTPRequestHandler):
    """A session app over HTTP that keeps the session in the cookie, as signed_cookies does:
    a write answers with the whole session in a new cookie, at once."""

    def log_message(self, *args):
        pass

    def session(self):
        cookie = self.headers.get("Cookie", "")
        found = re.search(r"sessionid=([0-9a-f]*)", cookie)
        return json.loads(bytes.fromhex(found.group(1))) if found and found.group(1) else {}

    def answer(self, session, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", f"sessionid={json.dumps(session).encode().hex()}")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        key = self.path.strip("/").split("/")[-1]
        self.answer(self.session(), json.dumps({"value": self.session().get(key)}).encode())

    def do_POST(self):
        key = self.path.strip("/").split("/")[-1]
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.answer(self.session() | {key: parse_qs(body)["value"][0]}, b"{}")


def test_a_cookie_store_loses_one_write_per_pair_by_design_even_without_overlap():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CookieStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = lost_updates(server.server_address[1], Site(), 4, cookie_store=True)
    finally:
        server.shutdown()
        server.server_close()
    assert (found.lost, found.pairs) == (4, 4)
    assert found.sequential == Sequential(lost=4, of=8, pairs=4, errors=0)
    assert (found.mechanism, found.structural) == ("client_cookie", True)
    cell = guarantee_cell("lost_updates", found.to_json("lost_updates"))
    assert cell["text"] == "one per pair, by design"
    assert cell["title"].startswith("every overlapping pair loses one write, by design")


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("--rounds=0", "--rounds must be at least 1, not 0"),
        ("--requests=-5", "--requests must be at least 1, not -5"),
        ("--warmup=-1", "--warmup must be at least 0, not -1"),
        ("--throughput-rounds=0", "--throughput-rounds must be at least 1, not 0"),
        ("--seconds=0", "--seconds must be at least 1, not 0"),
        ("--seconds=1.5", "--seconds must be a whole number (wrk runs whole seconds), not 1.5"),
    ],
)
def test_a_count_the_run_cannot_use_is_one_line_before_anything_is_built(
    option, said, monkeypatch
):
    def build(*args, **kwargs):
        pytest.fail("an environment was prepared for input the run refuses")

    monkeypatch.setattr(orchestrate, "_plan", build)
    with pytest.raises(orchestrate.Failed) as refused:
        orchestrate.run([], [], [option, "--out", "/nonexistent/profile.json"])
    assert str(refused.value) == said


def test_the_printed_summary_says_why_a_configuration_was_not_run_once():
    document = profile_with_one_not_run()
    lines = summary_lines(document)
    row = next(line for line in lines if line.startswith(NAMES[1]))
    assert row.split(None, 1)[1] == "not run: no Redis at redis://127.0.0.1:1/0"


@pytest.mark.parametrize("op", ["seeded", "__init__", "client", None])
def test_the_worker_answers_only_the_commands_it_lists(op):
    from session_matrix.profile.worker.commands import COMMANDS, answer

    refused = answer(None, {"op": op, "size": 100})
    assert refused["error"].startswith(f"unknown command {op!r}; the worker accepts block, ")
    assert op not in COMMANDS


def test_a_single_process_configuration_wins_no_line_of_cost_or_load():
    document = sample_profile()
    fastest = document["configurations"][NAMES[0]]
    fastest["guarantees"]["across_processes"] = {"value": False, "reads": 30, "absent": 30}
    for entry in list(document["configurations"].values())[1:]:
        entry["guarantees"]["across_processes"] = {"value": True, "reads": 30}
    lines = {p.need: p for p in picks(document)}
    first = picks(document)[0]
    assert first.need.startswith("Sessions work with more than one app-server process")
    assert NAMES[0] not in first.choose
    assert dict(first.avoid)[NAMES[0]].startswith(
        "single process only (tests, the development server): 30 of 30 reads"
    )
    for need in ("Lowest cost per read", "Most requests per second, write-heavy"):
        assert NAMES[0] not in lines[need].choose
        assert dict(lines[need].avoid)[NAMES[0]] == (
            "single process only (tests, the development server)"
        )


def test_a_figure_with_wrong_answers_shows_their_share_and_cannot_win():
    document = sample_profile()
    busiest = document["configurations"][NAMES[0]]["throughput"]["read_heavy"]["2"]
    busiest |= {"checked": 100, "wrong": 48, "absent": 40, "new_session": 8}
    line = next(p for p in picks(document) if p.need.startswith("Most requests per second, read"))
    assert NAMES[0] not in line.choose
    assert dict(line.avoid)[NAMES[0]] == "48 of 100 answers wrong (48%): 40 absent, 8 new session"
    assert "(48% wrong)" in readme_summary(document)


def test_a_line_names_a_tie_when_the_rounds_overlap():
    figures = {
        "a": (100.0, [90.0, 120.0]),
        "b": (110.0, [105.0, 130.0]),
        "c": (300.0, [290.0, 310.0]),
    }
    assert leaders(figures, higher_is_better=False) == ["a", "b"]
    figures["b"] = (110.0, [125.0, 130.0])
    assert leaders(figures, higher_is_better=False) == ["a"]
    document = sample_profile()
    for name, rounds in zip(NAMES, ([90.0, 300.0], [380.0, 420.0], [150.0, 250.0]), strict=True):
        document["configurations"][name]["request"]["read"]["rounds_us"] = rounds
    line = next(p for p in picks(document) if p.need == "Lowest cost per read")
    assert line.choose == [NAMES[0], NAMES[2]]
    assert f"a tie: the rounds of {NAMES[0]}, {NAMES[2]} overlap" in line.detail


@pytest.mark.parametrize("alone", [False, True], ids=["into results", "--out"])
def test_a_profile_that_cannot_be_written_fails_in_one_line(tmp_path, alone):
    """An immutable results/ made the profile end in a traceback (shutil.Error or a bare
    OSError) after a 20-minute run; the published file stays as it was."""
    import subprocess

    results = tmp_path / "results"
    results.mkdir()
    target = results / "profile.json"
    target.write_text("{}\n")
    if subprocess.run(["chattr", "-R", "+i", str(results)], check=False).returncode:
        pytest.skip("chattr +i is not possible here (needs root and ext4/xfs)")
    try:
        with pytest.raises(orchestrate.Failed) as failed:
            orchestrate.publish('{"measured": true}\n', target, alone=alone)
    finally:
        subprocess.run(["chattr", "-R", "-i", str(results)], check=True)
    message = str(failed.value)
    assert "\n" not in message
    assert "cannot write" in message
    assert "make it writable" in message or "run it again" in message
    assert target.read_text() == "{}\n"


def test_the_printed_summary_keeps_a_space_before_a_figure_with_wrong_answers():
    """'1939us x1.772666/s x0.78 3% wrong': a long throughput cell ran into the login one."""
    document = sample_profile()
    for workers in document["configurations"][NAMES[0]]["throughput"]["read_heavy"].values():
        if isinstance(workers, dict):
            workers.update(rps=26666.0, wrong=300, wrong_share=0.48)
    row = next(line for line in summary_lines(document) if line.startswith(NAMES[0]))
    assert " 26666/s x" in row
    assert row.endswith("48% wrong")
