-- The library-wide search index (bot/storage/postgres/search.py): the terms of a sentence,
-- its paragraph and its title, and its space as one more lexeme, as a tsvector found through
-- GIN. Each term's weighted frequency for ranking, with the statistics kept beside it.

CREATE TABLE sentences (
    id BIGINT PRIMARY KEY,
    length INTEGER NOT NULL,
    terms TSVECTOR NOT NULL,
    frequencies JSONB NOT NULL
);
CREATE INDEX sentences_terms ON sentences USING gin (terms);
CREATE TABLE term_stats (
    space TEXT NOT NULL,
    term TEXT NOT NULL,
    sentences INTEGER NOT NULL,
    PRIMARY KEY (space, term)
);
CREATE TABLE space_stats (
    space TEXT PRIMARY KEY,
    sentences BIGINT NOT NULL,
    tokens BIGINT NOT NULL
);
