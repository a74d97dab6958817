"""Discord-native features end to end: buttons, the message menu, French commands, options with
autocomplete, thread answers, paged lists, the welcome, rate limits and expired tokens."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from stress.kills import medium_article
from support.fake_discord import FakeChannel, FakeDiscord, FakeGuild, default_guild
from tests.bot.adapter.harness import run, running_bot, stop

MISSILE = "Quel missile a été testé ?"


def custom_ids(request: object) -> list[str]:
    return [button.custom_id for button in request.buttons]


def test_buttons_under_an_answer_vote_show_more_and_survive_a_restart(tmp_path: Path) -> None:
    guild = default_guild()
    kept: dict[str, object] = {}

    async def first() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild])) as (fake, _):
            member = guild.member("member")
            asked = await fake.send_slash("ask", {"question": MISSILE}, user=member)
            answer = await asked.response()
            ids = custom_ids(answer)
            votes = [i for i in ids if i.startswith("kq:vote:")]
            more = next(i for i in ids if i.startswith("kq:more:"))
            see = next(i for i in ids if i.startswith("kq:see:"))
            assert len(votes) == 2
            down = next(i for i in votes if i.endswith(":0"))
            told = await (await fake.press(answer, down, user=member)).response()
            assert told.ephemeral and "👎 1" in told.content
            shown = await (await fake.press(answer, more, user=member)).response()
            assert shown.ephemeral and "Autres passages" in shown.content
            assert "missile balistique intercontinental" not in shown.content.split("\n\n")[1]
            around = await (await fake.press(answer, see, user=member)).response()
            assert around.ephemeral and "missile balistique intercontinental" in around.content
            kept.update(message=fake.message(answer), up=next(i for i in votes if i.endswith(":1")))

    async def second() -> None:
        async with running_bot(tmp_path, FakeDiscord(guilds=[guild])) as (fake, _):
            # The bot restarted: the old message's button still works, and changes the vote.
            fake.messages[kept["message"]["id"]] = kept["message"]
            changed = await (await fake.press(kept["message"], kept["up"],
                                              user=guild.member("member"))).response()
            assert "👍 1, 👎 0" in changed.content

    run(first())
    _forget_synced_commands(tmp_path)
    run(second())
    report = subprocess.run(
        [sys.executable, "-m", "bot", "feedback", "--json"], cwd=tmp_path, capture_output=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'kiosque.db'}"},
        text=True, timeout=60, check=True,
    )
    [article] = [json.loads(line) for line in report.stdout.splitlines()]
    assert (article["up"], article["down"]) == (1, 0)


def _forget_synced_commands(folder: Path) -> None:
    # A new fake knows no commands: the bot must sync them again, as on a first start.
    import sqlite3

    with sqlite3.connect(folder / "kiosque.db") as db:
        db.execute("DELETE FROM meta WHERE key LIKE 'commands:%'")


def test_the_message_menu_checks_a_message_privately_and_can_post_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            general = fake.guild.channel("general")
            said = await fake.send_message(general, fake.guild.member("owner"),
                                           "Paraît que la Russie a ratifié un traité ?")
            checked = await fake.send_context_menu(
                "Check against the article", said, user=fake.guild.member("member")
            )
            answer = await checked.response()
            # Answered to the caller alone, with a passage of the article on the treaty
            quoted = [line for line in answer.content.splitlines() if line.startswith("> ")]
            assert answer.ephemeral and quoted and "traité" in quoted[0]
            publish = next(i for i in custom_ids(answer) if i.startswith("kq:publish"))
            start = fake.recorder.next_index
            await (await fake.press(answer, publish, user=fake.guild.member("member"))).callback()
            posted = await fake.recorder.wait_for(
                lambda r: r.route == "create_message"
                and r.params.get("channel_id") == general.id,
                start=start, timeout=10, what="the published answer",
            )
            assert quoted[0] in posted[0].content  # the same answer, now in the channel

    run(scenario())


def test_commands_are_synced_with_french_names_and_default_permissions(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            ask = fake.synced_command("ask")
            assert ask["name_localizations"]["fr"] == "question"
            assert ask["description_localizations"]["fr"].startswith("Poser une question")
            options = {o["name"]: o for o in ask["options"]}
            assert options["article"]["autocomplete"] and options["article"]["name_localizations"]
            summary = fake.synced_command("summary")
            length = next(o for o in summary["options"] if o["name"] == "length")
            assert {c["name_localizations"]["fr"] for c in length["choices"]} == {"court", "long"}
            for name, permission in (("reindex", 1 << 5), ("config", 1 << 5),
                                     ("use", 1 << 4), ("forget", 1 << 13)):
                synced = fake.synced_command(name)
                assert synced["default_member_permissions"] == str(permission), name
            for name in ("reindex", "config", "use"):
                assert fake.synced_command(name)["dm_permission"] is False
            menu = fake.synced_command("Check against the article", command_type=3)
            assert menu["name_localizations"]["fr"] == "Vérifier dans l’article"
            # A French member types the French name; the answer is French.
            asked = await fake.send_slash("question", {"question": "Qui a ratifié le traité ?"},
                                          user=fake.guild.member("member"))
            assert "ratifié un traité" in (await asked.response()).content

    run(scenario())


def test_a_member_in_english_gets_the_bots_words_in_english(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            asked = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                          user=fake.guild.member("member"), locale="en-US")
            answer = await asked.response()
            assert "**Context**" in answer.content and "ratifié un traité" in answer.content

    run(scenario())


def test_the_servers_language_beats_the_members_which_beats_the_operators(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path, KIOSQUE_LANGUAGE="en") as (fake, _):
            member, admin = fake.guild.member("member"), fake.guild.member("admin")
            question = {"question": "Qui a ratifié le traité ?"}
            # A member whose Discord language is neither: the operator's English.
            german = await fake.send_slash("ask", question, user=member, locale="de")
            assert "**Context**" in (await german.response()).content
            # A French member: their language beats the operator's.
            french = await fake.send_slash("ask", question, user=member, locale="fr")
            assert "**Contexte**" in (await french.response()).content
            # The server chose French: it beats an English member's language.
            await (await fake.send_slash("config", {"language": "fr"}, user=admin)).response()
            english = await fake.send_slash("ask", question, user=member, locale="en-US")
            assert "**Contexte**" in (await english.response()).content

    run(scenario())


def test_article_and_section_options_autocomplete(tmp_path: Path) -> None:
    report = "Le port ouvre\n\nLe port de Marseille ouvre un terminal géant.\n"

    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin, member = fake.guild.member("admin"), fake.guild.member("member")
            attachment = fake.add_attachment("port.txt", report.encode(), "text/plain")
            await (await fake.send_slash("reindex", {"file": attachment}, user=admin,
                                         channel=fake.guild.channel("annonces"))).saying("indexé")
            offered = await (await fake.send_autocomplete(
                "ask", {"question": "x", "article": "Corée"}, focused="article", user=member
            )).choices()
            assert len(offered) == 1 and "Corée du Nord" in offered[0]["name"]
            bundled = offered[0]["value"]
            # In general, whose article is the newest (the port), ask the bundled one by id.
            asked = await fake.send_slash(
                "ask", {"question": MISSILE, "article": bundled}, user=member
            )
            assert "missile balistique intercontinental" in (await asked.response()).content
            plain = await fake.send_slash("ask", {"question": "Qu'ouvre le port ?"}, user=member)
            assert "terminal géant" in (await plain.response()).content
            sections = await (await fake.send_autocomplete(
                "summary", {"article": bundled, "section": ""}, focused="section", user=member
            )).choices()
            names = [c["value"] for c in sections]
            assert names[0] == "Introduction"
            assert "Le vote décisif de la chambre haute russe" in names
            lead = await fake.send_slash(
                "summary", {"section": "Introduction", "article": bundled}, user=member
            )
            assert "Résumé" in (await lead.response()).content

    run(scenario())


def test_a_mention_is_answered_in_a_new_thread_when_the_server_asks(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            await (await fake.send_slash("config", {"thread_answers": True},
                                         user=fake.guild.member("admin"))).response()
            general, member = fake.guild.channel("general"), fake.guild.member("member")
            asked = await fake.send_message(general, member,
                                            f"{fake.bot.mention} {MISSILE}")
            thread = await _new_thread(fake, general)
            assert thread.name == MISSILE and thread.parent_id == general.id
            answer = await asked.reply(channel_id=thread.id, timeout=20)
            assert "missile balistique intercontinental" in answer.content
            # The thread keeps its own history: a follow-up there moves on.
            follow = await fake.send_message(thread, member,
                                             f"{fake.bot.mention} Qu'est-ce que cela montre ?")
            moved_on = await follow.reply(timeout=20)
            assert "ambition militaire persistante" in moved_on.content

    run(scenario())


async def _new_thread(fake: FakeDiscord, parent: FakeChannel) -> FakeChannel:
    for _ in range(100):
        threads = [c for c in fake.guild.channels if c.parent_id == parent.id
                   and c.name != "discussion"]
        if threads:
            return threads[0]
        await asyncio.sleep(0.1)
    raise AssertionError("no thread was opened")


def test_lists_page_with_buttons(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin, member = fake.guild.member("admin"), fake.guild.member("member")
            for n in range(12):
                text = f"Article numéro {n}\n\nLe texte numéro {n} parle du port.\n"
                attachment = fake.add_attachment(f"a{n}.txt", text.encode(), "text/plain")
                await (await fake.send_slash("reindex", {"file": attachment},
                                             user=admin)).saying("indexé", timeout=20)
            listed = await (await fake.send_slash("articles", {}, user=member)).response()
            assert listed.ephemeral and "page 1 sur 2" in listed.content
            forward = next(b for b in listed.buttons if b.label == "▶")
            pressed = await fake.press(listed, forward.custom_id, user=member)
            assert (await pressed.callback()).callback_type == 7  # the same message, updated
            assert "page 2 sur 2" in fake.message(listed)["content"]

    run(scenario())


def test_joining_a_server_posts_a_welcome_with_clickable_commands(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            newcomer = FakeGuild(name="Nouveau serveur")
            hall = FakeChannel("accueil")
            newcomer.channels.append(hall)
            newcomer.system_channel_id = hall.id
            # Joined well after the start (a guild arriving during discord.py's own start-up
            # is one of the guilds it was already in).
            await asyncio.sleep(1)
            start = fake.recorder.next_index
            await fake.join_guild(newcomer)
            welcome = await fake.recorder.wait_for(
                lambda r: r.route == "create_message" and r.params.get("channel_id") == hall.id,
                start=start, timeout=10, what="the welcome message",
            )
            content = welcome[0].content
            assert "</ask:" in content and "Vérifier dans l’article" in content

    run(scenario())


def test_a_rate_limited_answer_is_retried_and_posted_once(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            general = fake.guild.channel("general")
            fake.rate_limit_next("create_message", count=1, retry_after=0.3)
            asked = await fake.send_message(general, fake.guild.member("member"),
                                            f"{fake.bot.mention} {MISSILE}")
            answer = await asked.reply(timeout=20)
            assert "missile" in answer.content
            await asyncio.sleep(0.5)
            posted = fake.requests_for("create_message")
            assert [r.rate_limited for r in posted] == [True, False]

    run(scenario())


def test_a_reindex_outliving_its_interaction_is_announced_in_the_channel(tmp_path: Path) -> None:
    long = medium_article(150)

    async def scenario() -> None:
        async with running_bot(tmp_path, EMBED_CACHE_DIR="off") as (fake, process):
            admin = fake.guild.member("admin")
            attachment = fake.add_attachment("long.txt", long.encode(), "text/plain")
            handle = await fake.send_slash("reindex", {"file": attachment}, user=admin)
            await handle.saying("phrases analysées", timeout=60)
            start = fake.recorder.next_index
            fake.advance(16 * 60)  # the interaction's token is now expired
            announced = await fake.recorder.wait_for(
                lambda r: r.route == "create_message" and "indexé" in (r.content or ""),
                start=start, timeout=120, what="the announcement in the channel",
            )
            assert f"<@{admin.id}>" in announced[0].content
            await stop(process)

    run(scenario())
