-- Compliance facts of a contact: line type ('' is unknown), the address region
-- (ISO 3166-2) and the debts of a collections call (comma-separated). See the PostgreSQL
-- migration of the same number.
ALTER TABLE contacts ADD COLUMN line_type text NOT NULL DEFAULT ''
    CHECK (line_type IN ('', 'wireless', 'landline', 'unknown'));
ALTER TABLE contacts ADD COLUMN region text NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN debt_ids text NOT NULL DEFAULT '';
CREATE INDEX contacts_phone ON contacts (phone_e164, id);

-- Audit retention anchors (see the PostgreSQL migration).
CREATE TABLE compliance_audit_anchors (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL,
    hash        text NOT NULL,
    decided_at  INTEGER NOT NULL,
    pruned      INTEGER NOT NULL,
    retention   text NOT NULL,
    pruned_by   text NOT NULL,
    pruned_at   INTEGER NOT NULL
);
