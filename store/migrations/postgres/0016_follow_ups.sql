-- Follow-ups after a call (package aftercall, docs/follow-ups.md): one row per message to
-- send (an SMS), leased by the sender like webhook deliveries, so that the queue survives
-- a restart; every step (queued, blocked by the gate, sent, retried, failed) is logged.
CREATE TABLE follow_ups (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id      bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id       bigint NOT NULL,
    attempt_id       bigint NOT NULL,
    call_id          text NOT NULL DEFAULT '',
    name             text NOT NULL,
    channel          text NOT NULL DEFAULT 'sms',
    to_number        text NOT NULL,
    body             text NOT NULL,
    time_zone        text NOT NULL DEFAULT '',
    state            text NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'blocked')),
    tries            integer NOT NULL DEFAULT 0,
    next_try_at      timestamptz NOT NULL,
    lease_holder     text,
    lease_expires_at timestamptz,
    last_status      integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    gateway_id       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (attempt_id, name)
);
CREATE INDEX follow_ups_due ON follow_ups (next_try_at, id) WHERE state = 'pending';
CREATE INDEX follow_ups_campaign ON follow_ups (campaign_id, id);

CREATE TABLE follow_up_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follow_up_id bigint NOT NULL REFERENCES follow_ups (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    event        text NOT NULL, -- queued | blocked | deferred | sent | retried | failed
    status       integer NOT NULL DEFAULT 0, -- the gateway's HTTP status; 0: none
    detail       text NOT NULL DEFAULT ''
);
CREATE INDEX follow_up_events_follow_up ON follow_up_events (follow_up_id, id);

