-- The search index stores each paragraph once (bot/storage/search.py): search_rows holds an
-- article's title, headings and paragraphs, search_match finds them (contentless: no second
-- copy of the tokens, no positions), counts and totals are per space. The previous index
-- repeated a paragraph's terms in every sentence's row: every article is indexed again at
-- start (Library.catch_up).

DROP TABLE sentence_index;
DROP TABLE sentence_terms;
CREATE TABLE search_rows (
    id INTEGER PRIMARY KEY,
    section INTEGER NOT NULL,
    first INTEGER NOT NULL,
    count INTEGER NOT NULL,
    terms TEXT NOT NULL
);
CREATE VIRTUAL TABLE search_match USING fts5(
    terms, content = '', columnsize = 0, detail = none,
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE search_counts (
    space TEXT NOT NULL,
    term TEXT NOT NULL,
    sentences INTEGER NOT NULL,
    PRIMARY KEY (space, term)
) WITHOUT ROWID;
CREATE TABLE search_totals (
    space TEXT PRIMARY KEY,
    sentences INTEGER NOT NULL,
    tokens INTEGER NOT NULL
);
UPDATE articles SET search_version = NULL;
