-- Adaptive pacing. A campaign's pacing options (JSON owned by package
-- campaign: max dial ratio, abandonment target and message, agents for transfers); the
-- pacing mode stays in the campaigns.pacing column of 0003, which the compliance gate
-- reads too. Two dispositions: a call answered with no free bot slot (it heard the
-- abandonment message; counts against the 3 % and is not re-called for 72 h) and a
-- transfer that found no free agent within 2 s.
ALTER TABLE campaigns ADD COLUMN pace TEXT NOT NULL DEFAULT '{}';
INSERT INTO dispositions (code, terminal, description) VALUES
    ('abandoned',          0, 'answered with no free bot slot: abandonment message, no re-call for 72 h'),
    ('transfer_abandoned', 0, 'the bot transferred and no agent was free within 2 s')
ON CONFLICT (code) DO NOTHING;
