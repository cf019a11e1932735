-- Conversation intelligence per attempt (docs/inspection.md): the caller's sentiment
-- over the call and the post-call inspection's verdict, as columns so that campaign
-- figures and the compliance officer's list of failing calls are queries, not scans of
-- the result documents (which carry the details: every turn, every failed rule).
ALTER TABLE attempts
    ADD COLUMN sentiment_mean       double precision,
    ADD COLUMN sentiment_min        double precision,
    ADD COLUMN sentiment_angry      boolean,
    ADD COLUMN sentiment_arousal    double precision,
    ADD COLUMN inspection_pass      boolean,
    ADD COLUMN inspection_rule      text,
    ADD COLUMN inspection_offset_ms bigint,
    ADD COLUMN inspection_failures  jsonb;

CREATE INDEX attempts_inspection_failed ON attempts (campaign_id, id) WHERE inspection_pass = false;
