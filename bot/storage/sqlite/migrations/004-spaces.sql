-- A library per space ("guild:<id>" for a Discord server, "local" for the command line,
-- the console and direct messages): the same title or URL is one article per space only.
-- Articles of an older database go to "local". The admin role is kept by id.

CREATE TABLE articles_spaced (
    id INTEGER PRIMARY KEY,
    space TEXT NOT NULL,
    source_key TEXT NOT NULL,
    title TEXT NOT NULL,
    current_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (space, source_key)
);
INSERT INTO articles_spaced (id, space, source_key, title, current_version, created_at)
    SELECT id, 'local', source_key, title, current_version, created_at FROM articles;
DROP TABLE articles;
ALTER TABLE articles_spaced RENAME TO articles;
CREATE INDEX articles_newest ON articles (space, created_at, id);
CREATE INDEX articles_by_title ON articles (space, title COLLATE NOCASE);
ALTER TABLE guild_settings ADD COLUMN admin_role_id TEXT;
