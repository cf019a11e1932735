package dashboard

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzResultsQuery: the results endpoints' query parameters (date range, page bounds)
// never panic, refuse with 400, and what they accept is in bounds.
func FuzzResultsQuery(f *testing.F) {
	for _, s := range [][4]string{{"2026-11-01", "2026-11-30", "0", "50"}, {"2026-13-01", "", "-1", "0"},
		{"", "2026-02-30", "x", "501"}, {"0001-01-01", "9999-12-31", "99999999999999999999", "1"}} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, from, to, offset, limit string) {
		q := url.Values{"from": {from}, "to": {to}, "offset": {offset}, "limit": {limit}}
		r := httptest.NewRequest("GET", "/api/overview?"+q.Encode(), nil)
		w := httptest.NewRecorder()
		dr, ok := parseRange(w, r)
		if !ok && w.Code != 400 {
			t.Fatalf("refused with %d", w.Code)
		}
		if ok && dr.FromDay != 0 && dr.ToDay != 0 && (dr.FromDay > dr.ToDay || dr.ToDay-dr.FromDay > maxRangeDays) {
			t.Fatalf("accepted %+v", dr)
		}
		w = httptest.NewRecorder()
		off, lim, ok := pageBounds(w, r, 50, 500)
		if !ok && w.Code != 400 {
			t.Fatalf("page bounds refused with %d", w.Code)
		}
		if ok && (off < 0 || lim < 1 || lim > 500) {
			t.Fatalf("accepted offset %d limit %d", off, lim)
		}
	})
}
