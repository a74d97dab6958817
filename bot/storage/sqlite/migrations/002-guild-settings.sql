-- Each server's settings, and the bot's own notes (meta).

CREATE TABLE guild_settings (
    guild_id TEXT PRIMARY KEY,
    admin_role TEXT,
    answer_channels TEXT,
    language TEXT
);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
