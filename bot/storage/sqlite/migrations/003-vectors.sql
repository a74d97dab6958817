-- Sentence vectors are stored with the version they were computed for (float16 rows),
-- with the model that made them: vectors of another model are never mixed in.

ALTER TABLE versions ADD COLUMN vectors BLOB;
ALTER TABLE versions ADD COLUMN model TEXT;
