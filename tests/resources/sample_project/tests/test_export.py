"""The export: a job the shop files under the visitor's session."""

import pytest

pytestmark = pytest.mark.django_db


def test_export_status_after_starting(client):
    client.post("/export/")
    assert client.get("/export/status/").json() == {"status": "queued"}


def test_export_page_after_starting(client):
    client.post("/export/")
    assert client.session["exporting"] is True
    assert client.get("/export/page/").json() == {"status": "queued"}
