-- Compliance data: sellers, the campaign's compliance settings, do-not-call
-- entries (per list and scope, with who, why and when), registry snapshots, the consent
-- ledger, EBRs, Reassigned Numbers Database answers and the hash-chained audit log.
CREATE TABLE sellers (
    id                   text PRIMARY KEY,
    name                 text NOT NULL DEFAULT '',
    caller_ids           TEXT NOT NULL DEFAULT '[]',
    platform_suppression integer NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

ALTER TABLE campaigns ADD COLUMN voice text NOT NULL DEFAULT 'artificial';
ALTER TABLE campaigns ADD COLUMN subject text NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN rule_packs text NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN pacing text NOT NULL DEFAULT 'one_to_one';

-- History rules read a number's attempts over the last 32 days.
CREATE INDEX attempts_phone ON attempts (phone_e164, started_at);

-- One row per listing; a removal keeps the row (64.1200(d)(6): keep requests 5 years).
CREATE TABLE dnc_entries (
    id             INTEGER PRIMARY KEY,
    list           text NOT NULL CHECK (list IN ('internal', 'national', 'state', 'tps', 'decline')),
    scope          text NOT NULL DEFAULT '',   -- seller (internal) or region (state)
    phone_e164     text NOT NULL,
    listed_at      INTEGER NOT NULL,
    added_by       text NOT NULL,
    reason         text NOT NULL DEFAULT '',
    source         text NOT NULL DEFAULT '',   -- cli | api | opt_out | import:FILE
    removed_at     INTEGER,
    removed_by     text,
    removed_reason text
);
CREATE UNIQUE INDEX dnc_entries_active ON dnc_entries (list, scope, phone_e164) WHERE removed_at IS NULL;
CREATE INDEX dnc_entries_phone ON dnc_entries (phone_e164, id);

-- Every add and remove in order: nodes apply the changes after the seq they have.
CREATE TABLE dnc_changes (
    seq        INTEGER PRIMARY KEY,
    op         text NOT NULL CHECK (op IN ('add', 'remove')),
    list       text NOT NULL,
    scope      text NOT NULL DEFAULT '',
    phone_e164 text NOT NULL,
    at         INTEGER NOT NULL
);

-- A registry copy (national, state, tps, decline; or a bulk internal list) replaces the
-- list's previous copy for its scope. The numbers are a serialized roaring64 bitmap, in chunks.
CREATE TABLE dnc_snapshots (
    id          INTEGER PRIMARY KEY,
    list        text NOT NULL CHECK (list IN ('internal', 'national', 'state', 'tps', 'decline')),
    scope       text NOT NULL DEFAULT '',
    as_of       text NOT NULL,              -- YYYY-MM-DD, the registry's download date
    numbers     bigint NOT NULL,
    source      text NOT NULL DEFAULT '',
    sha256      text NOT NULL DEFAULT '',
    imported_by text NOT NULL DEFAULT '',
    imported_at INTEGER NOT NULL,
    bytes       bigint NOT NULL DEFAULT 0
);
CREATE INDEX dnc_snapshots_list ON dnc_snapshots (list, scope, id);
CREATE TABLE dnc_snapshot_chunks (
    snapshot_id bigint NOT NULL REFERENCES dnc_snapshots (id) ON DELETE CASCADE,
    chunk_no    integer NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (snapshot_id, chunk_no)
);

-- The consent ledger (docs/compliance-check.md): kind, purposes, artificial voice, source and
-- evidence, given/expiry/revocation with channel. record_hash identifies the record in audits.
CREATE TABLE consents (
    id                 INTEGER PRIMARY KEY,
    phone_e164         text NOT NULL,
    seller             text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('written', 'express', 'direct')),
    scope              TEXT NOT NULL DEFAULT '[]',
    artificial_voice   integer NOT NULL DEFAULT 0,
    source             text NOT NULL DEFAULT '',
    evidence_text      text NOT NULL DEFAULT '',
    evidence_ip        text NOT NULL DEFAULT '',
    evidence_recording text NOT NULL DEFAULT '',   -- hash of the recording
    given_at           INTEGER NOT NULL,
    expires_at         INTEGER,
    revoked_at         INTEGER,
    revoked_via        text NOT NULL DEFAULT '',
    revoked_by         text NOT NULL DEFAULT '',
    recorded_by        text NOT NULL DEFAULT '',
    record_hash        text NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL
);
CREATE INDEX consents_phone ON consents (phone_e164, id);

CREATE TABLE ebrs (
    id         INTEGER PRIMARY KEY,
    phone_e164 text NOT NULL,
    seller     text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('purchase', 'inquiry')),
    at         INTEGER NOT NULL
);
CREATE INDEX ebrs_phone ON ebrs (phone_e164);

CREATE TABLE reassigned_checks (
    id         INTEGER PRIMARY KEY,
    phone_e164 text NOT NULL,
    answer     text NOT NULL CHECK (answer IN ('yes', 'no', 'no_data')),
    checked_at INTEGER NOT NULL
);
CREATE INDEX reassigned_checks_phone ON reassigned_checks (phone_e164, checked_at);

-- Every gate decision, hash-chained (record holds the AuditRecord JSON, hash included).
CREATE TABLE compliance_audit (
    seq        bigint PRIMARY KEY,
    decided_at INTEGER NOT NULL,
    phone_e164 text NOT NULL,
    campaign   text NOT NULL DEFAULT '',
    decision   text NOT NULL,
    consent_id text NOT NULL DEFAULT '',
    record     text NOT NULL,
    prev       text NOT NULL,
    hash       text NOT NULL
);
CREATE INDEX compliance_audit_phone ON compliance_audit (phone_e164, seq);
CREATE INDEX compliance_audit_consent ON compliance_audit (consent_id) WHERE consent_id <> '';
