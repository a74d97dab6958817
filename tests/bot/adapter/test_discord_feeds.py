"""News feeds on Discord, end to end: a real ``kiosque run`` against the Discord fake and the
loopback news site (``support/feed_server.py``).

``/feed`` is for admins; the bot's loop polls the due feeds and posts each new article once
in its feed's channel, with « Résumé » and « Poser une question »; in a forum each article gets
a post of its own, whose questions are about it; a restart posts nothing twice; a channel that
is gone or closed to the bot pauses its feed with one notice to the admins.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.service import Kiosque
from bot.settings import Settings
from bot.values import guild_space
from support.bot_process import running_shards, shard_client
from support.fake_discord import (
    GUILD_FORUM,
    SEND_MESSAGES,
    FakeChannel,
    FakeDiscord,
    FakeOverwrite,
    default_guild,
)
from support.feed_server import FeedServer, Item, rss20, story
from tests.bot.adapter.harness import run, running_bot

SUPPRESS_EMBEDS = 1 << 2
# The site is on loopback (the fetcher refuses it unless told), polled every 0.3 s.
ENV = {"ALLOW_PRIVATE_URLS": "1", "FEED_POLL_SECONDS": "0.3", "SEMANTIC_MODEL": "off"}


@pytest.fixture
def site() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def _items(site: FeedServer, *subjects: str) -> list[Item]:
    items = []
    for n, subject in enumerate(subjects):
        slug = subject.replace(" ", "-")
        site.pages[slug] = story(slug, subject)
        items.append(Item(slug, f"Le projet {subject} adopté", guid=f"{slug}:{n}",
                          link=f"{site.base}/articles/{slug}"))
    return items


def _in(channel: FakeChannel) -> object:
    return lambda r: r.params.get("channel_id") == channel.id and r.ok


def _feeds(folder: Path) -> list[tuple]:
    with sqlite3.connect(folder / "kiosque.db") as db:
        return db.execute("SELECT id, paused, pause_reason FROM feeds ORDER BY id").fetchall()


def _active(folder: Path, channel: str) -> int | None:
    with sqlite3.connect(folder / "kiosque.db") as db:
        row = db.execute("SELECT article_id FROM channels WHERE channel = ?",
                         (channel,)).fetchone()
    return row[0] if row else None


def _forget_synced_commands(folder: Path) -> None:
    # A new fake knows no commands: the bot syncs them again, as on a first start.
    with sqlite3.connect(folder / "kiosque.db") as db:
        db.execute("DELETE FROM meta WHERE key LIKE 'commands:%'")


def test_admin_follows_a_feed_its_articles_are_posted_once_and_asked_about(
    tmp_path: Path, site: FeedServer
) -> None:
    guild = default_guild()
    news = guild.channel("annonces")
    site.feeds["/rss"] = rss20(_items(site, "piscine olympique", "tramway"))
    url = f"{site.base}/rss"
    kept: dict[str, object] = {}

    async def first() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild]), **ENV) as (fake, _):
            refused = await (await fake.send_slash(
                "feed add", {"url": url, "channel": news}, user=guild.member("member"),
            )).response()
            assert refused.ephemeral and "Gérer le serveur" in refused.content
            assert _feeds(tmp_path) == []
            added = await (await fake.send_slash(
                "feed add", {"url": url, "channel": news}, user=guild.member("admin"),
            )).response()
            assert added.ephemeral and "Flux `1` suivi" in added.content
            posted = await fake.wait_for("create_message", _in(news), count=2, timeout=60)
            # In the feed's order; each once, short, without link preview, with two buttons.
            assert "**Article piscine-olympique**" in posted[0].content
            assert "**Article tramway**" in posted[1].content
            for message in posted:
                assert "Le Journal" in message.content and "deux millions" not in message.content
                assert "Le conseil municipal a examiné le dossier" in message.content
                assert message.flags & SUPPRESS_EMBEDS
                assert [b.label for b in message.buttons] == ["Résumé", "Poser une question"]
            await asyncio.sleep(1.5)  # a few more rounds of the loop
            assert len(fake.requests_for("create_message")) == 2
            assert _active(tmp_path, news.id) is None  # /config feed_articles is off
            # « Poser une question » makes it the channel's article and says how to ask.
            piscine = posted[0]
            ask = next(b.custom_id for b in piscine.buttons if b.label == "Poser une question")
            told = await (await fake.press(piscine, ask, user=guild.member("member"))).response()
            assert told.ephemeral and "utilise maintenant l’article" in told.content
            assert "piscine-olympique" in told.content and "/ask:" in told.content
            article = _active(tmp_path, news.id)
            assert article is not None
            asked = await (await fake.send_slash(
                "ask", {"question": "Combien coûtera le projet ?"}, user=guild.member("member"),
                channel=news,
            )).response()
            assert "deux millions" in asked.content and "piscine" in asked.content
            summary = next(b.custom_id for b in piscine.buttons if b.label == "Résumé")
            shown = await (await fake.press(piscine, summary,
                                            user=guild.member("member"))).response()
            assert shown.ephemeral and "piscine" in shown.content
            kept["article"] = article

    async def second() -> None:
        # A new bot process on the same database: nothing is posted again; a new item is.
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild]), **ENV) as (fake, _):
            await asyncio.sleep(1.5)
            assert fake.requests_for("create_message") == []
            site.feeds["/rss"] = rss20(_items(site, "médiathèque", "piscine olympique",
                                              "tramway"))
            admin = guild.member("admin")
            configured = await (await fake.send_slash(
                "config", {"feed_articles": True, "link_previews": True}, user=admin,
            )).response()
            assert "devient l’article de son salon" in configured.content
            choices = await (await fake.send_autocomplete(
                "feed resume", {"feed": "journal"}, focused="feed", user=admin)).choices()
            assert choices == [{"name": "1 · Le Journal", "value": "1"}]
            resumed = await (await fake.send_slash(
                "feed resume", {"feed": "1"}, user=admin)).response()
            assert "Flux repris" in resumed.content  # polled at the next round
            [posted] = await fake.wait_for("create_message", _in(news), timeout=60)
            assert "médiathèque" in posted.content
            assert not posted.flags & SUPPRESS_EMBEDS  # the server wants link previews
            await asyncio.sleep(1.0)
            assert len(fake.requests_for("create_message")) == 1
            # /config feed_articles: the new article became the channel's.
            active = _active(tmp_path, news.id)
            assert active is not None and active != kept["article"]

    run(first())
    _forget_synced_commands(tmp_path)
    run(second())


def test_a_forum_gets_one_post_per_article_and_a_question_there_is_about_it(
    tmp_path: Path, site: FeedServer
) -> None:
    guild = default_guild()
    forum = FakeChannel("nouvelles", type=GUILD_FORUM, position=2)
    guild.channels.append(forum)
    site.feeds["/rss"] = rss20(_items(site, "piscine olympique", "tramway"))

    async def scenario() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild]), **ENV) as (fake, _):
            await (await fake.send_slash(
                "feed add", {"url": f"{site.base}/rss", "channel": forum},
                user=guild.member("admin"),
            )).response()
            posts = await fake.wait_for("start_thread_without_message", _in(forum), count=2,
                                        timeout=60)
            await asyncio.sleep(1.0)
            assert len(fake.requests_for("start_thread_without_message")) == 2
            assert fake.requests_for("create_message") == []  # a forum takes no message
            names = [p.json["name"] for p in posts]
            assert names == ["Article piscine-olympique", "Article tramway"]
            first = posts[0].response["message"]
            assert "Le conseil municipal a examiné le dossier piscine" in first["content"]
            assert first["flags"] & SUPPRESS_EMBEDS
            thread = posts[0].response["id"]
            asked = await (await fake.send_slash(
                "ask", {"question": "Combien coûtera le projet ?"},
                user=guild.member("member"), channel=thread,
            )).response()
            assert "deux millions" in asked.content and "piscine" in asked.content
            assert "tramway" not in asked.content

    run(scenario())


def test_a_deleted_or_closed_channel_pauses_its_feed_with_one_notice(
    tmp_path: Path, site: FeedServer
) -> None:
    guild = default_guild()
    gone = guild.channel("annonces")
    closed = FakeChannel("fermé", position=3)
    guild.channels.append(closed)
    site.feeds["/a"] = rss20(_items(site, "piscine olympique"))
    site.feeds["/b"] = rss20(_items(site, "tramway"))

    async def scenario() -> None:
        fake = FakeDiscord(guilds=[guild])
        closed.overwrites.append(FakeOverwrite(fake.bot.id, type=1, deny=SEND_MESSAGES))
        async with running_bot(tmp_path, fake, **ENV):
            admin = guild.member("admin")
            # Deleted while the bot was away: its cache still holds it, Discord answers 404.
            await fake.delete_channel(gone, tell_bot=False)
            for path, channel in (("/a", gone), ("/b", closed)):
                await (await fake.send_slash(
                    "feed add", {"url": f"{site.base}{path}", "channel": channel}, user=admin,
                )).response()
            general = guild.channel("general")
            notices = await fake.wait_for("create_message", _in(general), count=2, timeout=60)
            texts = sorted(n.content for n in notices)
            assert any("n’existe plus" in t for t in texts)
            assert any("n’a pas le droit d’écrire" in t for t in texts)
            assert all("/feed resume" in t for t in texts)
            await asyncio.sleep(1.5)  # more rounds: no second notice, no retry
            assert len(fake.requests_for("create_message")) == 4  # 2 refused, 2 notices
            assert [paused for _, paused, _ in _feeds(tmp_path)] == [1, 1]
            listing = await (await fake.send_slash("feed list", {}, user=admin)).response()
            assert listing.ephemeral and listing.content.count("en pause :") == 2

    run(scenario())


def test_two_shard_processes_on_postgres_index_and_post_each_item_once(
    tmp_path: Path, site: FeedServer, postgres_server: object
) -> None:
    first, second = default_guild(shard=(0, 2)), default_guild(shard=(1, 2))
    fake = FakeDiscord(guilds=[first, second], shard_count=2, interaction_ack_timeout=None)
    url = postgres_server.create_database()
    site.delay = 0.05  # polls overlap: both processes find the same feeds due
    feeds = {}
    for g, guild in enumerate((first, second)):
        for f in range(3):
            path = f"/g{g}f{f}"
            site.feeds[path] = rss20(_items(site, *(f"sujet {g} {f} {n}" for n in range(3))))
            feeds[path] = guild

    async def scenario() -> None:
        settings = Settings(database_url=url, semantic=False, allow_private_urls=True)
        kiosque = await Kiosque.open(settings, seed=False)
        try:
            for path, guild in feeds.items():
                await kiosque.add_feed(guild_space(int(guild.id)), f"{site.base}{path}",
                                       int(guild.channel("annonces").id))
        finally:
            await kiosque.close()
        async with fake, running_shards(tmp_path, fake, url, **ENV):
            posted = await fake.wait_for("create_message", lambda r: r.ok, count=18,
                                         timeout=120)
            await asyncio.sleep(2.0)  # more rounds in both processes
            assert len(fake.requests_for("create_message")) == 18
            for request in posted:
                shard = 0 if request.params["channel_id"] == first.channel("annonces").id else 1
                assert request.client == shard_client(shard)  # the server's own process
            # Each feed and each page was read once, by one process or the other.
            assert all(len(site.hits(path)) == 1 for path in feeds)
            assert len([p for p, _ in site.requests if p.startswith("/articles/")]) == 18
        kiosque = await Kiosque.open(Settings(database_url=url, semantic=False), seed=False)
        try:
            rows = await kiosque.database.fetchall(
                "SELECT source_key, current_version FROM articles WHERE source_key LIKE ?",
                ("%/articles/sujet%",),
            )
            items = await kiosque.database.fetchall(
                "SELECT state, announced FROM feed_items", ())
        finally:
            await kiosque.close()
        assert len(rows) == 18 and {row["current_version"] for row in rows} == {1}
        assert [(i["state"], i["announced"]) for i in items] == [("indexed", 1)] * 18

    try:
        run(scenario())
    finally:
        postgres_server.drop_database(url)
