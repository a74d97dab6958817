"""Per-server settings (admin role, answer channels, language, feed announcements) and the bot's
own notes (``meta``) in the database."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.protocol import Database


@dataclass(frozen=True)
class GuildConfig:
    """What a server's admins chose; empty values fall back to the global settings.

    The admin role is kept by id: a role created later with the same name is not it.
    """

    admin_role: int | None = None
    answer_channels: tuple[int, ...] = ()
    language: str | None = None
    thread_answers: bool = False
    feed_articles: bool = False  # a new feed article becomes its channel's article
    link_previews: bool = False  # feed announcements show the page's link preview


class GuildSettings:
    """Reads and writes ``guild_settings`` and the ``meta`` key-value table."""

    # Older databases kept the admin role by name in ``admin_role``: that column is no longer
    # read (a name can be taken by any new role), so admins set the role again with /config.

    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, guild_id: int) -> GuildConfig:
        """A guild's settings (defaults when it never set any)."""
        row = await self.database.fetchone(
            "SELECT admin_role_id, answer_channels, language, thread_answers, feed_articles,"
            " link_previews FROM guild_settings WHERE guild_id = ?",
            (str(guild_id),),
        )
        if row is None:
            return GuildConfig()
        channels = tuple(int(c) for c in (row["answer_channels"] or "").split(",") if c)
        role = int(row["admin_role_id"]) if row["admin_role_id"] else None
        return GuildConfig(role, channels, row["language"] or None, bool(row["thread_answers"]),
                           bool(row["feed_articles"]), bool(row["link_previews"]))

    async def answering(self) -> bool:
        """Whether any server asked for every message of a channel to be answered."""
        row = await self.database.fetchone(
            "SELECT 1 FROM guild_settings WHERE answer_channels != '' LIMIT 1"
        )
        return row is not None

    async def set(self, guild_id: int, config: GuildConfig) -> None:
        """Replace a guild's settings."""
        async with self.database.transaction() as db:
            await db.execute(
                "INSERT INTO guild_settings (guild_id, admin_role_id, answer_channels, language,"
                " thread_answers, feed_articles, link_previews) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(guild_id) DO UPDATE SET admin_role_id = excluded.admin_role_id,"
                " answer_channels = excluded.answer_channels, language = excluded.language,"
                " thread_answers = excluded.thread_answers,"
                " feed_articles = excluded.feed_articles, link_previews = excluded.link_previews",
                (
                    str(guild_id),
                    str(config.admin_role) if config.admin_role else None,
                    ",".join(str(c) for c in config.answer_channels),
                    config.language,
                    int(config.thread_answers),
                    int(config.feed_articles),
                    int(config.link_previews),
                ),
            )

    async def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table."""
        row = await self.database.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        """Store a value in the ``meta`` table."""
        async with self.database.transaction() as db:
            await db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
