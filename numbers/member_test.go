package numbers

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func redisZ(score int64, member string) redis.Z {
	return redis.Z{Score: float64(score), Member: member}
}

func TestMemberRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.UTC)
	cases := []Attempt{
		{Number: "+14155550100", CallID: "c-1", At: at, Campaign: "12", Seller: "acme", CallerID: "+12125550000"},
		{Number: "+8613800138000", CallID: "x", At: at.Truncate(time.Second)},
		{Number: "+33612345678", CallID: `quote " and \ and ü`, At: at, Seller: "s"},
	}
	for _, a := range cases {
		m, err := encodeMember(&a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeMember(a.Number, m)
		if err != nil {
			t.Fatal(err)
		}
		want := a
		want.At = a.At.Truncate(time.Millisecond)
		if got != want {
			t.Errorf("round trip of %+v: %+v", want, got)
		}
	}
	for _, bad := range []string{"", "{", "null", `{"call_id":"a"}`, `{"call_id":"","at_ms":1767322445678}`,
		`{"call_id":"a","at_ms":"1767322445678"}`, `{"call_id":"a","at_ms":99999999999999}`, `[]`} {
		if a, err := decodeMember("+14155550100", bad); err == nil {
			t.Errorf("decodeMember(%q) = %+v, want an error", bad, a)
		}
	}
}

// FuzzDecodeMember: whatever is in the shared log, decoding never panics, and what it
// accepts is within bounds and encodes back to a member that decodes to the same attempt.
func FuzzDecodeMember(f *testing.F) {
	for _, s := range []string{`{"call_id":"c-1","at_ms":1767322445678,"campaign":"12","seller":"acme","caller_id":"+12125550000"}`,
		`{"call_id":"x","at_ms":946684800000}`, `{"call_id":"a","at_ms":1e12}`, `{}`, `{"call_id":"a","at_ms":-1}`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, member string) {
		a, err := decodeMember("+14155550100", member)
		if err != nil {
			return
		}
		if a.CallID == "" || a.At.UnixMilli() < minAtMS || a.At.UnixMilli() > maxAtMS || len(a.CallID) > maxField ||
			len(a.Seller) > maxField || len(a.Campaign) > maxField || len(a.CallerID) > maxField {
			t.Fatalf("accepted out of bounds: %+v", a)
		}
		m, err := encodeMember(&a)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", a, err)
		}
		b, err := decodeMember(a.Number, m)
		if err != nil || b != a {
			t.Fatalf("round trip %+v → %q → %+v, %v", a, m, b, err)
		}
	})
}
