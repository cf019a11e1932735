-- Conversation intelligence. attempts.captured holds the slots a voice bot captured
-- on the call (slot → value, a JSON object; the CSV export and the call's summary read
-- it). unanswered_questions keeps the callers' questions no knowledge entry answered,
-- per campaign, so that a script's author can add entries; `normalized` (lower case,
-- punctuation and spaces folded) groups the same question asked in several calls.
ALTER TABLE attempts ADD COLUMN captured TEXT NOT NULL DEFAULT '{}';

CREATE TABLE unanswered_questions (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    attempt_id  INTEGER REFERENCES attempts (id) ON DELETE CASCADE,
    text        text NOT NULL,
    normalized  text NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX unanswered_questions_campaign ON unanswered_questions (campaign_id, normalized);
