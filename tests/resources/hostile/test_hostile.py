"""Patterns whose ids, docstrings and code carry text that must never act in a report."""

import pytest

pytestmark = pytest.mark.before_request


@pytest.mark.parametrize("value", ["a`b", "<script>window.pwned=1</script>", "x|y"])
def test_hostile_ids(value):
    """s = client.session; s["`"] = "<b>|</b>" `end` <img src=x onerror="window.pwned=1">

    Expect: *nothing* _acts_ [here](javascript:alert(1)) | ~~struck~~ <script>x=1</script>
    Why: `backticks` and <i>tags</i> | pipes.
    Fix: ``` a fence ``` and [a link](http://example.com) & &amp;.
    Source: https://example.com/ticket?a=1&b=<2> and javascript:alert(1)
    Kind: mistake
    """
    assert value == "<b>"
