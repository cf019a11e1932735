package dashboard

import "testing"

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\",\"y\")": "'=HYPERLINK(\"http://x\",\"y\")",
		"=cmd|' /C calc'!A0":             "'=cmd|' /C calc'!A0",
		"+cmd|' /C calc'!A0":             "'+cmd|' /C calc'!A0",
		"-2+3+cmd|' /C calc'!A0":         "'-2+3+cmd|' /C calc'!A0",
		"@SUM(A1:A2)":                    "'@SUM(A1:A2)",
		"\t=1+1":                         "'\t=1+1",
		"\r=1+1":                         "'\r=1+1",
		"+14155550123":                   "+14155550123",
		"+1415***0123":                   "+1415***0123",
		"-12.5":                          "-12.5",
		"+":                              "'+",
		"ext-42":                         "ext-42",
		"promise_to_pay":                 "promise_to_pay",
		"":                               "",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
