package outcome

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the outcome table in docs/call-result.md")

// The compliance-check contract's history classes (compliance.ParseOutcome checks the
// same list from its side).
var historyClasses = map[string]bool{"answered": true, "no_answer": true, "busy": true, "voicemail": true,
	"machine": true, "abandoned": true, "not_connected": true, "failed": true}

func TestTable(t *testing.T) {
	codeRe := regexp.MustCompile(`^[a-z][a-z_]*$`)
	colorRe := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	codes, colors := map[Code]bool{}, map[string]Code{}
	for _, i := range All() {
		switch {
		case !codeRe.MatchString(string(i.Code)):
			t.Errorf("%q: a code is lower_snake_case (a Prometheus label value and a stored column)", i.Code)
		case codes[i.Code]:
			t.Errorf("%s: listed twice", i.Code)
		case i.Label == "":
			t.Errorf("%s: no label", i.Code)
		case !colorRe.MatchString(i.Color):
			t.Errorf("%s: colour %q is not #rrggbb", i.Code, i.Color)
		case colors[i.Color] != "":
			t.Errorf("%s: colour %s already used by %s", i.Code, i.Color, colors[i.Color])
		case i.Stage == StageContact && i.History != "":
			t.Errorf("%s: no call was placed, so no history class (got %q)", i.Code, i.History)
		case i.History != "" && !historyClasses[i.History]:
			t.Errorf("%s: history class %q is not one of the contract's", i.Code, i.History)
		}
		codes[i.Code], colors[i.Color] = true, i.Code
	}
	for _, tc := range []struct {
		c       Code
		final   bool
		history string
	}{
		{Answered, false, "answered"},
		{InvalidNumber, true, "not_connected"},
		{Rejected, false, "no_answer"},
		{Lost, false, ""},
		{GateBlock, true, ""},
		{GateHold, false, ""},
		{ScheduleEnded, true, ""},
		{"nonsense", false, ""},
	} {
		if tc.c.Final() != tc.final || tc.c.History() != tc.history {
			t.Errorf("%s: final %v history %q, want %v %q", tc.c, tc.c.Final(), tc.c.History(), tc.final, tc.history)
		}
	}
	if got := Codes(StageCall); strings.Join(codeStrings(got), ",") != "answered,busy,no_answer,rejected,invalid_number,congestion,failed" {
		t.Errorf("call codes = %v", got)
	}
	if len(Codes()) != len(table) || len(Colors()) != len(table) {
		t.Errorf("derived sets: %d codes, %d colours, table %d", len(Codes()), len(Colors()), len(table))
	}
}

func codeStrings(cs []Code) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in     string
		code   Code
		reason string
		ok     bool
	}{
		{"busy", Busy, "", true},
		{"gate_block", GateBlock, "", true},
		// Free text older runners reported in place of a code.
		{"gate: DNC_INTERNAL: number is on the internal do-not-call list (acme)", GateBlock, "DNC_INTERNAL: number is on the internal do-not-call list (acme)", true},
		{"schedule ended", ScheduleEnded, "", true},
		{"max attempts", MaxAttempts, "", true},
		{"", "", "", false},
		{"gate:", "", "", false},
		{"Busy", "", "", false},
		{"something else", "", "", false},
	} {
		c, r, ok := Parse(tc.in)
		if c != tc.code || r != tc.reason || ok != tc.ok {
			t.Errorf("Parse(%q) = %q %q %v, want %q %q %v", tc.in, c, r, ok, tc.code, tc.reason, tc.ok)
		}
	}
}

const (
	docPath  = "../docs/call-result.md"
	docBegin = "<!-- outcome table: generated from outcome/table.go by `go test ./outcome -run TestDocTable -update` -->\n"
	docEnd   = "<!-- end of outcome table -->\n"
)

// markdownTable is the docs' table of every code.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| outcome | stage | final | meaning | compliance history |\n| --- | --- | --- | --- | --- |\n")
	for _, i := range table {
		final := ""
		if i.Final {
			final = "yes"
		}
		h := i.History
		if h != "" {
			h = "`" + h + "`"
		}
		b.WriteString("| `" + string(i.Code) + "` | " + string(i.Stage) + " | " + final + " | " + i.Label + " | " + h + " |\n")
	}
	return b.String()
}

// TestDocTable keeps docs/call-result.md's outcome table equal to the table.
func TestDocTable(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	b, e := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if b < 0 || e < b {
		t.Fatalf("%s: no generated outcome table (want the lines %q … %q)", docPath, strings.TrimSpace(docBegin), strings.TrimSpace(docEnd))
	}
	want := docBegin + markdownTable() + docEnd
	got := doc[b : e+len(docEnd)]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc[:b]+want+doc[e+len(docEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the outcome table differs from outcome/table.go; run go test ./outcome -run TestDocTable -update\ngot:\n%s\nwant:\n%s", docPath, got, want)
}
