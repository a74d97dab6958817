"""A bot process configured the way `kiosque run` is: endpoints come from the environment;
with SHARD_IDS and SHARD_COUNT set, it runs those shards (one process of several)."""

import os

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands


class ProcessBot(discord.Client):
    """Answers /ping ephemerally; syncs its commands before connecting."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ping", description="Répond pong")
        async def ping(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(f"pong: {text}", ephemeral=True)

    async def setup_hook(self) -> None:
        """Register commands once logged in."""
        await self.tree.sync()


class ShardedProcessBot(discord.AutoShardedClient):
    """Some shards of the bot: answers /ping with the shard that received it."""

    def __init__(self, shard_ids: list[int], shard_count: int) -> None:
        super().__init__(intents=discord.Intents.default(), shard_ids=shard_ids,
                         shard_count=shard_count)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="ping", description="Répond pong")
        async def ping(interaction: discord.Interaction, text: str) -> None:
            shard = interaction.guild.shard_id if interaction.guild else 0
            await interaction.response.send_message(f"pong from shard {shard}: {text}")

    async def setup_hook(self) -> None:
        """Register commands once logged in."""
        await self.tree.sync()


def main() -> None:
    """Point discord.py at DISCORD_API_BASE / DISCORD_GATEWAY_URL and run."""
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"]
    # from_client() calls .with_query() on it, so it must be a yarl.URL, not a str.
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    if "SHARD_COUNT" in os.environ:
        ids = [int(i) for i in os.environ["SHARD_IDS"].split(",")]
        bot: discord.Client = ShardedProcessBot(ids, int(os.environ["SHARD_COUNT"]))
    else:
        bot = ProcessBot()
    bot.run(os.environ["DISCORD_TOKEN"], log_handler=None)


if __name__ == "__main__":
    main()
