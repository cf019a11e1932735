package compliance

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func auditLog(t *testing.T, n int) []string {
	t.Helper()
	st, err := LoadState(strings.NewReader(contractState))
	if err != nil {
		t.Fatal(err)
	}
	g, err := st.Gate()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l := NewAuditLog(&buf, "", 0)
	at := time.Date(2026, 6, 10, 11, 59, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		a := Attempt{ID: "a" + itoa(i), Number: "+12125550123", Campaign: "c1", At: at.Add(time.Duration(i) * 30 * time.Second)}
		d := g.Check(context.Background(), a)
		if _, err := l.Append(&a, &d); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func TestAuditHashChain(t *testing.T) {
	t.Parallel()
	lines := auditLog(t, 5)
	if n, err := VerifyAudit(strings.NewReader(strings.Join(lines, ""))); err != nil || n != 5 {
		t.Fatalf("intact log: n=%d err=%v", n, err)
	}
	if !strings.Contains(lines[0], `"decision":"block"`) || !strings.Contains(lines[4], `"decision":"allow"`) {
		t.Fatalf("log records both allow and block: %s", strings.Join(lines, ""))
	}
	tamper := []struct {
		name string
		edit func(ls []string) []string
		line int
	}{
		{"edited decision", func(ls []string) []string {
			ls[1] = strings.Replace(ls[1], `"decision":"block"`, `"decision":"allow"`, 1)
			return ls
		}, 2},
		{"deleted record", func(ls []string) []string { return append(ls[:2:2], ls[3:]...) }, 3},
		{"swapped records", func(ls []string) []string { ls[1], ls[2] = ls[2], ls[1]; return ls }, 2},
		{"edited reason", func(ls []string) []string {
			ls[3] = strings.Replace(ls[3], `"reason":"`, `"reason":"x`, 1)
			return ls
		}, 4},
	}
	for _, tc := range tamper {
		ls := tc.edit(append([]string(nil), lines...))
		_, err := VerifyAudit(strings.NewReader(strings.Join(ls, "")))
		var ae *AuditError
		if !errors.As(err, &ae) || ae.Line != tc.line {
			t.Errorf("%s: err = %v, want a break at line %d", tc.name, err, tc.line)
		}
	}
}
