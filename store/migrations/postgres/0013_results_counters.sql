-- Pre-aggregated results (the dashboard's overview, funnel, comparison and campaign
-- list read these, never a scan of attempts or contacts).
--
-- campaign_counters: finished attempts per campaign, UTC day of the attempt's end
-- (days since 1970-01-01), outcome and disposition. A trigger adds an attempt when it
-- leaves 'dialing' (AttemptFinish, or the lease rescue's 'lost'), in the statement
-- that closes it: no extra round trip, and it commits or rolls back with it.
-- shard (attempt id mod 8) spreads concurrent finishes of one campaign over 8 rows,
-- so they do not queue on one row lock. answered: outcome answered, voicemail or
-- abandoned; human: answered and the AMD verdict (result.amd.verdict) is not
-- machine and the disposition is not voicemail_left (no AMD: counted human);
-- talk_ms: duration_ms of answered attempts; first_attempts: attempt_no 1 (contacts
-- dialled). The goal is not counted here: it is a set of dispositions, summed at
-- read time (see campaign_goals), so redefining it needs no recount.
CREATE TABLE campaign_counters (
    campaign_id    bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    day            integer NOT NULL,
    shard          smallint NOT NULL,
    outcome        text NOT NULL,
    disposition    text NOT NULL,
    attempts       bigint NOT NULL DEFAULT 0,
    first_attempts bigint NOT NULL DEFAULT 0,
    answered       bigint NOT NULL DEFAULT 0,
    human          bigint NOT NULL DEFAULT 0,
    talk_ms        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, day, shard, outcome, disposition)
);
CREATE INDEX campaign_counters_day ON campaign_counters (day, campaign_id);

-- campaign_contact_counters: contacts per campaign, final (state done, by
-- disposition) or not (disposition ''), kept by statement-level triggers on insert,
-- update and delete (the lease's updates count nothing: no contact enters or leaves done).
CREATE TABLE campaign_contact_counters (
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    shard       smallint NOT NULL,
    done        boolean NOT NULL,
    disposition text NOT NULL,
    contacts    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, shard, done, disposition)
);

CREATE FUNCTION attempt_counters_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_counters AS k (campaign_id, day, shard, outcome, disposition,
        attempts, first_attempts, answered, human, talk_ms)
    VALUES (NEW.campaign_id, floor(extract(epoch FROM COALESCE(NEW.ended_at, NEW.started_at)) / 86400)::integer,
        NEW.id % 8, NEW.outcome, NEW.disposition, 1, (NEW.attempt_no = 1)::int,
        (NEW.outcome IN ('answered', 'voicemail', 'abandoned'))::int,
        (NEW.outcome = 'answered' AND COALESCE(NEW.result->'amd'->>'verdict', '') <> 'machine'
            AND NEW.disposition <> 'voicemail_left')::int,
        CASE WHEN NEW.outcome IN ('answered', 'voicemail', 'abandoned') THEN NEW.duration_ms ELSE 0 END)
    ON CONFLICT (campaign_id, day, shard, outcome, disposition) DO UPDATE SET
        attempts = k.attempts + 1, first_attempts = k.first_attempts + excluded.first_attempts,
        answered = k.answered + excluded.answered, human = k.human + excluded.human,
        talk_ms = k.talk_ms + excluded.talk_ms;
    RETURN NULL;
END
$$;
CREATE TRIGGER attempts_count AFTER UPDATE OF state ON attempts
    FOR EACH ROW WHEN (OLD.state = 'dialing' AND NEW.state <> 'dialing')
    EXECUTE FUNCTION attempt_counters_add();

-- Deleted attempts (with their contact) leave the counters: one statement-level
-- UPDATE per DELETE. Only UPDATE: a campaign being deleted has lost its rows already.
CREATE FUNCTION attempt_counters_sub() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_counters k SET attempts = k.attempts - d.attempts, first_attempts = k.first_attempts - d.first_attempts,
        answered = k.answered - d.answered, human = k.human - d.human, talk_ms = k.talk_ms - d.talk_ms
    FROM (SELECT campaign_id, floor(extract(epoch FROM COALESCE(ended_at, started_at)) / 86400)::integer AS day,
            (id % 8)::smallint AS shard, outcome, disposition, count(*) AS attempts,
            count(*) FILTER (WHERE attempt_no = 1) AS first_attempts,
            count(*) FILTER (WHERE outcome IN ('answered', 'voicemail', 'abandoned')) AS answered,
            count(*) FILTER (WHERE outcome = 'answered' AND COALESCE(result->'amd'->>'verdict', '') <> 'machine'
                AND disposition <> 'voicemail_left') AS human,
            COALESCE(sum(duration_ms) FILTER (WHERE outcome IN ('answered', 'voicemail', 'abandoned')), 0) AS talk_ms
          FROM gone WHERE state <> 'dialing' GROUP BY 1, 2, 3, 4, 5) d
    WHERE k.campaign_id = d.campaign_id AND k.day = d.day AND k.shard = d.shard AND k.outcome = d.outcome
        AND k.disposition = d.disposition;
    RETURN NULL;
END
$$;
CREATE TRIGGER attempts_uncount AFTER DELETE ON attempts REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION attempt_counters_sub();

-- Contacts: inserts per statement (the import's COPY is one statement), deletes per
-- statement, and per row only the updates that enter or leave done.
CREATE FUNCTION contact_counters_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_contact_counters AS k (campaign_id, shard, done, disposition, contacts)
    SELECT campaign_id, (id % 8)::smallint, state = 'done', CASE WHEN state = 'done' THEN disposition ELSE '' END, count(*)
    FROM added GROUP BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, shard, done, disposition) DO UPDATE SET contacts = k.contacts + excluded.contacts;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_count AFTER INSERT ON contacts REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION contact_counters_insert();

CREATE FUNCTION contact_counters_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE campaign_contact_counters k SET contacts = k.contacts - d.n
    FROM (SELECT campaign_id, (id % 8)::smallint AS shard, state = 'done' AS done,
            CASE WHEN state = 'done' THEN disposition ELSE '' END AS disposition, count(*) AS n
          FROM gone GROUP BY 1, 2, 3, 4) d
    WHERE k.campaign_id = d.campaign_id AND k.shard = d.shard AND k.done = d.done AND k.disposition = d.disposition;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_uncount AFTER DELETE ON contacts REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION contact_counters_delete();

-- Updates per statement too: a stopped campaign closes all its pending contacts in
-- one UPDATE, and a row trigger would update the same few counter rows once per
-- contact in one transaction (each update a new row version the next must walk past).
-- Only contacts that enter or leave done, or change final disposition, count.
CREATE FUNCTION contact_counters_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_contact_counters AS k (campaign_id, shard, done, disposition, contacts)
    SELECT d.campaign_id, d.shard, d.done, d.disposition, sum(d.n) FROM (
        SELECT o.campaign_id, (o.id % 8)::smallint AS shard, o.state = 'done' AS done,
            CASE WHEN o.state = 'done' THEN o.disposition ELSE '' END AS disposition, -1 AS n,
            a.campaign_id AS new_campaign_id, a.id % 8 AS new_shard, a.state = 'done' AS new_done,
            CASE WHEN a.state = 'done' THEN a.disposition ELSE '' END AS new_disposition
        FROM before_rows o JOIN after_rows a ON a.id = o.id
        WHERE (o.state = 'done') <> (a.state = 'done') OR (a.state = 'done' AND o.disposition <> a.disposition)
    ) m CROSS JOIN LATERAL (VALUES (m.campaign_id, m.shard, m.done, m.disposition, m.n),
        (m.new_campaign_id, m.new_shard::smallint, m.new_done, m.new_disposition, 1)) AS d(campaign_id, shard, done, disposition, n)
    GROUP BY 1, 2, 3, 4 HAVING sum(d.n) <> 0
    ON CONFLICT (campaign_id, shard, done, disposition) DO UPDATE SET contacts = k.contacts + excluded.contacts;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_recount AFTER UPDATE ON contacts REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION contact_counters_update();

-- Backfill.
INSERT INTO campaign_counters (campaign_id, day, shard, outcome, disposition, attempts, first_attempts, answered, human, talk_ms)
SELECT campaign_id, floor(extract(epoch FROM COALESCE(ended_at, started_at)) / 86400)::integer, (id % 8)::smallint,
    outcome, disposition, count(*), count(*) FILTER (WHERE attempt_no = 1),
    count(*) FILTER (WHERE outcome IN ('answered', 'voicemail', 'abandoned')),
    count(*) FILTER (WHERE outcome = 'answered' AND COALESCE(result->'amd'->>'verdict', '') <> 'machine'
        AND disposition <> 'voicemail_left'),
    COALESCE(sum(duration_ms) FILTER (WHERE outcome IN ('answered', 'voicemail', 'abandoned')), 0)
FROM attempts WHERE state <> 'dialing' GROUP BY 1, 2, 3, 4, 5;

INSERT INTO campaign_contact_counters (campaign_id, shard, done, disposition, contacts)
SELECT campaign_id, (id % 8)::smallint, state = 'done', CASE WHEN state = 'done' THEN disposition ELSE '' END, count(*)
FROM contacts GROUP BY 1, 2, 3, 4;

-- The goal: a disposition that means the campaign reached what it called for. The
-- catalogue marks the default ones; a campaign may name its own (campaign_goals,
-- which then replace the catalogue's for that campaign).
ALTER TABLE dispositions ADD COLUMN goal boolean NOT NULL DEFAULT false;
UPDATE dispositions SET goal = true WHERE code IN ('promise_to_pay', 'claims_paid', 'transferred');

CREATE TABLE campaign_goals (
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    disposition text NOT NULL,
    PRIMARY KEY (campaign_id, disposition)
);

-- Contact uploads from the dashboard: one row per upload, so a page left and
-- reopened shows the running or finished import.
CREATE TABLE import_jobs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    file        text NOT NULL,
    state       text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    bytes_total bigint NOT NULL DEFAULT 0,
    bytes_read  bigint NOT NULL DEFAULT 0,
    rows_read   integer NOT NULL DEFAULT 0,
    imported    integer NOT NULL DEFAULT 0,
    duplicates  integer NOT NULL DEFAULT 0,
    rejected    integer NOT NULL DEFAULT 0,
    report      jsonb NOT NULL DEFAULT '{}',
    error       text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL,
    finished_at timestamptz
);
CREATE INDEX import_jobs_campaign ON import_jobs (campaign_id, id);

-- Calls in progress per campaign, counted without reading its finished attempts.
CREATE INDEX attempts_open_campaign ON attempts (campaign_id) WHERE state = 'dialing';
