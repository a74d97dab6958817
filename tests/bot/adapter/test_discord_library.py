"""``/reindex`` (admins only), ``/articles``, ``/use`` with autocomplete, end to end."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bot.adapter.harness import DATA, run, running_bot

WIKINEWS = DATA / "wikinews-43971.html"


def test_admin_reindexes_an_html_attachment_then_it_is_asked(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin = fake.guild.member("admin")
            attachment = fake.add_attachment(WIKINEWS.name, WIKINEWS.read_bytes(), "text/html")
            handle = await fake.send_slash("reindex", {"file": attachment}, user=admin)
            assert (await handle.callback()).callback_type == 5  # deferred at once
            done = await handle.followup()
            assert "Space X Dragon" in done.content and "version 1" in done.content
            asked = await fake.send_slash(
                "ask", {"question": "Combien de jours la capsule restera-t-elle accrochée ?"},
                user=fake.guild.member("member"),
            )
            reply = await asked.response()
            assert "La capsule restera **18 jours** accrochée à la station." in reply.content

    run(scenario())


def test_reindex_of_the_same_source_makes_a_new_version(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin = fake.guild.member("admin")
            html = WIKINEWS.read_bytes()
            for version, data in ((1, html), (2, html.replace(b"</body>", b"<h2>Suite</h2>"
                                  b"<p>La NASA a confirm\xc3\xa9 l'amarrage de la capsule "
                                  b"Dragon \xc3\xa0 la station.</p></body>"))):
                attachment = fake.add_attachment(WIKINEWS.name, data, "text/html")
                handle = await fake.send_slash("reindex", {"file": attachment}, user=admin)
                done = await handle.followup()
                assert f"version {version}" in done.content
            assert "Suite" in done.content  # the section that was added is named

    run(scenario())


def test_plain_member_cannot_reindex(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            attachment = fake.add_attachment(WIKINEWS.name, WIKINEWS.read_bytes(), "text/html")
            handle = await fake.send_slash("reindex", {"file": attachment},
                                           user=fake.guild.member("member"))
            refused = await handle.response()
            assert refused.ephemeral
            assert "Gérer le serveur" in refused.content
            articles = await fake.send_slash("articles", {}, user=fake.guild.member("member"))
            assert "Space X" not in (await articles.response()).content

    run(scenario())


def test_admin_commands_are_refused_in_direct_messages(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            handle = await fake.send_slash("reindex", {"url": "https://example.org/a"},
                                           user=fake.guild.member("admin"), dm=True)
            refused = await handle.response()
            assert refused.ephemeral
            assert "message privé" in refused.content
            asked = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                          user=fake.guild.member("admin"), dm=True)
            assert "ratifié un traité" in (await asked.response()).content

    run(scenario())


def test_bad_attachment_gets_an_ephemeral_error_and_changes_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin = fake.guild.member("admin")
            png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
            attachment = fake.add_attachment("photo.txt", png, "text/plain")
            handle = await fake.send_slash("reindex", {"file": attachment}, user=admin)
            error = await handle.followup()
            assert error.ephemeral
            assert "photo.txt" in error.content and "binaires" in error.content
            articles = await fake.send_slash("articles", {}, user=admin)
            assert "Articles (1)" in (await articles.response()).content

    run(scenario())


def test_use_autocompletes_titles_and_needs_manage_channels(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            moderator = fake.guild.member("moderator")
            handle = await fake.send_autocomplete("use", {"article": "Corée"}, focused="article",
                                                  user=moderator)
            choices = await handle.choices()
            assert len(choices) == 1 and "Corée du Nord" in choices[0]["name"]
            used = await fake.send_slash("use", {"article": choices[0]["value"]}, user=moderator)
            assert "utilise maintenant" in (await used.response()).content
            refused = await fake.send_slash("use", {"article": "1"},
                                            user=fake.guild.member("member"))
            reply = await refused.response()
            assert reply.ephemeral and "Gérer les salons" in reply.content

    run(scenario())


def test_config_is_admin_only_and_sets_the_language(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            refused = await (await fake.send_slash("config", {"language": "en"},
                                                   user=fake.guild.member("member"))).response()
            assert refused.ephemeral and "Gérer le serveur" in refused.content
            done = await (await fake.send_slash("config", {"language": "en"},
                                                user=fake.guild.member("admin"))).response()
            assert done.ephemeral and "Language: en" in done.content
            asked = await fake.send_slash("ask", {"question": "Qui a ratifié le traité ?"},
                                          user=fake.guild.member("member"))
            assert "**Context**" in (await asked.response()).content

    run(scenario())


def test_a_long_reindex_shows_its_progress_then_the_result(tmp_path: Path) -> None:
    sentences = [
        f"Le rapport numéro {n} décrit le secteur {n % 17} et ses {n * 37} habitants."
        for n in range(120)
    ]
    long = "Le long rapport\n\n" + "\n\n".join(
        " ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)
    )

    async def scenario() -> None:
        # No vector cache: the embedding really runs, for several seconds.
        async with running_bot(tmp_path, EMBED_CACHE_DIR="off") as (fake, _):
            admin = fake.guild.member("admin")
            attachment = fake.add_attachment("rapport.txt", long.encode(), "text/plain")
            handle = await fake.send_slash("reindex", {"file": attachment}, user=admin)
            assert (await handle.callback()).callback_type == 5
            shown = await handle.response(timeout=60)
            assert "rapport.txt" in shown.content and "/120 phrases analysées" in shown.content
            await handle.saying("indexé", timeout=120)
            final = handle.original_message
            assert final is not None and "**Le long rapport** indexé" in final["content"]
            assert "phrases analysées" not in final["content"]

    run(scenario())


def test_search_lists_the_servers_articles_and_questions_are_routed(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            admin, member = fake.guild.member("admin"), fake.guild.member("member")
            attachment = fake.add_attachment(WIKINEWS.name, WIKINEWS.read_bytes(), "text/html")
            await (await fake.send_slash("reindex", {"file": attachment}, user=admin)).followup()
            searched = await fake.send_slash("search", {"query": "capsule Dragon"}, user=member)
            listing = await searched.response()
            assert listing.ephemeral
            assert "Space X Dragon" in listing.content
            assert "Corée" not in listing.content  # the bundled article does not speak of it
            spacex = re.search(r"`(\d+)` \*\*États-Unis", listing.content).group(1)
            used = await fake.send_slash("use", {"article": "Corée du Nord"}, user=admin)
            await used.response()
            asked = await fake.send_slash(
                "ask", {"question": "Combien de jours la capsule restera-t-elle accrochée ?"},
                user=member,
            )
            reply = await asked.response()
            assert "La capsule restera **18 jours** accrochée à la station." in reply.content
            assert f"/use {spacex}" in reply.content  # named, and offered as the channel's article

    run(scenario())
