"""Self-test: buttons and selects (views, DynamicItem) pressed through the fake by a real bot."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from support.fake_discord import EPHEMERAL, Button, FakeDiscord
from tests.fake_discord_selftest.harness import connected, run

GREEN, RED, GREY, LINK = 3, 4, 2, 5


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"vote:(?P<article>\d+):(?P<choice>yes|no)"):
    """A vote that keeps its article and choice in its custom_id, so it outlives the bot."""

    def __init__(self, article: int, choice: str) -> None:
        label, style = ("Oui", discord.ButtonStyle.success) if choice == "yes" else (
            "Non", discord.ButtonStyle.danger)
        super().__init__(discord.ui.Button(label=label, style=style,
                                           custom_id=f"vote:{article}:{choice}"))
        self.article, self.choice = article, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        """Rebuild the button from what its custom_id says."""
        return cls(int(match["article"]), match["choice"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Yes rewrites the message at once (type 7); no defers (type 6) and edits after."""
        if self.choice == "yes":
            await interaction.response.edit_message(
                content=f"Merci pour l'article {self.article}", view=None)
        else:
            await interaction.response.defer()
            await interaction.edit_original_response(content="Noté : non")


class SourcesButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                    template=r"sources:(?P<article>\d+)"):
    """Answers with an ephemeral message that has its own button."""

    def __init__(self, article: int) -> None:
        super().__init__(discord.ui.Button(label="Sources", style=discord.ButtonStyle.secondary,
                                           custom_id=f"sources:{article}"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SourcesButton:
        """Rebuild the button from its custom_id."""
        return cls(int(match["article"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """A private list of sources with a close button."""
        view = discord.ui.View(timeout=None)
        view.add_item(CloseButton())
        await interaction.response.send_message("Sources : Le Monde", view=view, ephemeral=True)


class CloseButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"close"):
    """Empties the ephemeral message it is on."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="Fermer", custom_id="close"))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CloseButton:
        """Rebuild the button."""
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        """Replace the message's text and drop the button."""
        await interaction.response.edit_message(content="fermé", view=None)


class Pager(discord.ui.View):
    """An in-memory view (not persistent): it counts pages itself."""

    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.page = 1

    @discord.ui.button(label="Suivant", custom_id="pager:next")
    async def next_page(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        """Show the next page with the same view."""
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)


class Picker(discord.ui.View):
    """A string select."""

    @discord.ui.select(custom_id="pick", options=[discord.SelectOption(label="Le Monde"),
                                                  discord.SelectOption(label="Mediapart")])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        """Say what was picked, in a new message."""
        await interaction.response.send_message(f"choisi : {select.values[0]}")


class ButtonBot(discord.Client):
    """/article posts votes, sources and a link; /pages a pager; /pick a select."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="article", description="Un article et ses boutons")
        async def article(interaction: discord.Interaction, n: int) -> None:
            view = discord.ui.View(timeout=None)
            view.add_item(VoteButton(n, "yes"))
            view.add_item(VoteButton(n, "no"))
            view.add_item(SourcesButton(n))
            view.add_item(discord.ui.Button(label="Lire", url=f"https://example.org/{n}"))
            await interaction.response.send_message(f"Article {n}", view=view)

        @self.tree.command(name="pages", description="Des pages")
        async def pages(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("page 1", view=Pager())

        @self.tree.command(name="pick", description="Un choix")
        async def pick(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Choisissez", view=Picker())

    async def setup_hook(self) -> None:
        """Listen to the dynamic buttons of any message, whoever posted it."""
        self.add_dynamic_items(VoteButton, SourcesButton, CloseButton)


async def post_article(fake: FakeDiscord, bot: ButtonBot, n: int = 7) -> Any:
    """Sync, run /article n as 'member', return the recorded answer."""
    await bot.tree.sync()
    handle = await fake.send_slash("article", {"n": n}, user=fake.guild.member("member"))
    return await handle.response()


def test_buttons_are_kept_on_the_message_and_listed() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, ButtonBot()) as bot:
            reply = await post_article(fake, bot)
            expected = [
                Button("vote:7:yes", "Oui", GREEN),
                Button("vote:7:no", "Non", RED),
                Button("sources:7", "Sources", GREY),
                Button(None, "Lire", LINK, url="https://example.org/7"),
            ]
            assert reply.buttons == expected
            assert fake.buttons(reply) == expected
            stored = fake.message(reply)
            # Discord numbers components it was not given an id for: the row, then its buttons.
            assert [stored["components"][0]["id"]] + [
                c["id"] for c in stored["components"][0]["components"]] == [1, 2, 3, 4, 5]

    run(body)


def test_pressing_a_button_that_updates_the_message() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, ButtonBot()) as bot:
            reply = await post_article(fake, bot)
            member = fake.guild.member("admin")
            press = await fake.press(reply, "vote:7:yes", user=member)
            payload = press.payload
            assert payload["type"] == 3
            assert payload["data"] == {"custom_id": "vote:7:yes", "component_type": 2}
            assert payload["message"]["id"] == fake.message_id_of(reply)
            assert payload["message"]["components"] == fake.message(reply)["components"]
            assert payload["member"]["user"]["id"] == member.id
            assert (payload["guild_id"], payload["locale"]) == (fake.guild.id, "fr")
            assert int(payload["app_permissions"]) and payload["channel_id"]
            update = await press.callback()
            assert update.callback_type == 7 and update.ok
            assert await press.response() is update
            message = fake.message(reply)
            assert message["content"] == "Merci pour l'article 7"
            assert fake.buttons(reply) == [] and message["edited_timestamp"] is not None
            assert press.original_message is message

    run(body)


def test_deferred_update_then_edit_of_original() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, ButtonBot()) as bot:
            reply = await post_article(fake, bot)
            press = await fake.press(reply, "vote:7:no", user=fake.guild.member("member"))
            assert (await press.callback()).callback_type == 6
            edit = await press.edit_original()
            assert edit.content == "Noté : non" and edit.ok
            assert fake.message(reply)["content"] == "Noté : non"
            # The buttons stay: the edit did not touch them.
            assert [b.custom_id for b in fake.buttons(reply)][:2] == ["vote:7:yes", "vote:7:no"]

    run(body)


def test_ephemeral_answer_to_a_button_only_its_user_can_press() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, ButtonBot()) as bot:
            reply = await post_article(fake, bot)
            member = fake.guild.member("member")
            press = await fake.press(reply, "sources:7", user=member)
            answer = await press.callback()
            assert answer.callback_type == 4 and answer.flags & EPHEMERAL
            private = press.original_message
            assert private is not None
            assert private["interaction_metadata"]["type"] == 3
            assert private["interaction_metadata"]["interacted_message_id"] == (
                fake.message_id_of(reply))
            assert [b.label for b in press.buttons] == ["Fermer"]
            with pytest.raises(ValueError, match="ephemeral"):
                await fake.press(press, "close", user=fake.guild.member("admin"))
            closing = await fake.press(press, "close", user=member)
            assert (await closing.callback()).callback_type == 7
            assert fake.message(press)["content"] == "fermé"

    run(body)


def test_dynamic_buttons_survive_a_restart() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake:
            async with connected(fake, ButtonBot()) as first:
                reply = await post_article(fake, first, 3)
            async with connected(fake, ButtonBot()) as _second:
                press = await fake.press(reply, "vote:3:yes", user=fake.guild.member("member"))
                assert (await press.callback()).content == "Merci pour l'article 3"

    run(body)


def test_in_memory_view_and_select() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, ButtonBot()) as bot:
            await bot.tree.sync()
            member = fake.guild.member("member")
            pages = await (await fake.send_slash("pages", user=member)).response()
            for expected in ("page 2", "page 3"):
                press = await fake.press(pages, "pager:next", user=member)
                assert (await press.callback()).content == expected
            picker = await (await fake.send_slash("pick", user=member)).response()
            with pytest.raises(ValueError, match="takes no values"):
                await fake.press(pages, "pager:next", user=member, values=["x"])
            picked = await fake.press(picker, "pick", user=member, values=["Mediapart"])
            assert picked.payload["data"]["values"] == ["Mediapart"]
            assert (await picked.response()).content == "choisi : Mediapart"
            with pytest.raises(ValueError, match="custom_ids"):
                await fake.press(picker, "nope", user=member)

    run(body)


def test_components_and_callbacks_are_checked_like_discord() -> None:
    async def body() -> None:
        async with FakeDiscord() as fake, connected(fake, ButtonBot()):
            url = f"{fake.api_base}/channels/{fake.guild.channel('general').id}/messages"
            headers = {"Authorization": "Bot fake-token"}

            def row(*buttons: dict[str, Any]) -> dict[str, Any]:
                return {"content": "x", "components": [{"type": 1, "components": list(buttons)}]}

            long_id = {"type": 2, "style": 1, "label": "a", "custom_id": "x" * 101}
            twice = {"type": 2, "style": 1, "label": "a", "custom_id": "same"}
            link_with_id = {"type": 2, "style": 5, "url": "https://a", "custom_id": "l"}
            async with aiohttp.ClientSession(headers=headers) as session:
                for body_ in (row(long_id), row(twice, twice), row(link_with_id),
                              row(*[twice | {"custom_id": str(n)} for n in range(6)])):
                    async with session.post(url, json=body_) as resp:
                        assert resp.status == 400, body_
                        assert (await resp.json())["code"] == 50035
                # Type 7 only answers components: a slash command cannot "update" a message.
                handle = await fake.send_slash("unknown", user=fake.guild.member("member"))
                callback = f"{fake.api_base}/interactions/{handle.id}/{handle.token}/callback"
                async with session.post(callback, json={"type": 7, "data": {}}) as resp:
                    assert resp.status == 400

    run(body)
