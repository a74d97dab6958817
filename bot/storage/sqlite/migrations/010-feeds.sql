-- The news feeds (RSS, Atom) a space follows, and the items seen in each.
-- A feed is polled by one process at a time: the one whose lease (owner, expiry) is current.
-- Dates are ISO 8601 text in UTC, as everywhere else, so that they compare as they sort.
-- A paused feed with a reason was paused by its failures (the reason: the last error, JSON);
-- without one, by an admin.

CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    space TEXT NOT NULL,
    url TEXT NOT NULL,
    channel_id TEXT,
    title TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    pause_reason TEXT,
    etag TEXT,
    last_modified TEXT,
    interval_seconds INTEGER NOT NULL,
    next_poll_at TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    quiet_polls INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_polled_at TEXT,
    lease_owner TEXT,
    lease_expires_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (space, url)
);
CREATE INDEX feeds_due ON feeds (paused, next_poll_at);
CREATE TABLE feed_items (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT,
    link TEXT,
    content_hash TEXT NOT NULL,
    page_hash TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    article_id INTEGER,
    version INTEGER,
    announced INTEGER NOT NULL DEFAULT 0,
    seen_at TEXT NOT NULL
);
CREATE INDEX feed_items_by_guid ON feed_items (feed_id, guid);
CREATE INDEX feed_items_by_link ON feed_items (feed_id, link);
CREATE INDEX feed_items_by_hash ON feed_items (feed_id, content_hash);
