package compliance

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// AuditRecord is one decision in the audit log (docs/compliance-check.md, "The audit record"): the decision, the
// rules that fired and passed, and the identifiers and versions of its inputs. Records form
// a hash chain: Hash = SHA-256(Prev ‖ the record's JSON with Hash empty), so editing,
// deleting or reordering a record breaks every later link.
type AuditRecord struct {
	Seq            uint64   `json:"seq"`
	DecidedAt      string   `json:"decided_at"` // when the gate decided (UTC)
	AttemptID      string   `json:"attempt_id"`
	Number         string   `json:"number"`
	Campaign       string   `json:"campaign"`
	PlannedAt      string   `json:"planned_at"`
	Decision       string   `json:"decision"`
	Rules          []string `json:"rules"`
	Passed         []string `json:"passed"`
	Reason         string   `json:"reason"`
	NextEligibleAt string   `json:"next_eligible_at,omitempty"`
	Zones          []string `json:"zones"`
	PackVersion    string   `json:"pack_version"`
	Engine         string   `json:"engine"` // phonenumbers metadata and Go (tzdata) versions
	ConsentID      string   `json:"consent_id,omitempty"`
	NationalAsOf   string   `json:"national_dnc_as_of,omitempty"`
	TPSAsOf        string   `json:"tps_as_of,omitempty"`
	Prev           string   `json:"prev"`
	Hash           string   `json:"hash"`
}

// auditEngine names the versions of the inputs' code and data.
var auditEngine = "voxdial-gate/1 phonenumbers/v1.8.1 tzdata/embedded-" + goTZVersion

// AuditLog appends decisions to a hash-chained JSON Lines stream. Safe for concurrent use;
// appends are serialised (batch them off the hot path).
type AuditLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	prev string
	seq  uint64
	now  func() time.Time
}

// NewAuditLog writes records to w, continuing a chain whose last record had hash prev and
// sequence seq ("" and 0 for a new log).
func NewAuditLog(w io.Writer, prev string, seq uint64) *AuditLog {
	return &AuditLog{w: bufio.NewWriter(w), prev: prev, seq: seq, now: time.Now}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Append records one decision.
func (l *AuditLog) Append(a *Attempt, d *Decision) (AuditRecord, error) {
	j := d.JSON()
	r := AuditRecord{
		AttemptID: a.ID, Number: a.Number, Campaign: a.Campaign, PlannedAt: fmtTime(a.At),
		Decision: j.Decision, Rules: j.Rules, Passed: j.Passed, Reason: j.Reason, NextEligibleAt: j.NextEligibleAt,
		Zones: j.Zones, PackVersion: d.PackVersion, Engine: auditEngine, ConsentID: d.ConsentID,
		NationalAsOf: fmtTime(d.NationalAsOf), TPSAsOf: fmtTime(d.TPSAsOf),
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	r.Seq, r.DecidedAt, r.Prev = l.seq, fmtTime(l.now()), l.prev
	h, err := r.chainHash()
	if err != nil {
		return r, err
	}
	r.Hash = h
	line, err := json.Marshal(&r)
	if err != nil {
		return r, err
	}
	if _, err := l.w.Write(append(line, '\n')); err != nil {
		return r, fmt.Errorf("write audit record %d: %w", r.Seq, err)
	}
	l.prev = h
	return r, nil
}

// Flush writes buffered records.
func (l *AuditLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}

func (r AuditRecord) chainHash() (string, error) {
	r.Hash = ""
	b, err := json.Marshal(&r)
	if err != nil {
		return "", err
	}
	sum := sha256.New()
	sum.Write([]byte(r.Prev))
	sum.Write(b)
	return hex.EncodeToString(sum.Sum(nil)), nil
}

// AuditError reports where a chain breaks.
type AuditError struct {
	Line   int
	Reason string
}

func (e *AuditError) Error() string { return fmt.Sprintf("audit log line %d: %s", e.Line, e.Reason) }

// VerifyAudit checks a whole audit log: each record's hash, its link to the previous
// record and consecutive sequence numbers. It returns the number of records verified.
func VerifyAudit(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	prev, seq, n := "", uint64(0), 0
	for line := 1; sc.Scan(); line++ {
		var rec AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return n, &AuditError{line, "not a record: " + err.Error()}
		}
		if n == 0 {
			prev, seq = rec.Prev, rec.Seq-1 // a log may start mid-chain (rotation)
		}
		if rec.Seq != seq+1 {
			return n, &AuditError{line, fmt.Sprintf("sequence %d follows %d: a record was deleted or moved", rec.Seq, seq)}
		}
		if rec.Prev != prev {
			return n, &AuditError{line, "link to the previous record is broken"}
		}
		h, err := rec.chainHash()
		if err != nil {
			return n, &AuditError{line, err.Error()}
		}
		if h != rec.Hash {
			return n, &AuditError{line, "hash mismatch: the record was edited"}
		}
		prev, seq = rec.Hash, rec.Seq
		n++
	}
	if err := sc.Err(); err != nil {
		return n, err
	}
	return n, nil
}
