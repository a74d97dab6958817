"""Self-test: forum channels (type 15) take posts, not messages, as Discord does; a deleted
channel answers 404 10003."""

from __future__ import annotations

import aiohttp

from support.fake_discord import GUILD_FORUM, SEND_MESSAGES, FakeChannel, FakeDiscord, FakeOverwrite
from support.fake_discord.models import SUPPRESS_EMBEDS
from tests.fake_discord_selftest.harness import run

HEADERS = {"Authorization": "Bot x"}


def _forum(fake: FakeDiscord) -> FakeChannel:
    forum = FakeChannel("nouvelles", type=GUILD_FORUM)
    fake.guild.channels.append(forum)
    return forum


def test_a_forum_post_needs_a_message_and_a_short_name_and_its_message_has_its_id() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, aiohttp.ClientSession(headers=HEADERS) as session:
            forum = _forum(fake)
            threads = f"{fake.api_base}/channels/{forum.id}/threads"
            async with session.post(threads, json={"name": "Sans message"}) as resp:
                assert resp.status == 400
                assert "message" in (await resp.json())["errors"]
            async with session.post(threads, json={"name": "x" * 101,
                                                   "message": {"content": "a"}}) as resp:
                assert resp.status == 400 and "name" in (await resp.json())["errors"]
            async with session.post(threads, json={"name": "Un post", "message": {
                    "content": "Premier message", "flags": SUPPRESS_EMBEDS}}) as resp:
                assert resp.status == 200
                post = await resp.json()
            assert post["type"] == 11 and post["parent_id"] == forum.id
            assert post["message"]["id"] == post["id"]
            assert post["message"]["channel_id"] == post["id"]
            assert post["message"]["flags"] == SUPPRESS_EMBEDS
            async with session.post(f"{fake.api_base}/channels/{forum.id}/messages",
                                    json={"content": "hors d'un post"}) as resp:
                assert resp.status == 400 and (await resp.json())["code"] == 50008
            # The post is a channel: messages go there.
            async with session.post(f"{fake.api_base}/channels/{post['id']}/messages",
                                    json={"content": "dans le post"}) as resp:
                assert resp.status == 200

    run(body)


def test_a_forum_post_needs_send_messages_and_a_deleted_channel_is_unknown() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, aiohttp.ClientSession(headers=HEADERS) as session:
            forum = _forum(fake)
            forum.overwrites.append(FakeOverwrite(fake.bot.id, type=1, deny=SEND_MESSAGES))
            async with session.post(f"{fake.api_base}/channels/{forum.id}/threads", json={
                    "name": "Un post", "message": {"content": "a"}}) as resp:
                assert resp.status == 403 and (await resp.json())["code"] == 50013
            general = fake.guild.channel("general")
            await fake.delete_channel(general, tell_bot=False)
            async with session.post(f"{fake.api_base}/channels/{general.id}/messages",
                                    json={"content": "a"}) as resp:
                assert resp.status == 404 and (await resp.json())["code"] == 10003
            async with session.get(f"{fake.api_base}/channels/{general.id}") as resp:
                assert resp.status == 404

    run(body)
