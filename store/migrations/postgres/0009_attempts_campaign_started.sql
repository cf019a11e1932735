-- A campaign's abandonment over the rules' windows (24 h, 30 days) is counted from its
-- attempts every few seconds by the pacer and by the compliance gate: an index on
-- (campaign_id, started_at) carrying the two columns the count reads lets PostgreSQL
-- answer from the index alone instead of scanning every attempt of the campaign.
CREATE INDEX IF NOT EXISTS attempts_campaign_started ON attempts (campaign_id, started_at) INCLUDE (outcome, disposition);
