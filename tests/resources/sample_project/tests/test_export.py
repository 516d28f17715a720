"""The export: a job the shop files under the visitor's session."""

import pytest

pytestmark = pytest.mark.django_db


def test_export_status_after_starting(client):
    client.post("/export/")
    assert client.get("/export/status/").json() == {"status": "queued"}
