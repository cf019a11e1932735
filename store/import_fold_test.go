package store

import (
	"fmt"
	"testing"
)

func TestPhoneKey(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
		okA   bool
	}{
		{"+14155550101", "+14155550101", true, true},
		{"+14155550101", "+14155550102", false, true},
		{"+1", "+01", false, true}, // leading zeros must not collide
		{"+123", "+0123", false, true},
		{"+999999999999999", "+99999999999999", false, true}, // 15 digits
		{"14155550101", "", false, false},                    // no +
		{"+1415555010x", "", false, false},
		{"+1234567890123456", "", false, false}, // 16 digits: not E.164
	}
	for _, tc := range tests {
		ka, ok := phoneKey(tc.a)
		if ok != tc.okA {
			t.Fatalf("phoneKey(%q) ok = %v", tc.a, ok)
		}
		if !ok {
			continue
		}
		kb, _ := phoneKey(tc.b)
		if (ka == kb) != tc.equal {
			t.Fatalf("phoneKey(%q)=%d, phoneKey(%q)=%d: equal %v, want %v", tc.a, ka, tc.b, kb, ka == kb, tc.equal)
		}
	}
}

func TestImportFold(t *testing.T) {
	f := newImportFold()
	rows := []struct {
		phone, id string
		want      foldVerdict
	}{
		{"+14155550101", "A", foldCopy},
		{"+14155550101", "B", foldDuplicate}, // number copied already
		{"+14155550102", "A", foldDoubtful},  // id seen: the database decides
		{"+14155550102", "", foldDoubtful},   // number of a doubtful row
		{"+14155550103", "C", foldCopy},
		{"+14155550104", "A", foldDoubtful},
		{"not-e164", "", foldDoubtful},
		{"+14155550105", "", foldCopy},
	}
	for i, r := range rows {
		if got := f.decide(&ContactRow{Line: i + 2, Phone: r.phone, ExternalID: r.id}); got != r.want {
			t.Fatalf("row %d %+v: %v, want %v", i, r, got, r.want)
		}
	}
}

func TestHashSet(t *testing.T) {
	var s hashSet
	for i := uint64(1); i <= 100000; i++ {
		s.add(i * 0x9e3779b97f4a7c15)
	}
	s.add(0x9e3779b97f4a7c15) // again
	if s.n != 100000 || len(s.slots) < 2*s.n {
		t.Fatalf("n %d, slots %d", s.n, len(s.slots))
	}
	for i := uint64(1); i <= 100000; i++ {
		if !s.has(i * 0x9e3779b97f4a7c15) {
			t.Fatal(fmt.Sprint("lost ", i))
		}
	}
	if s.has(12345) {
		t.Fatal("has a value never added")
	}
}
