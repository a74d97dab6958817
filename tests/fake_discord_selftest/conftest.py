"""Check that each self-test leaves discord.py's endpoints as it found them."""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restores_discord_endpoints() -> Iterator[None]:
    import discord.gateway
    import discord.http

    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    yield
    after = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert after == before, "a test left discord.py pointed at the fake"
