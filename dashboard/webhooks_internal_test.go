package dashboard

import "testing"

// TestRedactURLs: errors recorded before they were classed carried the
// client's text, URL and token included.
func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		`Post "https://hooks.example.com/t/abc?token=s3cret": dial tcp 10.0.0.1:443: connect: connection refused`: `Post "https://hooks.example.com/…": dial tcp 10.0.0.1:443: connect: connection refused`,
		`HTTP 500`: `HTTP 500`,
		`see http://a.example/ and wss://b.example/x?k=1`: `see http://a.example/ and wss://b.example/…`,
	} {
		if got := redactURLs(in); got != want {
			t.Errorf("redactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}
