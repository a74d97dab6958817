"""A public bot in many servers: each server's library its own, threads, DMs, admin roles."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
from tests.bot.adapter.harness import run, running_bot

REPORT = "Le conseil vote le budget\n\nLe conseil municipal a voté le budget de la ville mardi.\n"
FORGED = "Le conseil vote le budget\n\nLe conseil municipal a vendu la ville à un pirate.\n"


def second_guild() -> FakeGuild:
    """Another server: its own owner, an admin and a member, one channel."""
    guild = FakeGuild(name="Autre serveur")
    admins = FakeRole("Admins", ADMINISTRATOR, position=2)
    guild.roles.append(admins)
    guild.channels.append(FakeChannel("salon"))
    owner = FakeMember(FakeUser("attacker"))
    guild.members += [owner, FakeMember(FakeUser("accomplice"))]
    guild.owner_id = owner.id
    return guild


def two_servers() -> tuple[FakeDiscord, FakeGuild, FakeGuild]:
    first, second = default_guild(), second_guild()
    return FakeDiscord(guilds=[first, second]), first, second


def test_each_server_has_its_own_library_and_cannot_touch_another(tmp_path: Path) -> None:
    fake, home, other = two_servers()

    async def scenario() -> None:
        async with running_bot(tmp_path, fake) as (discord, _):
            admin = home.member("admin")
            report = discord.add_attachment("budget.txt", REPORT.encode(), "text/plain")
            done = await (await discord.send_slash("reindex", {"file": report}, user=admin)).saying(
                "indexé"
            )
            assert "version 1" in done.content
            # The other server's owner indexes a file with the very same title.
            attacker = other.member("attacker")
            forged = discord.add_attachment("budget.txt", FORGED.encode(), "text/plain")
            elsewhere = await discord.send_slash(
                "reindex", {"file": forged}, user=attacker, channel=other.channel("salon")
            )
            assert "version 1" in (await elsewhere.saying("indexé")).content  # its own article
            asked = await discord.send_slash(
                "ask", {"question": "Qu'a fait le conseil municipal ?"}, user=home.member("member")
            )
            answer = (await asked.response()).content
            assert "a voté le budget de la ville" in answer and "pirate" not in answer
            listed = await discord.send_slash("articles", {}, user=home.member("member"))
            shown = (await listed.response()).content
            assert "Le conseil vote le budget" in shown
            theirs = await discord.send_slash(
                "articles", {}, user=attacker, channel=other.channel("salon")
            )
            their_list = (await theirs.response()).content
            # Each server sees the bundled article and its own budget, nothing of the other's.
            assert their_list.count("Le conseil vote le budget") == 1
            home_budget = next(
                line.split("`")[1] for line in shown.splitlines() if "Le conseil vote" in line
            )
            assert f"`{home_budget}`" not in their_list
            use = await discord.send_slash(
                "use", {"article": home_budget}, user=attacker, channel=other.channel("salon")
            )
            refused = await use.response()
            assert refused.ephemeral and "article inconnu" in refused.content

    run(scenario())


def test_a_thread_answers_from_its_parent_channels_article(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin = fake.guild.member("admin")
            general = fake.guild.channel("general")
            report = fake.add_attachment("budget.txt", REPORT.encode(), "text/plain")
            await (await fake.send_slash("reindex", {"file": report}, user=admin,
                                         channel=general)).saying("indexé")
            # A newer article elsewhere must not win in the thread.
            newer = fake.add_attachment(
                "port.txt", b"Le port ouvre\n\nLe port de Marseille ouvre un terminal.\n"
            )
            await (await fake.send_slash("reindex", {"file": newer}, user=admin,
                                         channel=fake.guild.channel("annonces"))).saying("indexé")
            thread = fake.guild.channel("discussion")
            asked = await fake.send_slash(
                "ask", {"question": "Qu'a voté le conseil municipal ?"},
                user=fake.guild.member("member"), channel=thread,
            )
            assert "a voté le budget de la ville" in (await asked.response()).content

    run(scenario())


def test_a_direct_message_is_answered_without_a_mention(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            reader = fake.guild.member("member")
            message = await fake.send_dm(reader, "Qui a ratifié le traité ?")
            replies = await message.replies()
            assert "ratifié un traité de défense mutuelle" in replies[0].content
            forget = await fake.send_slash("forget", {}, user=reader, dm=True)
            assert "effacé" in (await forget.response()).content

    run(scenario())


def test_the_admin_role_is_kept_by_id_never_everyone_and_can_be_cleared(tmp_path: Path) -> None:
    guild = default_guild()
    editors = FakeRole("Rédaction", 0, position=1)
    lookalike = FakeRole("rédaction", 0, position=1)  # same name, another role
    guild.roles += [editors, lookalike]
    editor = FakeMember(FakeUser("editor"), roles=[editors])
    impostor = FakeMember(FakeUser("impostor"), roles=[lookalike])
    guild.members += [editor, impostor]

    async def scenario() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild])) as (fake, _):
            owner = guild.member("owner")
            everyone = await fake.send_slash("config", {"admin_role": guild.everyone}, user=owner)
            refused = await everyone.response()
            assert refused.ephemeral and "@everyone" in refused.content
            await (await fake.send_slash("config", {"admin_role": editors}, user=owner)).response()
            report = fake.add_attachment("budget.txt", REPORT.encode(), "text/plain")
            by_editor = await fake.send_slash("reindex", {"file": report}, user=editor)
            assert "indexé" in (await by_editor.saying("indexé")).content
            by_impostor = await fake.send_slash("reindex", {"file": report}, user=impostor)
            assert (await by_impostor.response()).ephemeral
            await (await fake.send_slash("config", {"clear_admin_role": True},
                                         user=owner)).response()
            again = await fake.send_slash("reindex", {"file": report}, user=editor)
            assert "réservée" in (await again.response()).content

    run(scenario())


def test_only_manage_server_changes_or_clears_the_admin_role(tmp_path: Path) -> None:
    guild = default_guild()
    editors = FakeRole("Rédaction", 0, position=1)
    anyone = FakeRole("Curieux", 0, position=1)  # a role members give themselves
    guild.roles += [editors, anyone]
    editor = FakeMember(FakeUser("editor"), roles=[editors])
    joiner = FakeMember(FakeUser("joiner"), roles=[anyone])
    guild.members += [editor, joiner]

    async def scenario() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild])) as (fake, _):
            owner = guild.member("owner")
            await (await fake.send_slash("config", {"admin_role": editors}, user=owner)).response()
            for change in ({"admin_role": anyone}, {"clear_admin_role": True},
                           {"admin_role": anyone, "thread_answers": True}):
                refused = await (await fake.send_slash("config", change, user=editor)).response()
                assert refused.ephemeral and "Gérer le serveur" in refused.content, change
                assert refused.content.count("\n") == 0
            # The admin role still changes the other settings; nothing above was written.
            shown = await (await fake.send_slash("config", {"language": "en"},
                                                 user=editor)).response()
            assert f"<@&{editors.id}>" in shown.content and "Mentions answered in a new " \
                "thread: no" in shown.content
            report = fake.add_attachment("budget.txt", REPORT.encode(), "text/plain")
            by_joiner = await fake.send_slash("reindex", {"file": report}, user=joiner)
            assert "Restricted" in (await by_joiner.response()).content
            # Administrator carries Manage Server.
            await (await fake.send_slash("config", {"admin_role": anyone},
                                         user=guild.member("admin"))).response()
            by_joiner = await fake.send_slash("reindex", {"file": report}, user=joiner)
            assert "indexed" in (await by_joiner.saying("indexed")).content

    run(scenario())


def test_an_attachment_that_fails_after_the_defer_is_reported_privately(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            gone = fake.add_attachment("parti.txt", b"Titre\n\nTexte.\n", "text/plain")
            del fake.attachments[gone["id"]]  # Discord answers 404 for it now
            handle = await fake.send_slash("reindex", {"file": gone},
                                           user=fake.guild.member("admin"))
            assert (await handle.callback()).callback_type == 5  # public "thinking…"
            error = await handle.saying("parti.txt")
            assert error.ephemeral
            deleted = [r for r in handle.requests if r.route == "webhook_message"
                       and r.method == "DELETE"]
            assert deleted, "the public thinking message must be deleted before the error"

    run(scenario())


def test_one_cooldown_notice_per_window_for_a_flood_of_mentions(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path, COOLDOWN_QUESTIONS="2", COOLDOWN_SECONDS="60") as (
            fake, _
        ):
            member = fake.guild.member("member")
            general = fake.guild.channel("general")
            first = None
            for n in range(8):
                handle = await fake.send_message(
                    general, member, f"{fake.bot.mention} Qui a ratifié le traité ? {n}"
                )
                first = first or handle
            await first.replies(count=3, timeout=30)
            await asyncio.sleep(1.5)  # time for any extra notice to arrive
            posted = [
                r.content for r in fake.recorder.find_all(
                    lambda r: r.route == "create_message"
                    and r.params.get("channel_id") == general.id,
                    start=first.start,
                )
            ]
            assert sum("ratifié un traité" in text for text in posted) == 2, posted
            assert sum("Doucement" in text for text in posted) == 1

    run(scenario())


def test_every_message_suppresses_link_previews(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            asked = await fake.send_slash(
                "ask", {"question": "Qui a ratifié le traité ? https://example.org"},
                user=fake.guild.member("member"),
            )
            answer = await asked.response()
            assert answer.flags & 4  # SUPPRESS_EMBEDS

    run(scenario())
