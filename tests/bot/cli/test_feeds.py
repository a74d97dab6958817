"""``kiosque feed …`` as a subprocess: follow a feed, poll it now and see what was indexed, list
it (with why it is paused), remove it; every refusal one line and exit 2.

The process fetches from the loopback news site, so it runs with ``ALLOW_PRIVATE_URLS`` (the
service tests, ``tests/bot/app/test_feeds.py``, keep the fetcher's refusals on).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from support.feed_server import FeedServer, Item, rss20

GUILD = "4242"


@pytest.fixture
def site() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def test_a_feed_is_followed_polled_listed_and_removed(cli: Callable, site: FeedServer) -> None:
    local = {"ALLOW_PRIVATE_URLS": "true", "SEMANTIC_MODEL": "off"}
    site.feeds["/rss"] = rss20([
        Item("marche", "Le marché", guid="m", link=f"{site.base}/articles/marche"),
        Item("broken", "Cassé", guid="b", link=f"{site.base}/articles/broken"),
    ])
    url = f"{site.base}/rss"
    added = cli("feed", "add", url, "--guild", GUILD, "--channel", "55", **local)
    assert added.code == 0, added.err
    assert f"Flux `1` suivi : {url}" in added.out
    again = cli("feed", "add", url, "--guild", GUILD, **local)
    assert again.code == 2
    assert again.err_lines == [f"kiosque: Ce serveur suit déjà ce flux : {url}."]

    polled = cli("feed", "poll", "--guild", GUILD, "--json", **local)
    assert polled.code == 0, polled.err
    [report] = polled.json_lines()
    assert [a["title"] for a in report["indexed"]] == ["Article marche"]
    assert report["failed"][0]["item"].endswith("/articles/broken")
    assert "HTTP 500" in report["failed"][0]["error"]
    text = cli("feed", "poll", "--guild", GUILD, KIOSQUE_LANGUAGE="en", **local)
    assert "Unchanged since the last poll" not in text.out  # a failed item: read whole again
    assert "item(s) read" in text.out

    listed = cli("feed", "list", "--guild", GUILD, KIOSQUE_LANGUAGE="en", **local)
    assert listed.code == 0 and "**Le Journal**" in listed.out and "channel 55" in listed.out
    site.feeds["/rss"] = "<!doctype html><html><body>plus de flux</body></html>"
    failed = cli("feed", "poll", "--guild", GUILD, KIOSQUE_LANGUAGE="en", **local)
    assert failed.code == 2 and "not an RSS or Atom feed" in failed.out
    shown = cli("feed", "list", "--json", **local)
    [feed] = shown.json_lines()
    assert feed["failures"] == 1 and "pas un flux RSS ou Atom" in feed["reason"]
    assert feed["space"] == f"guild:{GUILD}"

    paused = cli("feed", "pause", "1", "--guild", GUILD, **local)
    assert paused.code == 0 and "Flux en pause" in paused.out
    removed = cli("feed", "remove", url, "--guild", GUILD, **local)
    assert removed.code == 0 and "Flux retiré" in removed.out
    gone = cli("feed", "remove", url, "--guild", GUILD, **local)
    assert gone.code == 2 and gone.err_lines == [
        f"kiosque: flux inconnu : {url} (voir `kiosque feed list`)"]
    assert json.loads(cli("articles", "--json", "--guild", GUILD).out.splitlines()[0])[
        "title"] == "Article marche"


def test_feed_commands_refuse_in_one_line(cli: Callable) -> None:
    no_guild = cli("feed", "poll")
    assert no_guild.code == 2 and len(no_guild.err_lines) == 1 and "--guild" in no_guild.err
    private = cli("feed", "add", "http://127.0.0.1/rss", "--guild", GUILD)
    assert private.code == 2 and len(private.err_lines) == 1
    assert "127.0.0.1" in private.err and "Traceback" not in private.err
    empty = cli("feed", "list", "--guild", GUILD)
    assert empty.code == 0 and "Aucun flux suivi sur ce serveur" in empty.out
