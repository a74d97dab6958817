-- The index of the library-wide search on each token after its space's token, alone and with
-- "@" and the row's span of 1024 articles (id >> 30), computed from the stored column
-- (bot/storage/postgres/search.py): GIN walked every row of a space for its lexeme, ANDed
-- with the terms, and every row holding a common word to find the newest.
CREATE FUNCTION search_lexemes(match TSVECTOR, span BIGINT) RETURNS TSVECTOR
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_to_tsvector(ARRAY(
        SELECT substr(space.lexeme, 2) || term.lexeme || suffix
        FROM unnest(tsvector_to_array(match)) space (lexeme),
             unnest(tsvector_to_array(match)) term (lexeme),
             unnest(ARRAY['', '@' || span]) suffix
        WHERE space.lexeme LIKE '#%' AND term.lexeme NOT LIKE '#%'
    ))
$$;
DROP INDEX search_rows_match;
CREATE INDEX search_rows_match ON search_rows USING gin (search_lexemes(match, id >> 30));
