-- Each sentence's answer shapes, found when the version was indexed
-- (index/language/shapes.py, JSON). Versions indexed before have none and are scanned when asked.

ALTER TABLE versions ADD COLUMN shapes TEXT;
