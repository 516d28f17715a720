"""Fixtures shared by the patterns. Like every pattern, it never looks at the engine."""

import pytest

from session_matrix.config import themes
from session_matrix.recorder import gate_since_django


def pytest_configure(config):
    for name, title in themes().items():
        config.addinivalue_line("markers", f"{name}: {title}")


def pytest_collection_modifyitems(items):
    # @pytest.mark.since_django("5.1"): on older Django the idiom is skipped as not available.
    gate_since_django(items)


@pytest.fixture
def user(django_user_model):
    """A user who can log in with the password ``wonderland``."""
    return django_user_model.objects.create_user("alice", password="wonderland")
