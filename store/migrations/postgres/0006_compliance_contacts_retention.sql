-- Compliance facts of a contact: line type (US TRACED-Act caps and the wireless
-- consent rule need it; '' is unknown), the address region (ISO 3166-2, e.g. US-FL: state
-- rules apply to the area-code state ∪ the address state) and the debts a collections call
-- is about (Reg F counts per debt), comma-separated.
ALTER TABLE contacts ADD COLUMN line_type text NOT NULL DEFAULT ''
    CHECK (line_type IN ('', 'wireless', 'landline', 'unknown'));
ALTER TABLE contacts ADD COLUMN region text NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN debt_ids text NOT NULL DEFAULT '';
CREATE INDEX contacts_phone ON contacts (phone_e164, id);

-- Audit retention: a prune deletes the oldest records and leaves an anchor (the last pruned
-- record's seq and hash, who pruned, when and why), so that the remaining chain still
-- verifies from the anchor and the cut itself is on record.
CREATE TABLE compliance_audit_anchors (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq         bigint NOT NULL,          -- the last pruned record
    hash        text NOT NULL,            -- its hash: the next record's prev
    decided_at  timestamptz NOT NULL,     -- its decision time
    pruned      bigint NOT NULL,          -- records deleted by this prune
    retention   text NOT NULL,            -- the retention in force (Go duration)
    pruned_by   text NOT NULL,
    pruned_at   timestamptz NOT NULL
);
