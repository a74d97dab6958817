-- Title lookups fold case with lower(), which both engines index (COLLATE NOCASE is
-- SQLite's own).

DROP INDEX articles_by_title;
CREATE INDEX articles_by_title ON articles (space, lower(title));
