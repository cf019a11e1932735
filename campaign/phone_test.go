package campaign

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestPhoneNormalize(t *testing.T) {
	n := newPhoneNormalizer("US")
	cases := []struct{ in, want, tz, err string }{
		{"+14155550101", "+14155550101", "America/Los_Angeles", ""},
		{"(312) 555-0103", "+13125550103", "America/Chicago", ""},
		{"312.555.0103", "+13125550103", "America/Chicago", ""},
		{"1 312 555 0103", "+13125550103", "America/Chicago", ""},
		{"+442079460104", "+442079460104", "Europe/London", ""},
		{"+44 20 7946 0104", "+442079460104", "Europe/London", ""},
		{"+8613800138005", "+8613800138005", "Asia/Shanghai", ""},
		{"not-a-number", "", "", "not a phone number"},
		{"", "", "", "empty"},
		{"+15550100001", "", "", "not a valid number (+1 555 010 is not assigned)"},
		{"12", "", "", "not a valid number (read as +112)"},
		{"+1415555010199999", "", "", "not a valid number (read as +1415555010199999)"},
	}
	for _, c := range cases {
		got, tz, err := n.normalize(c.in)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("normalize(%q) = %q, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || tz != c.tz {
			t.Errorf("normalize(%q) = %q %q %v; want %q %q", c.in, got, tz, err, c.want, c.tz)
		}
	}
	fr := newPhoneNormalizer("FR")
	if got, _, err := fr.normalize("01 42 68 53 00"); err != nil || got != "+33142685300" {
		t.Errorf("FR national: %q %v", got, err)
	}
}

// TestPhoneMemoMatchesLibrary checks the NANP shortcut (validity and zone by
// NPA-NXX) against phonenumbers on random numbers, including the same
// prefix with different station numbers.
func TestPhoneMemoMatchesLibrary(t *testing.T) {
	n := newPhoneNormalizer("US")
	r := rand.New(rand.NewPCG(1, 2))
	count := 4000
	if testing.Short() {
		count = 1000
	}
	for i := 0; i < count; i++ {
		npa := 200 + r.IntN(800)
		nxx := 200 + r.IntN(800)
		if i%4 != 0 { // reuse prefixes so the memo answers
			npa, nxx = 200+(i%37)*20, 200+(i%13)*50
		}
		s := fmt.Sprintf("+1%03d%03d%04d", npa, nxx, r.IntN(10000))
		got, tz, err := n.normalize(s)
		num, perr := phonenumbers.Parse(s, "US")
		valid := perr == nil && phonenumbers.IsValidNumber(num)
		if valid != (err == nil) {
			t.Fatalf("%s: memo says valid=%v (%v), library %v", s, err == nil, err, valid)
		}
		if valid && (got != s || tz != singleZone(num)) {
			t.Fatalf("%s: memo %q %q, library zone %q", s, got, tz, singleZone(num))
		}
	}
}

func BenchmarkPhoneNormalize(b *testing.B) {
	n := newPhoneNormalizer("US")
	nums := make([]string, 4096)
	for i := range nums {
		nums[i] = fmt.Sprintf("+1415%03d%04d", 200+i%50, i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := n.normalize(nums[i%len(nums)]); err != nil {
			b.Fatal(err)
		}
	}
}
