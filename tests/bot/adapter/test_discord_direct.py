"""Direct messages read a library of the member's own, never the operator's local one unless
the operator sets ``DM_LIBRARY=local``."""

from __future__ import annotations

from pathlib import Path

from bot.app.service import Kiosque
from bot.settings import Settings
from bot.values import LOCAL
from tests.bot.adapter.harness import run, running_bot

NOTES = "Notes de l'exploitant\n\nLe mot de passe du serveur de paie est hunter2.\n"
SECRET = "Quel est le mot de passe du serveur de paie ?"
RATIFY = "Qui a ratifié le traité ?"


async def private_notes(folder: Path) -> None:
    """The operator's notes in the local library, indexed from the command line before the
    bot starts."""
    settings = Settings(database_url=f"sqlite:///{folder / 'kiosque.db'}", semantic=False)
    kiosque = await Kiosque.open(settings, seed=False)
    try:
        await kiosque.index_bytes(LOCAL, NOTES.encode(), "notes.txt")
    finally:
        await kiosque.close()


def test_a_direct_message_never_reads_the_operators_local_library(tmp_path: Path) -> None:
    run(private_notes(tmp_path))

    async def scenario() -> None:
        async with running_bot(tmp_path) as (fake, _):
            reader, other = fake.guild.member("member"), fake.guild.member("moderator")
            seen = []
            for user in (reader, other):
                asked = await fake.send_slash("ask", {"question": SECRET}, user=user, dm=True)
                seen.append((await asked.response()).content)
            mention = await fake.send_dm(reader, SECRET)
            seen.append((await mention.reply()).content)
            searched = await fake.send_slash("search", {"query": "mot de passe paie"},
                                             user=reader, dm=True)
            seen.append((await searched.response()).content)
            listed = await fake.send_slash("articles", {}, user=reader, dm=True)
            shown = (await listed.response()).content
            seen.append(shown)
            summed = await fake.send_slash("summary", {}, user=reader, dm=True)
            seen.append((await summed.response()).content)
            assert not any("hunter2" in text or "exploitant" in text for text in seen), seen
            # The member's own library starts with the bundled article, as a server's does.
            assert "Corée du Nord" in shown
            asked = await fake.send_slash("ask", {"question": RATIFY}, user=reader, dm=True)
            assert "ratifié un traité de défense mutuelle" in (await asked.response()).content
            # Admin commands stay refused there.
            notes = fake.add_attachment("notes.txt", NOTES.encode(), "text/plain")
            refused = await fake.send_slash("reindex", {"file": notes}, user=reader, dm=True)
            assert "message privé" in (await refused.response()).content

    run(scenario())


def test_dm_library_local_gives_direct_messages_the_local_library(tmp_path: Path) -> None:
    run(private_notes(tmp_path))

    async def scenario() -> None:
        async with running_bot(tmp_path, DM_LIBRARY="local") as (fake, _):
            reader = fake.guild.member("member")
            asked = await fake.send_slash("ask", {"question": SECRET}, user=reader, dm=True)
            assert "hunter2" in (await asked.response()).content
            mention = await fake.send_dm(reader, SECRET)
            assert "hunter2" in (await mention.reply()).content

    run(scenario())
