-- Pre-aggregated results; see the PostgreSQL 0013 for what each counter means. Here
-- day is the UTC day of the attempt's end (Unix milliseconds / 86400000), every
-- trigger is per row (SQLite's writers are serialised, and its import inserts row
-- by row), and the shards only keep the two schemas alike.
CREATE TABLE campaign_counters (
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day            integer NOT NULL,
    shard          integer NOT NULL,
    outcome        text NOT NULL,
    disposition    text NOT NULL,
    attempts       integer NOT NULL DEFAULT 0,
    first_attempts integer NOT NULL DEFAULT 0,
    answered       integer NOT NULL DEFAULT 0,
    human          integer NOT NULL DEFAULT 0,
    talk_ms        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day, shard, outcome, disposition)
);
CREATE INDEX campaign_counters_day ON campaign_counters (day, campaign_id);

CREATE TABLE campaign_contact_counters (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    shard       integer NOT NULL,
    done        integer NOT NULL,
    disposition text NOT NULL,
    contacts    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, shard, done, disposition)
);

CREATE TRIGGER attempts_count AFTER UPDATE OF state ON attempts
WHEN OLD.state = 'dialing' AND NEW.state <> 'dialing'
BEGIN
    INSERT INTO campaign_counters (campaign_id, day, shard, outcome, disposition,
        attempts, first_attempts, answered, human, talk_ms)
    VALUES (NEW.campaign_id, COALESCE(NEW.ended_at, NEW.started_at) / 86400000, NEW.id % 8, NEW.outcome, NEW.disposition, 1,
        NEW.attempt_no = 1, NEW.outcome IN ('answered', 'voicemail', 'abandoned'),
        NEW.outcome = 'answered' AND NEW.disposition <> 'voicemail_left'
            AND COALESCE(CASE WHEN json_valid(NEW.result) THEN json_extract(NEW.result, '$.amd.verdict') END, '') <> 'machine',
        CASE WHEN NEW.outcome IN ('answered', 'voicemail', 'abandoned') THEN NEW.duration_ms ELSE 0 END)
    ON CONFLICT (campaign_id, day, shard, outcome, disposition) DO UPDATE SET
        attempts = attempts + 1, first_attempts = first_attempts + excluded.first_attempts,
        answered = answered + excluded.answered, human = human + excluded.human, talk_ms = talk_ms + excluded.talk_ms;
END;

CREATE TRIGGER attempts_uncount AFTER DELETE ON attempts
WHEN OLD.state <> 'dialing'
BEGIN
    UPDATE campaign_counters SET attempts = attempts - 1, first_attempts = first_attempts - (OLD.attempt_no = 1),
        answered = answered - (OLD.outcome IN ('answered', 'voicemail', 'abandoned')),
        human = human - (OLD.outcome = 'answered' AND OLD.disposition <> 'voicemail_left'
            AND COALESCE(CASE WHEN json_valid(OLD.result) THEN json_extract(OLD.result, '$.amd.verdict') END, '') <> 'machine'),
        talk_ms = talk_ms - CASE WHEN OLD.outcome IN ('answered', 'voicemail', 'abandoned') THEN OLD.duration_ms ELSE 0 END
    WHERE campaign_id = OLD.campaign_id AND day = COALESCE(OLD.ended_at, OLD.started_at) / 86400000
        AND shard = OLD.id % 8 AND outcome = OLD.outcome AND disposition = OLD.disposition;
END;

CREATE TRIGGER contacts_count AFTER INSERT ON contacts
BEGIN
    INSERT INTO campaign_contact_counters (campaign_id, shard, done, disposition, contacts)
    VALUES (NEW.campaign_id, NEW.id % 8, NEW.state = 'done', CASE WHEN NEW.state = 'done' THEN NEW.disposition ELSE '' END, 1)
    ON CONFLICT (campaign_id, shard, done, disposition) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contacts_uncount AFTER DELETE ON contacts
BEGIN
    UPDATE campaign_contact_counters SET contacts = contacts - 1
    WHERE campaign_id = OLD.campaign_id AND shard = OLD.id % 8 AND done = (OLD.state = 'done')
        AND disposition = CASE WHEN OLD.state = 'done' THEN OLD.disposition ELSE '' END;
END;

CREATE TRIGGER contacts_recount AFTER UPDATE OF state, disposition ON contacts
WHEN (OLD.state = 'done') <> (NEW.state = 'done') OR (NEW.state = 'done' AND OLD.disposition <> NEW.disposition)
BEGIN
    UPDATE campaign_contact_counters SET contacts = contacts - 1
    WHERE campaign_id = OLD.campaign_id AND shard = OLD.id % 8 AND done = (OLD.state = 'done')
        AND disposition = CASE WHEN OLD.state = 'done' THEN OLD.disposition ELSE '' END;
    INSERT INTO campaign_contact_counters (campaign_id, shard, done, disposition, contacts)
    VALUES (NEW.campaign_id, NEW.id % 8, NEW.state = 'done', CASE WHEN NEW.state = 'done' THEN NEW.disposition ELSE '' END, 1)
    ON CONFLICT (campaign_id, shard, done, disposition) DO UPDATE SET contacts = contacts + 1;
END;

-- Backfill.
INSERT INTO campaign_counters (campaign_id, day, shard, outcome, disposition, attempts, first_attempts, answered, human, talk_ms)
SELECT campaign_id, COALESCE(ended_at, started_at) / 86400000, id % 8, outcome, disposition, count(*),
    sum(attempt_no = 1), sum(outcome IN ('answered', 'voicemail', 'abandoned')),
    sum(outcome = 'answered' AND disposition <> 'voicemail_left'
        AND COALESCE(CASE WHEN json_valid(result) THEN json_extract(result, '$.amd.verdict') END, '') <> 'machine'),
    sum(CASE WHEN outcome IN ('answered', 'voicemail', 'abandoned') THEN duration_ms ELSE 0 END)
FROM attempts WHERE state <> 'dialing' GROUP BY 1, 2, 3, 4, 5;

INSERT INTO campaign_contact_counters (campaign_id, shard, done, disposition, contacts)
SELECT campaign_id, id % 8, state = 'done', CASE WHEN state = 'done' THEN disposition ELSE '' END, count(*)
FROM contacts GROUP BY 1, 2, 3, 4;

ALTER TABLE dispositions ADD COLUMN goal integer NOT NULL DEFAULT 0;
UPDATE dispositions SET goal = 1 WHERE code IN ('promise_to_pay', 'claims_paid', 'transferred');

CREATE TABLE campaign_goals (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    disposition text NOT NULL,
    PRIMARY KEY (campaign_id, disposition)
);

CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    file        text NOT NULL,
    state       text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    bytes_total integer NOT NULL DEFAULT 0,
    bytes_read  integer NOT NULL DEFAULT 0,
    rows_read   integer NOT NULL DEFAULT 0,
    imported    integer NOT NULL DEFAULT 0,
    duplicates  integer NOT NULL DEFAULT 0,
    rejected    integer NOT NULL DEFAULT 0,
    report      TEXT NOT NULL DEFAULT '{}',
    error       text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX import_jobs_campaign ON import_jobs (campaign_id, id);

-- Calls in progress per campaign, counted without reading its finished attempts.
CREATE INDEX attempts_open_campaign ON attempts (campaign_id) WHERE state = 'dialing';

-- A campaign's contacts in id order (the results pages' cursor): SQLite keeps the rowid
-- at the end of every index, so this is (campaign_id, id).
CREATE INDEX contacts_campaign_id ON contacts (campaign_id);

-- The results page's exact 24-hour abandonment reads the attempts of the last day: the
-- index covers what it reads (PostgreSQL's 0009 index INCLUDEs them already).
DROP INDEX IF EXISTS attempts_campaign_started;
CREATE INDEX attempts_campaign_started ON attempts (campaign_id, started_at, outcome, disposition);
