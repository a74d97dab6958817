"""Make `fake_discord` importable and check each test leaves discord.py's endpoints untouched."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests/ has no __init__.py, so pytest only puts this test directory on sys.path.
TESTS_DIR = str(Path(__file__).resolve().parents[1])
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)


@pytest.fixture(autouse=True)
def _restores_discord_endpoints() -> Iterator[None]:
    import discord.gateway
    import discord.http

    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    yield
    after = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert after == before, "a test left discord.py pointed at the fake"
