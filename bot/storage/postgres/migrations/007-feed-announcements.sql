-- How a server's feed articles are announced (/config): whether a new one becomes its
-- channel's article, and whether its link preview is shown (off: the message stays short).
ALTER TABLE guild_settings ADD COLUMN feed_articles INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guild_settings ADD COLUMN link_previews INTEGER NOT NULL DEFAULT 0;
