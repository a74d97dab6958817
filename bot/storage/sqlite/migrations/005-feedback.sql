-- Votes on answers: one per member and answer, changeable. The question and what was
-- quoted are kept with the vote, so that trimming or forgetting a channel's history does
-- not lose the evaluation cases the votes make.

CREATE TABLE feedback (
    turn_id INTEGER NOT NULL,
    member TEXT NOT NULL,
    vote INTEGER NOT NULL,
    voted_at TEXT NOT NULL,
    space TEXT NOT NULL,
    article_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    question TEXT NOT NULL,
    passages TEXT NOT NULL,
    PRIMARY KEY (turn_id, member)
);
CREATE INDEX feedback_by_article ON feedback (space, article_id);
ALTER TABLE guild_settings ADD COLUMN thread_answers INTEGER NOT NULL DEFAULT 0;
