package field

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestNormalize(t *testing.T) {
	date := Spec{Name: "due_date", Type: Date}
	usd := Spec{Name: "amount", Type: Amount, Currency: "USD"}
	anyAmount := Spec{Name: "amount", Type: Amount}
	plan := Spec{Name: "plan", Type: Enum, Values: []string{"gold", "silver"}}
	n := Spec{Name: "visits", Type: Integer}
	for _, tc := range []struct {
		spec     Spec
		in       string
		dayFirst bool
		want     string
		reason   string // substring of the error
	}{
		{date, "2026-12-01", false, "2026-12-01", ""},
		{date, "2026/12/1", false, "2026-12-01", ""},
		{date, "20261201", false, "2026-12-01", ""},
		{date, "2026-12-01T09:30:00Z", false, "2026-12-01", ""},
		{date, "12/01/2026", false, "2026-12-01", ""},
		{date, "12/01/2026", true, "2026-01-12", ""},
		{date, "01.12.2026", true, "2026-12-01", ""},
		{date, "Dec 1, 2026", false, "2026-12-01", ""},
		{date, "1st December 2026", false, "2026-12-01", ""},
		{date, "01-Dec-2026", false, "2026-12-01", ""},
		{date, "tomorrow", false, "", "relative date: \"tomorrow\" means a different day"},
		{date, "Next Friday", false, "", "relative date"},
		{date, "in 3 days", false, "", "relative date"},
		{date, "明天", false, "", "relative date"},
		{date, "12/01/26", false, "", "write the year in full"},
		{date, "2026-02-30", false, "", "not a date"},
		{date, "02/30/2026", false, "", "February 2026 has no day 30"},
		{date, "13/13/2026", true, "", "month 13 does not exist"},
		{date, "soonish", false, "", "relative date"},
		{date, "banana", false, "", "is not a date"},
		{date, "0001-01-01", false, "", "year 1 is out of range"},
		{usd, "120.5", false, "120.50 USD", ""},
		{usd, "$1,250", false, "1250.00 USD", ""},
		{usd, "80 usd", false, "80.00 USD", ""},
		{usd, "€80", false, "", "is in EUR, the script wants USD"},
		{usd, "12.345", false, "", "more than 2 decimals"},
		{usd, "-5", false, "", "negative"},
		{usd, "1,25.00", false, "", "not an amount"},
		{usd, "lots", false, "", "not an amount"},
		{anyAmount, "0099.9", false, "99.90", ""},
		{anyAmount, "£3", false, "3.00 GBP", ""},
		{n, "1,200", false, "1200", ""},
		{n, "+7", false, "7", ""},
		{n, "7.5", false, "", "not a whole number"},
		{plan, "GOLD", false, "gold", ""},
		{plan, "bronze", false, "", `"bronze" is not one of gold, silver`},
		{Spec{Name: "x", Type: Phone}, "call me", false, "", "not a phone number"},
		{Spec{Name: "x", Type: Text}, "  anything  ", false, "anything", ""},
	} {
		got, err := tc.spec.Normalize(tc.in, Options{DayFirst: tc.dayFirst})
		if tc.reason != "" {
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("%s %q: err %v, want %q", tc.spec.Type, tc.in, err, tc.reason)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %q = %q, %v; want %q", tc.spec.Type, tc.in, got, err, tc.want)
		}
	}
}

func TestFromYAMLAndStoredForm(t *testing.T) {
	src := `requires:
  - first_name
  - due_date: date
  - amount: {type: amount, currency: usd}
  - plan: {enum: [gold, silver]}
  - visits: integer
  - callback: phone
  - bad: when
  - colour: {enum: []}
  - x: {type: date, currency: USD}
  - {a: date, b: date}
  - 9lives
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	specs, issues := FromYAML(doc.Content[0].Content[1])
	got := strings.Join(Strings(specs), " ")
	if want := "first_name due_date:date amount:amount:USD plan:enum:gold|silver visits:integer callback:phone"; got != want {
		t.Errorf("specs %q, want %q", got, want)
	}
	var msgs []string
	for _, is := range issues {
		msgs = append(msgs, is.Field+"@"+string(rune('0'+is.Line%10))+": "+is.Message)
	}
	wantIssues := []string{`requires[6]@8: bad: type "when"`, `requires[7]@9: colour: an enum lists its values`,
		`requires[8].x@0: currency is for amount fields`, `requires[9]@1: want a name`, `requires[10]@2: "9lives" is not a variable name`}
	if len(msgs) != len(wantIssues) {
		t.Fatalf("issues %q", msgs)
	}
	for i, w := range wantIssues {
		if !strings.HasPrefix(msgs[i], w) {
			t.Errorf("issue %d = %q, want prefix %q", i, msgs[i], w)
		}
	}
	for _, s := range specs {
		back, err := Parse(s.String())
		if err != nil || back.String() != s.String() {
			t.Errorf("round trip %q: %q %v", s.String(), back.String(), err)
		}
	}
	for _, bad := range []string{"a:when", "a:enum:", "a:date:x", "a:amount:XYZ", "a b"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func FuzzNormalizeDate(f *testing.F) {
	for _, s := range []string{"2026-12-01", "tomorrow", "12/01/2026", "Dec 1, 2026", "01.12.2026", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Spec{Name: "d", Type: Date}.Normalize(s, Options{})
		if err == nil {
			if _, err := ParseDate(out, false); err != nil {
				t.Fatalf("%q normalised to %q, which does not read back: %v", s, out, err)
			}
		}
		_, _ = Spec{Name: "a", Type: Amount}.Normalize(s, Options{})
	})
}
