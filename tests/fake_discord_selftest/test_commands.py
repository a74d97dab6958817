"""Self-test: localized commands, context menus and autocomplete through the fake."""

from __future__ import annotations

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.app_commands import locale_str

from support.fake_discord import MANAGE_GUILD, FakeDiscord, FakeMember, FakeUser
from tests.fake_discord_selftest.harness import connected, run

FRENCH = {
    "ask": "demander",
    "Ask a question": "Poser une question",
    "question": "question",
    "What to ask": "Ce que vous voulez savoir",
    "tone": "ton",
    "How long": "Quelle longueur",
    "Short": "Courte",
    "Long": "Longue",
    "Summarize": "Résumer",
}
SECTIONS = {"Le Monde": ["International", "Économie"], "Mediapart": ["Enquêtes"]}


class FrenchTranslator(app_commands.Translator):
    """French names and descriptions; `shout` makes names upper case, which Discord refuses."""

    def __init__(self, *, shout: bool = False) -> None:
        self.shout = shout

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The French text of `string`, for French only."""
        if locale is not discord.Locale.french or string.message not in FRENCH:
            return None
        text = FRENCH[string.message]
        return text.upper() if self.shout else text


class CommandBot(discord.Client):
    """/ask (localized), /sources find (two autocompletes), /setup (admins, servers only), and
    the context menus Summarize (message) and Profile (user)."""

    def __init__(self, translator: app_commands.Translator | None = None) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.translator = translator or FrenchTranslator()
        self._add_commands()

    async def setup_hook(self) -> None:
        """Install the translator before any sync."""
        await self.tree.set_translator(self.translator)

    def _add_commands(self) -> None:
        tones = [app_commands.Choice(name=locale_str("Short"), value="short"),
                 app_commands.Choice(name=locale_str("Long"), value="long")]

        @self.tree.command(name=locale_str("ask"), description=locale_str("Ask a question"))
        @app_commands.rename(question=locale_str("question"), tone=locale_str("tone"))
        @app_commands.describe(question=locale_str("What to ask"), tone=locale_str("How long"))
        @app_commands.choices(tone=tones)
        async def ask(interaction: discord.Interaction, question: str, tone: str = "short") -> None:
            french = interaction.locale is discord.Locale.french
            said = f"{'Réponse' if french else 'Answer'} ({tone}) : {question}"
            await interaction.response.send_message(
                f"{said} [{interaction.guild_locale.value if interaction.guild_locale else '-'}]")

        sources = app_commands.Group(name="sources", description="Les journaux")

        @sources.command(name="find", description="Cherche une rubrique")
        async def find(interaction: discord.Interaction, journal: str, section: str) -> None:
            await interaction.response.send_message(f"{journal} / {section}")

        @find.autocomplete("journal")
        async def journals(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=j, value=j) for j in SECTIONS if current in j]

        @find.autocomplete("section")
        async def sections(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            # The other option, already filled, arrives in the namespace.
            chosen = SECTIONS.get(interaction.namespace.journal, [])
            return [app_commands.Choice(name=s, value=s) for s in chosen if current in s]

        self.tree.add_command(sources)

        @self.tree.command(name="setup", description="Réglages")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.guild_only()
        async def setup(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok")

        @app_commands.context_menu(name=locale_str("Summarize"))
        async def summarize(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(
                f"résumé de {message.author.name} : {message.content}", ephemeral=True)

        @app_commands.context_menu(name="Profile")
        async def profile(interaction: discord.Interaction, member: discord.Member) -> None:
            await interaction.response.send_message(f"profil de {member.display_name}")

        self.tree.add_command(summarize)
        self.tree.add_command(profile)


def test_localized_schema_is_stored_and_readable() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, CommandBot()) as bot:
            await bot.tree.sync()
            ask = fake.synced_command("ask")
            assert ask["name_localizations"] == {"fr": "demander"}
            assert ask["description_localizations"] == {"fr": "Poser une question"}
            question, tone = ask["options"]
            assert question["description_localizations"] == {"fr": "Ce que vous voulez savoir"}
            assert tone["name_localizations"] == {"fr": "ton"}
            assert [c["name_localizations"] for c in tone["choices"]] == [
                {"fr": "Courte"}, {"fr": "Longue"}]
            setup = fake.synced_command("setup")
            assert setup["default_member_permissions"] == str(MANAGE_GUILD)
            assert setup["contexts"] == [0] and setup["dm_permission"] is False
            assert fake.synced_command("Summarize", command_type=3)["name_localizations"] == {
                "fr": "Résumer"}
            assert fake.synced_command("Profile")["type"] == 2
            with pytest.raises(KeyError, match="synced"):
                fake.synced_command("nope")

    run(body)


def test_localized_names_and_the_members_locale() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, CommandBot()) as bot:
            await bot.tree.sync()
            french = fake.guild.member("member")
            asked = await fake.send_slash("demander", {"question": "qui ?", "ton": "long"},
                                          user=french)
            data = asked.payload["data"]
            # Discord always sends the default names, whatever the user typed.
            assert data["name"] == "ask" and [o["name"] for o in data["options"]] == [
                "question", "tone"]
            assert (asked.payload["locale"], asked.payload["guild_locale"]) == ("fr", "fr")
            assert (await asked.response()).content == "Réponse (long) : qui ? [fr]"
            english = FakeMember(FakeUser("visitor", locale="en-US"))
            fake.guild.members.append(english)
            other = await fake.send_slash("ask", {"question": "who?"}, user=english)
            assert other.payload["locale"] == "en-US"
            assert (await other.response()).content == "Answer (short) : who? [fr]"

    run(body)


def test_a_sync_discord_would_refuse() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake:
            async with connected(fake, CommandBot(FrenchTranslator(shout=True))) as bot:
                with pytest.raises(app_commands.CommandSyncFailure, match="DEMANDER"):
                    await bot.tree.sync()
            assert fake.errors[-1].route == "bulk_overwrite_commands"
            url = f"{fake.api_base}/applications/{fake.application_id}/commands"
            # "fr-FR" is not one of Discord's locales ("fr" is).
            bad = [{"name": "ask", "description": "Ask", "name_localizations": {"fr-FR": "a"}}]
            headers = {"Authorization": "Bot x"}
            async with aiohttp.ClientSession(headers=headers) as session, session.put(
                url, json=bad
            ) as resp:
                errors = (await resp.json())["errors"]
                assert resp.status == 400
                code = errors["0"]["name_localizations"]["fr-FR"]["_errors"][0]["code"]
                assert code == "LOCALE_INVALID"

    run(body)


def test_message_context_menu_gets_the_target_message() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, CommandBot()) as bot:
            await bot.tree.sync()
            general, member = fake.guild.channel("general"), fake.guild.member("member")
            posted = await fake.send_message(general, fake.guild.member("admin"), "Le budget")
            handle = await fake.send_context_menu("Résumer", posted, user=member)
            data = handle.payload["data"]
            assert (data["type"], data["name"], data["target_id"]) == (3, "Summarize", posted.id)
            assert data["resolved"]["messages"][posted.id]["content"] == "Le budget"
            assert handle.payload["channel_id"] == general.id
            reply = await handle.response()
            # Interactions carry the content even without the MESSAGE_CONTENT intent.
            assert reply.content == "résumé de admin : Le budget" and reply.ephemeral
            original = handle.original_message
            assert original is not None and original["type"] == 23
            assert original["interaction_metadata"]["target_message_id"] == posted.id
            # A context menu on the bot's own answer works the same way.
            again = await fake.send_context_menu("Summarize", reply, user=member)
            assert (await again.response()).content == "résumé de Kiosque : " + reply.content

    run(body)


def test_user_context_menu() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, CommandBot()) as bot:
            await bot.tree.sync()
            target = fake.guild.member("member")
            handle = await fake.send_context_menu("Profile", target,
                                                  user=fake.guild.member("admin"))
            data = handle.payload["data"]
            assert (data["type"], data["target_id"]) == (2, target.id)
            assert target.id in data["resolved"]["members"]
            assert (await handle.response()).content == "profil de Lecteur"

    run(body)


def test_autocomplete_in_a_subcommand_with_another_option_filled() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, CommandBot()) as bot:
            await bot.tree.sync()
            member = fake.guild.member("member")
            first = await fake.send_autocomplete("sources find", {"journal": "Le"},
                                                 focused="journal", user=member)
            assert [c["value"] for c in await first.choices()] == ["Le Monde"]
            second = await fake.send_autocomplete(
                "sources find", {"journal": "Le Monde", "section": "co"}, focused="section",
                user=member)
            sub = second.payload["data"]["options"][0]
            assert (sub["type"], sub["name"]) == (1, "find")
            assert sub["options"] == [
                {"name": "journal", "type": 3, "value": "Le Monde"},
                {"name": "section", "type": 3, "value": "co", "focused": True},
            ]
            assert [c["value"] for c in await second.choices()] == ["Économie"]
            with pytest.raises(ValueError, match="autocomplete"):
                await fake.send_autocomplete("ask", {"question": "q"}, focused="question",
                                             user=member)
            with pytest.raises(ValueError, match="focused"):
                await fake.send_autocomplete("sources find", {"journal": "x"},
                                             focused="section", user=member)

    run(body)
