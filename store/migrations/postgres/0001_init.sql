-- voxdial schema, version 1 (PostgreSQL). Times are timestamptz.
CREATE TABLE campaigns (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL UNIQUE,
    state          text NOT NULL DEFAULT 'draft'
                   CHECK (state IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'stopped')),
    script         text NOT NULL DEFAULT '',
    trunk          text NOT NULL DEFAULT '',
    caller_ids     jsonb NOT NULL DEFAULT '[]',
    requires       jsonb NOT NULL DEFAULT '[]',
    region         text NOT NULL DEFAULT '',
    time_zone      text NOT NULL DEFAULT '',
    purpose        text NOT NULL DEFAULT '',
    seller         text NOT NULL DEFAULT '',
    max_attempts   integer NOT NULL DEFAULT 0,
    max_concurrent integer NOT NULL DEFAULT 0,
    schedule       jsonb NOT NULL DEFAULT '{}',
    retry_policy   jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    started_at     timestamptz,
    finished_at    timestamptz
);

-- One row per import (file or API upload) into a campaign.
CREATE TABLE contact_lists (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    name        text NOT NULL,
    staged      integer NOT NULL DEFAULT 0,
    inserted    integer NOT NULL DEFAULT 0,
    duplicates  integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL
);

CREATE TABLE contacts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id      bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    list_id          bigint REFERENCES contact_lists (id) ON DELETE SET NULL,
    line             integer NOT NULL DEFAULT 0,
    phone_e164       text NOT NULL,
    external_id      text,
    time_zone        text NOT NULL DEFAULT '',
    variables        jsonb NOT NULL DEFAULT '{}',
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    lease_holder     text,
    lease_expires_at timestamptz,
    disposition      text NOT NULL DEFAULT '',
    last_outcome     text NOT NULL DEFAULT '',
    streak           integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX contacts_campaign_phone ON contacts (campaign_id, phone_e164);
CREATE UNIQUE INDEX contacts_campaign_external ON contacts (campaign_id, external_id) WHERE external_id IS NOT NULL;
-- The hopper's lease scans this in (next_attempt_at, id) order.
CREATE INDEX contacts_due ON contacts (campaign_id, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX contacts_lease_expiry ON contacts (lease_expires_at) WHERE state = 'leased';

CREATE TABLE attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id   bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    attempt_no   integer NOT NULL,
    holder       text NOT NULL,
    phone_e164   text NOT NULL,
    call_id      text NOT NULL DEFAULT '',
    trunk        text NOT NULL DEFAULT '',
    caller_id    text NOT NULL DEFAULT '',
    state        text NOT NULL DEFAULT 'dialing' CHECK (state IN ('dialing', 'done', 'lost')),
    outcome      text NOT NULL DEFAULT '',
    sip_status   integer NOT NULL DEFAULT 0,
    disposition  text NOT NULL DEFAULT '',
    hangup_by    text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL,
    answered_at  timestamptz,
    ended_at     timestamptz,
    duration_ms  bigint NOT NULL DEFAULT 0,
    result       jsonb NOT NULL DEFAULT '{}',
    UNIQUE (contact_id, attempt_no)
);
CREATE INDEX attempts_campaign ON attempts (campaign_id, id);
CREATE INDEX attempts_open ON attempts (contact_id) WHERE state = 'dialing';

CREATE TABLE transcripts (
    attempt_id bigint NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    turn_no    integer NOT NULL,
    role       text NOT NULL,
    text       text NOT NULL DEFAULT '',
    intent     text NOT NULL DEFAULT '',
    dtmf       text NOT NULL DEFAULT '',
    start_ms   bigint NOT NULL DEFAULT 0,
    end_ms     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (attempt_id, turn_no)
);

CREATE TABLE call_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id  bigint REFERENCES contacts (id) ON DELETE CASCADE,
    attempt_id  bigint REFERENCES attempts (id) ON DELETE CASCADE,
    type        text NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL
);
CREATE INDEX call_events_campaign ON call_events (campaign_id, id);

-- The disposition catalogue; terminal dispositions are never retried.
CREATE TABLE dispositions (
    code        text PRIMARY KEY,
    terminal    boolean NOT NULL,
    description text NOT NULL DEFAULT ''
);

-- Every retry the policy (or a callback request, or the gate) scheduled.
CREATE TABLE retry_schedule (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    attempt_id  bigint REFERENCES attempts (id) ON DELETE CASCADE,
    due_at      timestamptz NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX retry_schedule_contact ON retry_schedule (contact_id, id);
