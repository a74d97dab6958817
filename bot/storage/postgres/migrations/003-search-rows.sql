-- Each paragraph stored once (bot/storage/search.py): an article's title, headings and
-- paragraphs as rows, each with its distinct tokens and its space's lexeme as a tsvector. The
-- previous index repeated a paragraph's terms in every sentence's row: every article is
-- indexed again at start (Library.catch_up).

DROP TABLE sentences;
DROP TABLE term_stats;
DROP TABLE space_stats;
CREATE TABLE search_rows (
    id BIGINT PRIMARY KEY,
    section INTEGER NOT NULL,
    first INTEGER NOT NULL,
    count INTEGER NOT NULL,
    terms TEXT NOT NULL,
    match TSVECTOR NOT NULL
);
CREATE INDEX search_rows_match ON search_rows USING gin (match);
CREATE TABLE search_counts (
    space TEXT NOT NULL,
    term TEXT NOT NULL,
    sentences INTEGER NOT NULL,
    PRIMARY KEY (space, term)
);
CREATE TABLE search_totals (
    space TEXT PRIMARY KEY,
    sentences BIGINT NOT NULL,
    tokens BIGINT NOT NULL
);
UPDATE articles SET search_version = NULL;
