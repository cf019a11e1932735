-- Bulk import speed. The foreign keys contacts → campaigns and
-- contacts → contact_lists cost two referential-integrity queries per
-- inserted row: about half of the CPU of a million-row import (measured in
-- BENCHMARKS.md, "Import"). Nothing but the import inserts contacts, and it
-- takes campaign_id from a campaign it holds a lock on and list_id from the
-- list it has just created in the same transaction, so the checks are
-- redundant there. Deleting a campaign still deletes its contacts (a trigger
-- in place of ON DELETE CASCADE); contact lists are only ever deleted with
-- their campaign.
ALTER TABLE contacts DROP CONSTRAINT contacts_campaign_id_fkey;
ALTER TABLE contacts DROP CONSTRAINT contacts_list_id_fkey;

CREATE FUNCTION contacts_delete_with_campaign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contacts WHERE campaign_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER campaigns_delete_contacts AFTER DELETE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION contacts_delete_with_campaign();
