-- Consents recorded without a record hash (the API stored them before the ledger sealed
-- every record itself) read as "edited" and were not relied upon. The Go step of this
-- migration (store.DB.sealConsents) computes the missing hashes from the records' content
-- and notes each repair in admin_audit (action consent.seal). Records whose stored hash is
-- not empty and does not match stay as they are: those may have been edited.
SELECT 1;
