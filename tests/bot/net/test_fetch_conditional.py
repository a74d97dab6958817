"""A conditional GET through the fetcher: the server's validators come back with the page, a 304
to If-None-Match is a page that is ``not_modified``, and a 304 nobody asked for is not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.net.fetch import Page, fetch
from bot.settings import Settings
from support.feed_server import LAST_MODIFIED, FeedServer, Item, rss20

LOCAL = Settings(allow_private_urls=True, fetch_timeout=5)


@pytest.fixture
def site() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.feeds["/rss"] = rss20([Item("a", "A", guid="a")])
        yield server


def test_validators_come_back_and_a_304_is_not_modified(site: FeedServer) -> None:
    url = f"{site.base}/rss"

    async def scenario() -> tuple[Page, Page, Page]:
        first = await fetch(url, LOCAL)
        again = await fetch(url, LOCAL, headers={"If-None-Match": first.etag or ""})
        stale = await fetch(url, LOCAL, headers={"If-None-Match": '"old"'})
        return first, again, stale

    first, again, stale = asyncio.run(scenario())
    assert first.etag and first.last_modified == LAST_MODIFIED and not first.not_modified
    assert b"<rss" in first.data
    assert again.not_modified and again.data == b"" and again.etag == first.etag
    assert stale.data == first.data and not stale.not_modified


def test_a_304_nobody_asked_for_is_not_taken_for_not_modified(site: FeedServer) -> None:
    page = asyncio.run(fetch(f"{site.base}/always-304", LOCAL))
    assert not page.not_modified and page.data == b""  # an empty page, as before
