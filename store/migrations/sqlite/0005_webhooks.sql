-- Webhooks on call end: each finished attempt is POSTed, signed with the
-- webhook's secret, to every active webhook of its campaign or of the whole
-- deployment (campaign_id NULL); deliveries are retried with back-off and
-- every try is recorded.
CREATE TABLE webhooks (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER REFERENCES campaigns (id) ON DELETE CASCADE, -- NULL: every campaign
    url            text NOT NULL,
    secret         text NOT NULL,
    description    text NOT NULL DEFAULT '',
    active         INTEGER NOT NULL DEFAULT 1,
    after_event_id INTEGER NOT NULL DEFAULT 0, -- calls that ended before the webhook existed are not sent
    created_by     text NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX webhooks_campaign ON webhooks (campaign_id);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL REFERENCES call_events (id) ON DELETE CASCADE, -- the attempt_finished event
    campaign_id      INTEGER NOT NULL,
    attempt_id       INTEGER,
    state            text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    tries            INTEGER NOT NULL DEFAULT 0,
    next_try_at      INTEGER NOT NULL,
    lease_holder     text,
    lease_expires_at INTEGER,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    payload          text NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_try_at, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_attempt ON webhook_deliveries (attempt_id);

-- Every HTTP try of a delivery.
CREATE TABLE webhook_delivery_tries (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    try_no      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0, -- HTTP status; 0: no response
    error       text NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_delivery_tries_delivery ON webhook_delivery_tries (delivery_id, try_no);

-- The dashboard's charts read a campaign's events by type and time (the live
-- view: the last minutes, and gate decisions since the start).
CREATE INDEX call_events_campaign_type_at ON call_events (campaign_id, type, at);
