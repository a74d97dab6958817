-- The first schema: articles, their versions, each channel's active article, the turns.

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    current_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE versions (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    language TEXT NOT NULL,
    content TEXT NOT NULL,
    indexed_at TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
);
CREATE TABLE channels (
    channel TEXT PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id)
);
CREATE TABLE turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    author TEXT NOT NULL,
    question TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    abstained INTEGER NOT NULL,
    passages TEXT NOT NULL,
    asked_at TEXT NOT NULL
);
CREATE INDEX turns_by_channel ON turns (channel, id);
