package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func mkCampaign(t testing.TB, db *store.DB, name string, requires ...string) *store.Campaign {
	t.Helper()
	c, err := db.CampaignCreate(context.Background(), &store.CampaignCreateParams{Name: name, Region: "US", Requires: requires})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func importString(t *testing.T, db *store.DB, c *store.Campaign, csv string) (*ImportReport, error) {
	t.Helper()
	return Import(context.Background(), db, strings.NewReader(csv), ImportOptions{Campaign: c, File: "t.csv"})
}

func TestImportExampleFile(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		req, err := ScriptRequires("testdata/payment-reminder.en.yaml")
		if err != nil || strings.Join(req, ",") != "first_name,amount,due_date" {
			t.Fatalf("ScriptRequires = %v, %v", req, err)
		}
		c := mkCampaign(t, db, "ex", req...)
		data, _ := os.ReadFile("testdata/contacts.csv")
		rep, err := Import(ctx, db, bytes.NewReader(data), ImportOptions{Campaign: c, File: "contacts.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 8 || rep.Imported != 5 || rep.Duplicates != 1 || rep.Rejected != 2 {
			t.Fatalf("report %+v; want 8 rows, 5 imported, 1 duplicate, 2 rejected", rep)
		}
		want := []ImportError{
			{Line: 7, Field: "phone", Reason: `"not-a-number": not a phone number`},
			{Line: 9, Field: "amount", Reason: "required by the script, but empty"},
		}
		if fmt.Sprint(rep.Errors) != fmt.Sprint(want) {
			t.Fatalf("errors %+v\nwant %+v", rep.Errors, want)
		}
		cs, _ := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
		got := map[string]*store.Contact{}
		for _, ct := range cs {
			got[ct.Phone] = ct
		}
		chen := got["+13125550103"]
		if chen == nil || chen.TimeZone != "America/Chicago" || chen.ExternalID != "L-1003" || chen.Line != 4 {
			t.Fatalf("(312) 555-0103 → %+v", chen)
		}
		if got["+14155550101"].TimeZone != "America/Los_Angeles" || got["+8613800138005"].TimeZone != "Asia/Shanghai" {
			t.Fatalf("zones from numbers: %+v", got)
		}
		var vars map[string]string
		if json.Unmarshal(got["+14155550101"].Variables, &vars) != nil || vars["first_name"] != "Ana" || vars["surname"] != "Lopez" {
			t.Fatalf("variables %s", got["+14155550101"].Variables)
		}
		// Re-import: nothing new, the five contacts updated, the repeated row a
		// duplicate of the file, same rejections.
		rep2, err := Import(ctx, db, bytes.NewReader(data), ImportOptions{Campaign: c, File: "contacts.csv"})
		if err != nil || rep2.Imported != 0 || rep2.Updated != 5 || rep2.Duplicates != 1 || rep2.Rejected != 2 || !rep2.DueAgainAt.IsZero() {
			t.Fatalf("re-import %+v %v", rep2, err)
		}
	})
}

func TestImportEdgeCases(t *testing.T) {
	db := storetest.OpenSQLite(t)
	cases := []struct {
		name                  string
		csv                   string
		requires              []string
		imported, dup, reject int
		errs                  string // fmt of the errors
	}{
		{name: "bom and crlf", csv: "\uFEFFphone,first_name\r\n+14155550101,Ana\r\n+12125550102,Ben\r\n", imported: 2, errs: "[]"},
		{name: "quoted fields", csv: "phone,note,first_name\n\"+1 (415) 555-0101\",\"says \"\"hi\"\", then, commas\",Ana\n+12125550102,\"two\nlines\",Ben\n",
			imported: 2, errs: "[]"},
		{name: "wrong column count", csv: "phone,first_name\n+14155550101,Ana,extra\n+12125550102\n+13125550103,Chen\n",
			imported: 1, reject: 2, errs: "[{2  has 3 fields, the header has 2} {3  has 1 fields, the header has 2}]"},
		{name: "bad quote", csv: "phone,first_name\n+14155550101,An\"a\n+12125550102,Ben\n",
			imported: 1, reject: 1, errs: `[{2 first_name CSV: bare " in non-quoted-field}]`},
		{name: "header only", csv: "phone,first_name\n", errs: "[]"},
		{name: "missing required", csv: "phone,first_name,amount\n+14155550101,,5\n+12125550102,Ben,\n+13125550103, ,\n", requires: []string{"first_name", "amount"},
			reject: 3, errs: "[{2 first_name required by the script, but empty} {3 amount required by the script, but empty} {4 first_name required by the script, but empty} {4 amount required by the script, but empty}]"},
		{name: "time zones", csv: "phone,tz\n+14155550101,Europe/Paris\n+12125550102,Mars/Olympus\n+13125550103,\n",
			imported: 2, reject: 1, errs: `[{3 timezone "Mars/Olympus" is not an IANA time zone (e.g. America/Chicago)}]`},
		{name: "external id duplicates", csv: "phone,external_id\n+14155550101,A\n+12125550102,A\n+13125550103,\n+13055550107,\n",
			imported: 3, dup: 1, errs: "[]"},
		{name: "national and invalid numbers", csv: "phone\n4155550101\n1-212-555-0102\n+15550100001\n12\n\n",
			imported: 2, reject: 2, errs: `[{4 phone "+15550100001": not a valid number (+1 555 010 is not assigned)} {5 phone "12": not a valid number (read as +112)}]`},
		{name: "missing phone", csv: "phone,first_name\n,Ana\n", reject: 1, errs: "[{2 phone missing}]"},
		{name: "compliance columns", csv: "phone,line_type,region,debt_ids\n+14155550101,mobile,us-ca,D1;D2\n+12125550102,fax,US-NY,\n+13125550103,landline,Florida,\n+13055550107,,,\n",
			imported: 2, reject: 2, errs: `[{3 line_type "fax" is not a line type (want wireless, landline or unknown)} {4 region "Florida" is not an ISO 3166-2 region (e.g. US-FL)}]`},
		{name: "invalid utf8", csv: "phone,first_name\n+14155550101,\xff\xfe\n", reject: 1, errs: "[{2  not valid UTF-8 (save the file as UTF-8)}]"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mkCampaign(t, db, fmt.Sprint("edge", i), tc.requires...)
			rep, err := importString(t, db, c, tc.csv)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Imported != tc.imported || rep.Duplicates != tc.dup || rep.Rejected != tc.reject || fmt.Sprint(rep.Errors) != tc.errs {
				t.Fatalf("got imported %d dup %d rejected %d errors %v\nwant %d %d %d %s", rep.Imported, rep.Duplicates, rep.Rejected, rep.Errors,
					tc.imported, tc.dup, tc.reject, tc.errs)
			}
			if rep.Rows != rep.Imported+rep.Duplicates+rep.Rejected {
				t.Fatalf("rows %d ≠ imported+duplicates+rejected", rep.Rows)
			}
		})
	}
}

func TestImportBadFiles(t *testing.T) {
	db := storetest.OpenSQLite(t)
	c := mkCampaign(t, db, "bad", "first_name")
	cases := map[string]string{
		"":                        "t.csv:1: the file is empty: want a header row naming the columns (phone, …)",
		"name,first_name\nx,y\n":  "t.csv:1: phone: header: no phone column (one of phone, phone_number, number, msisdn, e164, mobile)",
		"phone\n+14155550101\n":   "t.csv:1: first_name: header: the script requires first_name but the file has no such column",
		"phone,a,A\n1,2,3\n":      "t.csv:1: A: header: columns 2 and 3 have the same name",
		"phone,,first_name\n":     "t.csv:1: column 2: header: empty column name",
		"\"phone,first_name\n1,2": "t.csv:1: header: CSV: unterminated quoted field (the quote opened on line 1 never closes)",
	}
	for in, want := range cases {
		_, err := importString(t, db, c, in)
		if !errors.Is(err, ErrBadFile) || err.Error() != want {
			t.Errorf("Import(%q) = %v\nwant %s", in, err, want)
		}
	}
	cs, _ := db.ContactList(context.Background(), &store.ContactListParams{CampaignID: c.ID})
	if len(cs) != 0 {
		t.Fatalf("bad files imported %d contacts", len(cs))
	}
}

// failingReader breaks after n bytes: the import must leave nothing behind.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestImportAllOrNothing(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c := mkCampaign(t, db, "aon")
		var buf bytes.Buffer
		if err := GenerateCSV(&buf, 20000, 1, 0); err != nil {
			t.Fatal(err)
		}
		_, err := Import(context.Background(), db, &failingReader{r: &buf, n: buf.Len() / 2}, ImportOptions{Campaign: c, File: "g.csv"})
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Fatalf("import of a broken stream: %v", err)
		}
		st, _ := db.CampaignStatsGet(context.Background(), &store.CampaignGetParams{ID: c.ID})
		if st.Total != 0 {
			t.Fatalf("a failed import left %d contacts", st.Total)
		}
	})
}

func TestImportErrorCap(t *testing.T) {
	db := storetest.OpenSQLite(t)
	c := mkCampaign(t, db, "cap")
	var b strings.Builder
	b.WriteString("phone\n")
	for i := 0; i < 30; i++ {
		b.WriteString("junk\n")
	}
	rep, err := Import(context.Background(), db, strings.NewReader(b.String()), ImportOptions{Campaign: c, File: "x", MaxErrors: 10})
	if err != nil || len(rep.Errors) != 10 || rep.ErrorsOmitted != 20 || rep.Rejected != 30 || rep.Errors[9].Line != 11 {
		t.Fatalf("%+v %v", rep, err)
	}
}

// TestImportLarge streams a generated file of 1,000,000 rows (a large campaign's size; about 15 s
// with -race) into PostgreSQL and checks the counts, the order of the errors and that the
// heap stays flat. VOXDIAL_TEST_IMPORT_ROWS sets another size.
func TestImportLarge(t *testing.T) {
	n := 1_000_000
	if v := os.Getenv("VOXDIAL_TEST_IMPORT_ROWS"); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			t.Fatalf("VOXDIAL_TEST_IMPORT_ROWS=%q: %v", v, err)
		}
	}
	db := storetest.OpenPostgres(t)
	c := mkCampaign(t, db, "large", "first_name", "amount")
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(GenerateCSV(pw, n, 7, 1000)) }()
	// The heap is the process's, and earlier tests leave things in it: measure the live heap
	// (as of each collection, garbage excluded) against what it was before the import.
	liveHeap := func() uint64 {
		m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(m)
		return m[0].Value.Uint64()
	}
	runtime.GC()
	base := liveHeap()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if h := liveHeap(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var progressCalls atomic.Int32
	start := time.Now()
	rep, err := Import(context.Background(), db, pr, ImportOptions{Campaign: c, File: "gen.csv",
		Progress: func(ImportProgress) { progressCalls.Add(1) }, ProgressEvery: 100 * time.Millisecond})
	close(stop)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	bad := n / 1000
	if rep.Rows != n || rep.Rejected != bad || rep.Imported != n-bad || rep.Duplicates != 0 || len(rep.Errors) != bad {
		t.Fatalf("rows %d imported %d dup %d rejected %d errors %d; want %d rows, %d rejected", rep.Rows, rep.Imported, rep.Duplicates, rep.Rejected, len(rep.Errors), n, bad)
	}
	if rep.Errors[0].Line != 1001 || rep.Errors[len(rep.Errors)-1].Line != n+1 {
		t.Fatalf("errors out of order: first %v last %v", rep.Errors[0], rep.Errors[len(rep.Errors)-1])
	}
	// Flat memory: the heap must not grow with the file (a whole-file load
	// of 1,000,000 rows would be well over 200 MB).
	if grew := int64(peak.Load()) - int64(base); grew > 64<<20 {
		t.Fatalf("live heap grew by %d MB (from %d MB) importing %d rows: not streaming", grew>>20, base>>20, n)
	}
	if progressCalls.Load() == 0 {
		t.Fatal("no progress reported")
	}
	t.Logf("%d rows in %s (%.0f rows/s), live heap peak %d MB (baseline %d MB)", n, el.Round(time.Millisecond), float64(n)/el.Seconds(), peak.Load()>>20, base>>20)
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// Line type, address region and debt ids from optional CSV columns reach the store, where
// the compliance gate reads them; the columns stay script variables too.
func TestImportComplianceColumns(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := mkCampaign(t, db, "facts")
		rep, err := importString(t, db, c, "phone,first_name,line_type,region,debt_ids\n+14155550101,Ana,Mobile,us-ca,D1; D2\n+12125550102,Ben,,,\n")
		if err != nil || rep.Imported != 2 {
			t.Fatalf("%+v %v", rep, err)
		}
		for _, tc := range []struct {
			phone       string
			facts       store.ContactFacts
			debts, vars string
		}{
			{"+14155550101", store.ContactFacts{TimeZone: "America/Los_Angeles", LineType: "wireless", Region: "US-CA"}, "[D1 D2]", "debt_ids"},
			{"+12125550102", store.ContactFacts{TimeZone: "America/New_York"}, "[]", "first_name"},
		} {
			f, err := db.ContactFactsGet(ctx, &store.ContactZoneParams{Phone: tc.phone})
			if err != nil || *f != tc.facts {
				t.Errorf("%s: facts %+v %v, want %+v", tc.phone, f, err, tc.facts)
			}
			cs, _ := db.ContactList(ctx, &store.ContactListParams{CampaignID: c.ID})
			for _, ct := range cs {
				if ct.Phone != tc.phone {
					continue
				}
				ids, err := db.ContactDebtIDs(ctx, &store.ContactDebtIDsParams{ContactID: ct.ID})
				if err != nil || fmt.Sprint(ids) != tc.debts {
					t.Errorf("%s: debts %v %v, want %s", tc.phone, ids, err, tc.debts)
				}
				var vars map[string]string
				if err := json.Unmarshal(ct.Variables, &vars); err != nil || vars[tc.vars] == "" {
					t.Errorf("%s: variables %s lack %s", tc.phone, ct.Variables, tc.vars)
				}
			}
		}
	})
}
