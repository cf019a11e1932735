package store

import (
	"context"
	"encoding/json"
	"time"
)

// OnCallEvent makes this DB call fn with every call event it appends (attempts started
// and finished, gate decisions, contacts closed, leases rescued, …), once the transaction
// that appended it has committed, in the order appended, with the event's id: the live
// feed publishes them so that every node's dashboard shows them at once, and deduplicates
// them against its poll of the log by id. fn runs on the writer's goroutine and must not
// block. nil stops the calls. Events appended through another DB value are not seen.
func (db *DB) OnCallEvent(fn func(*CallEvent)) {
	if fn == nil {
		db.onEvent.Store(nil)
		return
	}
	db.onEvent.Store(&fn)
}

// emit hands committed events to the OnCallEvent function.
func (db *DB) emit(evs ...*CallEvent) {
	fn := db.onEvent.Load()
	if fn == nil {
		return
	}
	for _, e := range evs {
		if e != nil {
			(*fn)(e)
		}
	}
}

// msTime is t as the store keeps it: UTC, whole milliseconds.
func msTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// newEvent is an event to append at the store's precision.
func newEvent(campaignID, contactID, attemptID int64, typ, data string, at time.Time) *CallEvent {
	return &CallEvent{CampaignID: campaignID, ContactID: contactID, AttemptID: attemptID, Type: typ,
		Data: json.RawMessage(data), At: msTime(at)}
}

// insertEvent appends e through q (a transaction) and sets its id.
func (db *DB) insertEvent(ctx context.Context, q querier, e *CallEvent) error {
	err := q.QueryRowContext(ctx, db.q(`INSERT INTO call_events (campaign_id, contact_id, attempt_id, type, data, at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), e.CampaignID, idNull(e.ContactID), idNull(e.AttemptID), e.Type,
		string(e.Data), db.ts(e.At)).Scan(&e.ID)
	return translate(err)
}
