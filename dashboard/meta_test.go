package dashboard_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/outcome"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// TestMetaOutcomes: every role reads the outcome table (the UI's colours come from it);
// without a session it is 401; the document is the table, in order.
func TestMetaOutcomes(t *testing.T) {
	t.Parallel()
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		if r := b.do("", "GET", "/api/meta/outcomes", nil); r.Code != 401 {
			t.Fatalf("anonymous /api/meta/outcomes = %d", r.Code)
		}
		for _, role := range roles {
			r := b.do(role, "GET", "/api/meta/outcomes", nil)
			if r.Code != 200 {
				t.Fatalf("as %s = %d %s", role, r.Code, trim(r.Body))
			}
			var doc struct {
				Outcomes []outcome.Info `json:"outcomes"`
			}
			r.json(t, &doc)
			if !reflect.DeepEqual(doc.Outcomes, outcome.All()) {
				t.Fatalf("as %s: %+v, want the outcome table", role, doc.Outcomes)
			}
		}
	})
}

// TestUIHasNoOutcomeColours: app.js takes outcome colours from the API; a colour map
// keyed by outcome in app.js is a second copy that would drift.
func TestUIHasNoOutcomeColours(t *testing.T) {
	t.Parallel()
	js, err := os.ReadFile("ui/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range outcome.All() {
		if m := regexp.MustCompile(`\b` + string(i.Code) + `'?\s*:\s*'#`).Find(js); m != nil {
			t.Errorf("ui/app.js maps %s to a colour (%s): read it from /api/meta/outcomes", i.Code, m)
		}
	}
	if !strings.Contains(string(js), "/api/meta/outcomes") {
		t.Error("ui/app.js does not read /api/meta/outcomes")
	}
}
