-- The library-wide search index (bot/storage/search.py): a version's sentences are written
-- with it. search_version says which version the index holds, so that an older database is
-- caught up at start. sentence_terms counts the sentences each term is in (terms are
-- prefixed by their space: the counts are each space's own).

CREATE VIRTUAL TABLE sentence_index USING fts5(
    text, paragraph, title, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE sentence_terms (term TEXT PRIMARY KEY, sentences INTEGER NOT NULL) WITHOUT ROWID;
ALTER TABLE articles ADD COLUMN search_version INTEGER;
