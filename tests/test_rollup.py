"""Version ranges: one symbol when Django versions agree, ranges when they differ."""

import pytest

from session_matrix.rollup import compact, words

VERSIONS = ["4.2", "5.2", "6.0", "6.1"]


@pytest.mark.parametrize(
    ("statuses", "short", "long"),
    [
        (["passed"] * 4, "✅", "works"),
        (["failed", "failed", "failed", "failed"], "❌", "fails"),
        (
            ["failed", "error", "failed", "failed"],
            "❌ 4.2, ❗ 5.2, ❌ 6.0+",
            "fails on 4.2, errors on 5.2, fails since 6.0",
        ),
        (
            ["unavailable", "passed", "passed", "passed"],
            "➖ 4.2, ✅ 5.2+",
            "not available on 4.2, works since 5.2",
        ),
        (
            ["failed", "passed", "passed", "passed"],
            "❌ 4.2, ✅ 5.2+",
            "fails on 4.2, works since 5.2",
        ),
        (
            ["passed", "passed", "failed", "failed"],
            "✅ 4.2–5.2, ❌ 6.0+",
            "works on 4.2–5.2, fails since 6.0",
        ),
        (
            ["passed", "failed", "passed", "passed"],
            "✅ 4.2, ❌ 5.2, ✅ 6.0+",
            "works on 4.2, fails on 5.2, works since 6.0",
        ),
        (
            ["not_run", "passed", "passed", "passed"],
            "❔ 4.2, ✅ 5.2+",
            "not run on 4.2, works since 5.2",
        ),
    ],
)
def test_rollups(statuses, short, long):
    assert compact(VERSIONS, statuses) == short
    assert words(VERSIONS, statuses) == long
