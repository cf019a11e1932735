package campaign

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// contactLines writes n good data rows numbered from first.
func contactLines(first, n int) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "+1415%07d,name%d\n", 5550000+i, i)
	}
	return b.String()
}

// TestImportBadInput: malformed or oversized input costs the rows it is
// in, named by line and field, on both backends; the rest is imported.
func TestImportBadInput(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 100<<10)
	cases := []struct {
		name     string
		csv      string
		imported int
		errs     string
	}{
		{"NUL byte", "phone,first_name\n+14155550101,An\x00a\n+12125550102,Ben\n", 1, "[{2 first_name contains a NUL byte}]"},
		{"NUL in phone", "phone,first_name\n+1415555\x000101,Ana\n+12125550102,Ben\n", 1, "[{2 phone contains a NUL byte}]"},
		{"field over 64 KiB", "phone,first_name\n+14155550101," + big + "\n+12125550102,Ben\n", 1, "[{2 first_name CSV: field longer than 64 KiB}]"},
		{"quoted multi-line field over 64 KiB", "phone,first_name\n+14155550101,\"" + strings.Repeat(big[:1000]+"\n", 100) + "\"\n+12125550102,Ben\n",
			1, "[{2 first_name CSV: field longer than 64 KiB}]"},
		{"line over 1 MiB", "phone,first_name\n+14155550101," + strings.Repeat(big+",", 11) + "\n+12125550102,Ben\n", 1, "[{2  CSV: line longer than 1 MiB}]"},
		{"unterminated quote", "phone,first_name\n+12125550100,Ana\n+14155550101,\"Bob\n" + contactLines(2, 2000), 2001,
			"[{3 first_name CSV: unterminated quoted field (the quote opened on line 3 never closes)}]"},
		{"unterminated quote at the end", "phone,first_name\n" + contactLines(0, 20) + "+14155550101,\"Bob\n+12125550102,Ben\n", 21,
			"[{22 first_name CSV: unterminated quoted field (the quote opened on line 22 never closes)}]"},
		{"two unterminated quotes", "phone,first_name\n+14155550101,\"Bob\n+14155550102,\"Cy\n" + contactLines(3, 10), 10,
			"[{2 first_name CSV: extraneous or missing \" in quoted-field (the quote opened on line 2)} {3 first_name CSV: unterminated quoted field (the quote opened on line 3 never closes)}]"},
	}
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		for i, tc := range cases {
			c := mkCampaign(t, db, fmt.Sprint("bad-input-", i))
			rep, err := importString(t, db, c, tc.csv)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if rep.Imported != tc.imported || fmt.Sprint(rep.Errors) != tc.errs || rep.Rows != rep.Imported+rep.Duplicates+rep.Rejected {
				t.Errorf("%s: imported %d (want %d), rows %d rejected %d, errors %v\nwant %s", tc.name, rep.Imported, tc.imported,
					rep.Rows, rep.Rejected, rep.Errors, tc.errs)
			}
		}
	})
}

// repeatReader yields n bytes of b repeated.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.n)]
	for i := range p {
		p[i] = r.b
	}
	r.n -= len(p)
	return len(p), nil
}

// TestImportHugeField: a 50 MB field is one rejected row, streamed past.
func TestImportHugeField(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	c := mkCampaign(t, db, "huge")
	in := io.MultiReader(strings.NewReader("phone,first_name\n+14155550101,"), &repeatReader{'y', 50 << 20},
		strings.NewReader("\n+12125550102,Ben\n"))
	rep, err := Import(context.Background(), db, in, ImportOptions{Campaign: c, File: "huge.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || fmt.Sprint(rep.Errors) != "[{2  CSV: line longer than 1 MiB}]" {
		t.Fatalf("imported %d, errors %v", rep.Imported, rep.Errors)
	}
}

// TestImportFileLimit: a file over MaxFileBytes is refused as a whole.
func TestImportFileLimit(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	c := mkCampaign(t, db, "limit")
	file := "phone,first_name\n" + contactLines(0, 100)
	_, err := Import(context.Background(), db, strings.NewReader(file), ImportOptions{Campaign: c, File: "big.csv", MaxFileBytes: 1000})
	var fe *FileError
	if !errors.Is(err, ErrBadFile) || !errors.As(err, &fe) || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Fatalf("Import = %v, want a file error", err)
	}
	cs, _ := db.ContactList(context.Background(), &store.ContactListParams{CampaignID: c.ID})
	if len(cs) != 0 {
		t.Fatalf("%d contacts imported from a refused file", len(cs))
	}
	rep, err := Import(context.Background(), db, strings.NewReader(file), ImportOptions{Campaign: c, File: "big.csv", MaxFileBytes: int64(len(file))})
	if err != nil || rep.Imported != 100 {
		t.Fatalf("a file of exactly the limit: %+v %v", rep, err)
	}
}

// FuzzCSVReader: whatever encoding/csv reads without error, the bounded
// reader reads the same; nothing panics, and every record has a line.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"a\"\"b\",c\r\n\n\"x\ny\",z", "a,\"b\nc", "a\"b,c\n", "\"a\"b,c\n", ",,\n,", "\"\"\n\"\",\"\"",
		"phone,x\n+1,\"multi\r\nline\"\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		want, wantErr := csvAll(in)
		r := newCSVReader(strings.NewReader(in), 64, 256)
		var got [][]string
		var rowErrs int
		for {
			line, rec, err := r.Read()
			if err == io.EOF {
				break
			}
			var re *rowError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("fatal error %v", err)
			}
			if line <= 0 {
				t.Fatalf("record without a line: %q %v", rec, err)
			}
			if re != nil {
				rowErrs++
				continue
			}
			got = append(got, rec)
		}
		if wantErr != nil || longest(in) > 64 {
			return
		}
		if rowErrs > 0 || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("read %q\ngot  %q (%d row errors)\nwant %q", in, got, rowErrs, want)
		}
	})
}

func csvAll(in string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(in))
	r.FieldsPerRecord = -1
	return r.ReadAll()
}

// longest is an upper bound on the longest field or line of in.
func longest(in string) int {
	n := 0
	for _, l := range bytes.Split([]byte(in), []byte{'\n'}) {
		n = max(n, len(l))
	}
	if strings.Count(in, "\"") > 0 {
		return len(in) // a quoted field may span lines
	}
	return n
}
