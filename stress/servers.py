"""Two servers and hostile members through the Discord fake: cross-server attempts and floods.

Every attempt names what it tried; ``check_servers`` returns how many were tried and the ones
that got through (a server reading or changing another's library, a flood that was not
stopped, a message that pings, unfurls links or echoes direction characters).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from support.bot_process import running_bot
from support.fake_discord import (
    ADMINISTRATOR,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    default_guild,
)

SUPPRESS_EMBEDS = 1 << 2
OURS = "Le conseil vote le budget\n\nLe conseil municipal a voté le budget de la ville mardi.\n"
THEIRS = "Le conseil vote le budget\n\nLe conseil municipal a vendu la ville à un pirate.\n"


def _hostile_server() -> FakeGuild:
    guild = FakeGuild(name="Serveur hostile")
    guild.roles.append(FakeRole("Admins", ADMINISTRATOR, position=2))
    guild.channels.append(FakeChannel("repaire"))
    owner = FakeMember(FakeUser("attacker"))
    guild.members.append(owner)
    guild.owner_id = owner.id
    return guild


async def _attempts(fake: FakeDiscord, home: FakeGuild, hostile: FakeGuild) -> list[str]:
    failures: list[str] = []
    admin, member = home.member("admin"), home.member("member")
    attacker, lair = hostile.member("attacker"), hostile.channel("repaire")

    async def say(name: str, options: dict, user: object, channel: object = None) -> str:
        handle = await fake.send_slash(name, options, user=user, channel=channel)
        return (await handle.response(timeout=60)).content or ""

    ours = fake.add_attachment("budget.txt", OURS.encode(), "text/plain")
    await say("reindex", {"file": ours}, admin)
    listed = await say("articles", {}, member)
    ids = re.findall(r"`(\d+)`", listed)
    # 1. Same title from the other server: its own article, ours untouched.
    theirs = fake.add_attachment("budget.txt", THEIRS.encode(), "text/plain")
    await say("reindex", {"file": theirs}, attacker, lair)
    answer = await say("ask", {"question": "Qu'a fait le conseil municipal ?"}, member)
    if "pirate" in answer or "voté le budget" not in answer:
        failures.append("a same-title reindex from another server changed our article")
    # 2. Our ids from the other server: unknown there.
    for article_id in ids:
        used = await say("use", {"article": article_id}, attacker, lair)
        if "inconnu" not in used:
            failures.append(f"/use {article_id} from another server was accepted")
    # 3. Autocomplete and listing never show our titles there.
    handle = await fake.send_autocomplete("use", {"article": "budget"}, focused="article",
                                          user=attacker, channel=lair)
    choices = await handle.choices()
    if any(choice["value"] in ids for choice in choices):
        failures.append("autocomplete in another server offered our articles")
    their_list = await say("articles", {}, attacker, lair)
    if any(f"`{article_id}`" in their_list for article_id in ids):
        failures.append("/articles in another server listed our articles")
    # 4. A question asked there is answered from their library only.
    there = await say("ask", {"question": "Qu'a fait le conseil municipal ?"}, attacker, lair)
    if "voté le budget de la ville" in there:
        failures.append("a question in another server quoted our article")
    return failures


async def _floods(fake: FakeDiscord, home: FakeGuild) -> list[str]:
    failures: list[str] = []
    admin, member = home.member("admin"), home.member("member")
    general = home.channel("general")
    # A 10 000-character title and a 5 000-section article: a handful of messages at most.
    title = "Titre " * 1700
    long_title = fake.add_attachment("titre.txt", f"{title}\n\nUne phrase du texte.\n".encode())
    start = fake.recorder.next_index
    handle = await fake.send_slash("reindex", {"file": long_title}, user=admin)
    await handle.saying("indexé", timeout=60)
    sections = "Rapport\n\n" + "\n\n".join(
        f"Partie {n}\n\nLa partie {n} dit une chose." for n in range(5000)
    )
    many = fake.add_attachment("sections.txt", sections.encode())
    handle = await fake.send_slash("reindex", {"file": many}, user=admin)
    await handle.saying("indexé", timeout=120)
    posted = [r for r in fake.recorder.find_all(
        lambda r: r.route in ("followup", "create_message", "interaction_callback"),
        start=start)]
    if len(posted) > 6:
        failures.append(f"two reindexes posted {len(posted)} messages")
    # A question with a link, a mention of everyone and a direction override.
    asked = await fake.send_slash(
        "ask", {"question": "Qui a voté ? https://example.org @everyone \u202eevil"}, user=member
    )
    reply = await asked.response(timeout=60)
    if not reply.flags & SUPPRESS_EMBEDS:
        failures.append("an answer without SUPPRESS_EMBEDS")
    if "\u202e" in (reply.content or ""):
        failures.append("a direction override echoed")
    if re.search(r"(?<!\u200b)@everyone", reply.content or ""):
        failures.append("@everyone echoed live")
    # Fifteen mentions in a row: answered up to the cooldown, one notice, then silence.
    start = fake.recorder.next_index
    for n in range(15):
        await fake.send_message(general, member, f"{fake.bot.mention} Qui a voté ? {n}")
    await asyncio.sleep(3)
    replies = [r.content or "" for r in fake.recorder.find_all(
        lambda r: r.route == "create_message", start=start)]
    notices = sum("Doucement" in text for text in replies)
    if notices != 1:
        failures.append(f"15 mentions got {notices} cooldown notices")
    return failures


async def _run() -> tuple[int, list[str]]:
    home, hostile = default_guild(), _hostile_server()
    fake = FakeDiscord(guilds=[home, hostile])
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(Path(tmp), fake) as (discord, _):
            failures = await _attempts(discord, home, hostile)
            failures += await _floods(discord, home)
    return 11, failures


def check_servers() -> tuple[int, list[str]]:
    """Cross-server attempts and floods; (kinds of attempt tried, those that got through)."""
    return asyncio.run(_run())
