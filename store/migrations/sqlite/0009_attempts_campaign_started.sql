-- A campaign's abandonment over the rules' windows (24 h, 30 days) is counted from its
-- attempts every few seconds by the pacer and by the compliance gate: index the window.
CREATE INDEX IF NOT EXISTS attempts_campaign_started ON attempts (campaign_id, started_at);
