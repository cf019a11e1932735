-- Conversation intelligence per attempt (docs/inspection.md): the caller's sentiment
-- over the call and the post-call inspection's verdict, as columns so that campaign
-- figures and the compliance officer's list of failing calls are queries, not scans of
-- the result documents (which carry the details: every turn, every failed rule).
ALTER TABLE attempts ADD COLUMN sentiment_mean REAL;
ALTER TABLE attempts ADD COLUMN sentiment_min REAL;
ALTER TABLE attempts ADD COLUMN sentiment_angry INTEGER;
ALTER TABLE attempts ADD COLUMN sentiment_arousal REAL;
ALTER TABLE attempts ADD COLUMN inspection_pass INTEGER;
ALTER TABLE attempts ADD COLUMN inspection_rule text;
ALTER TABLE attempts ADD COLUMN inspection_offset_ms INTEGER;
ALTER TABLE attempts ADD COLUMN inspection_failures text;

CREATE INDEX attempts_inspection_failed ON attempts (campaign_id, id) WHERE inspection_pass = 0;
