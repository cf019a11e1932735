package bench

import (
	"context"
	"io"
	"testing"
	"time"
)

// The whole node on a scratch PostgreSQL database against the simulator for a few
// seconds: calls finish, none fails, the gate decides twice per call and audits every
// decision, the store's round trips are counted, and the audit chain verifies.
func TestCampaign(t *testing.T) {
	rep, err := Campaign(context.Background(), CampaignOptions{DatabaseURL: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		Contacts: 3000, Calls: 40, Warmup: 2 * time.Second, Duration: 3 * time.Second, Talk: 100 * time.Millisecond}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Backend != "postgres" || rep.Attempts <= 0 || rep.AttemptsPerSecond <= 0 || rep.CPUMSPerAttempt <= 0 {
		t.Fatalf("backend %s, %d attempts, %.1f/s, %.2f ms CPU each: %+v", rep.Backend, rep.Attempts, rep.AttemptsPerSecond, rep.CPUMSPerAttempt, rep)
	}
	if rep.Failed != 0 || rep.NotPlaced != 0 || rep.Answered != rep.Attempts {
		t.Errorf("%d attempts: %d answered, %d failed, %d not placed", rep.Attempts, rep.Answered, rep.Failed, rep.NotPlaced)
	}
	if rep.RoundTripsPerAttempt == nil || *rep.RoundTripsPerAttempt <= 0 || rep.TransactionsPerAttempt == nil || *rep.TransactionsPerAttempt <= 0 ||
		len(rep.Statements) == 0 {
		t.Errorf("round trips %v, transactions %v, statements %v", rep.RoundTripsPerAttempt, rep.TransactionsPerAttempt, rep.Statements)
	}
	if rep.GateDecisionsPerSecond < rep.AttemptsPerSecond || rep.AuditRecordsPerSecond <= 0 || rep.AuditRecordsVerified < int(rep.Attempts) {
		t.Errorf("gate %.1f/s, audit %.1f/s, %d audit records verified for %d attempts",
			rep.GateDecisionsPerSecond, rep.AuditRecordsPerSecond, rep.AuditRecordsVerified, rep.Attempts)
	}
}

// On SQLite the bench runs too; round trips are not counted (no server).
func TestCampaignSQLite(t *testing.T) {
	rep, err := Campaign(context.Background(), CampaignOptions{DatabaseURL: "sqlite", Contacts: 1000, Calls: 20,
		Duration: 2 * time.Second, Talk: 100 * time.Millisecond}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Backend != "sqlite" || rep.Attempts <= 0 || rep.Failed != 0 || rep.RoundTripsPerAttempt != nil {
		t.Fatalf("backend %s, %d attempts, %d failed, round trips %v", rep.Backend, rep.Attempts, rep.Failed, rep.RoundTripsPerAttempt)
	}
}
