"""The async side: AsyncClient, async views and the async session methods."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.async_session, pytest.mark.django_db(transaction=True)]


@pytest.mark.since_django("5.1", reason="SessionBase.aset()/asave() arrived in Django 5.1")
async def test_asession_aset_asave(async_client):
    """s = await async_client.asession(); await s.aset("foo", 2); await s.asave(); cookie update

    Expect: the view reads foo == 2.
    """
    session = await async_client.asession()
    await session.aset("foo", 2)
    await session.asave()
    async_client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    response = await async_client.get("/counter/")
    assert response.content == b"2"
