-- Campaign lifecycle for recurring work. An archived campaign is hidden from the
-- default list and read-only; its results are kept (archived_at NULL: not archived).
-- A re-import counts the rows that updated a contact already in the campaign.
ALTER TABLE campaigns ADD COLUMN archived_at INTEGER;
ALTER TABLE contact_lists ADD COLUMN updated integer NOT NULL DEFAULT 0;
-- Attempts made before the contact's current cycle (a recycle or a recurring
-- re-import starts a new one): attempt numbers keep counting (they are unique per
-- contact), the campaign's max attempts apply to attempts - attempts_base.
ALTER TABLE contacts ADD COLUMN attempts_base integer NOT NULL DEFAULT 0;
