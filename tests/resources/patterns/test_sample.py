"""A tiny pattern module: one pattern per outcome the recorder must tell apart."""

import pytest

pytestmark = pytest.mark.before_request


@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")


def test_passes():
    """x = 1

    Expect: it holds.
    """
    assert 1 == 1


def test_key_error():
    """session["foo"] on an empty session

    Expect: foo is there.
    Why: nothing stored it.
    Fix: store it first.
    Kind: mistake
    Twin: test_passes
    """
    {}["foo"]


def test_setup_error(broken):
    """a fixture that raises"""


def test_skips_itself():
    """pytest.skip"""
    pytest.skip("not today")


def test_not_run_here():
    """a pattern whose browser is missing

    Depends: a browser on the machine.
    """
    from session_matrix.core.recorder import not_run

    not_run("no Chromium at 'chromium' (apt-get install chromium)")


def test_service_went_away():
    """a pattern whose service dies under it"""
    raise ConnectionResetError("connection reset by peer")


@pytest.mark.since_django("99.0", reason="from the future")
def test_from_the_future():
    """an idiom from Django 99"""


@pytest.mark.auth
class TestGrouped:
    def test_method(self):
        """a method in a class

        Expect: found with its class in the node id.
        """
