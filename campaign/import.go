package campaign

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot/field"
)

// ImportError is one problem with one row (or, with Line 1 and no rows
// imported, with the header).
type ImportError struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ImportReport is what an import did: the `voxdial campaign import --json`
// document.
type ImportReport struct {
	Campaign   string `json:"campaign"`
	File       string `json:"file"`
	Rows       int    `json:"rows"`       // data rows read
	Imported   int    `json:"imported"`   // new contacts
	Updated    int    `json:"updated"`    // rows that updated a contact already in the campaign
	Duplicates int    `json:"duplicates"` // rows that repeat a number or external_id of an earlier row of the file
	// DueAgainAt: in a recurring campaign, when the updated contacts are due
	// again (the next run); zero otherwise.
	DueAgainAt    time.Time     `json:"due_again_at,omitzero"`
	Rejected      int           `json:"rejected"` // rows with at least one error, not imported
	Errors        []ImportError `json:"errors"`
	ErrorsOmitted int           `json:"errors_omitted"` // errors beyond MaxErrors, counted only
	ListID        int64         `json:"list_id,omitempty"`
	DurationMS    int64         `json:"duration_ms"`
	// Store is the store's own account of the import (phases, server).
	Store *store.ContactImportResult `json:"-"`
}

// ImportProgress is reported while an import runs.
type ImportProgress struct {
	Bytes    int64 // read so far
	Rows     int   // rows validated so far
	Rejected int   // of which rejected (bad rows), so far
	Done     bool
}

// ImportOptions configure Import.
type ImportOptions struct {
	Campaign *store.Campaign // required: region and requires come from it
	File     string          // recorded as the list name and in errors
	// Requires overrides the campaign's required variables when non-nil.
	Requires []string
	// MaxErrors bounds the errors listed (default 1000); the rest are counted.
	MaxErrors int
	// Workers validating rows in parallel (default GOMAXPROCS).
	Workers int
	// Progress, when set, is called about every ProgressEvery (default 200 ms) and at the end.
	Progress      func(ImportProgress)
	ProgressEvery time.Duration
	Now           time.Time
	// Limits (0: the defaults). A field or record over its limit is a
	// rejected row; a file over MaxFileBytes is refused as a whole
	// (ErrBadFile) and nothing is imported.
	MaxFieldBytes  int   // one field (default 64 KiB)
	MaxRecordBytes int   // one record, all its lines (default 1 MiB)
	MaxFileBytes   int64 // the file (default 2 GiB)
}

// ErrBadFile: the file cannot be imported at all (empty, no header, no
// phone column, a required column missing). FileError carries the detail.
var ErrBadFile = errors.New("bad import file")

// FileError is a problem with the whole file.
type FileError struct {
	File string
	ImportError
}

func (e *FileError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", where, e.Field, e.Reason)
	}
	return fmt.Sprintf("%s: %s", where, e.Reason)
}

func (e *FileError) Is(target error) bool { return target == ErrBadFile }

// Column names recognised in the header (case-insensitive); every other
// column becomes a contact variable under its header name.
var (
	phoneColumns    = []string{"phone", "phone_number", "number", "msisdn", "e164", "mobile"}
	timezoneColumns = []string{"timezone", "time_zone", "tz"}
	externalColumns = []string{"external_id"}
	// Optional compliance facts for the gate; these columns stay variables too.
	lineTypeColumns = []string{"line_type", "linetype", "phone_type"}
	regionColumns   = []string{"region", "address_region"}
	debtColumns     = []string{"debt_ids", "debt_id"}
)

const (
	batchRows  = 512
	batchBytes = 4 << 20
)

// fileReadError is a read error of the file: too large (ErrBadFile), or the
// reader's own.
func fileReadError(file string, line int, err error) error {
	var tl *fileTooLarge
	if errors.As(err, &tl) {
		return &FileError{file, ImportError{Line: line, Reason: fmt.Sprintf("larger than %s: split the file", sizeText64(tl.max))}}
	}
	return fmt.Errorf("read %s: %w", file, err)
}

// Import streams a CSV file into the campaign. The file is read once, in
// batches validated in parallel and handed in order to the store, which
// imports them in one transaction (COPY on PostgreSQL): on any error
// nothing is imported. Bad rows are reported and skipped; duplicates within
// the file (same number or external_id as an earlier row) are folded, the
// first row winning. A row for a contact already in the campaign updates
// its fields; in a recurring (cron) campaign it also makes it due again at
// the next run (RecurAt): docs/campaign-lifecycle.md.
// A *FileError (ErrBadFile) means the file as a whole is unusable.
func Import(ctx context.Context, db *store.DB, r io.Reader, opts ImportOptions) (*ImportReport, error) {
	start := time.Now()
	c := opts.Campaign
	if c == nil {
		return nil, errors.New("import: no campaign")
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 1000
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 200 * time.Millisecond
	}
	if opts.MaxFieldBytes <= 0 {
		opts.MaxFieldBytes = DefaultMaxFieldBytes
	}
	if opts.MaxRecordBytes <= 0 {
		opts.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	if err := Writable(c); err != nil {
		return nil, err
	}
	recurAt, err := RecurAt(c, nowOr(opts.Now))
	if err != nil {
		return nil, err
	}
	requires := c.Requires
	if opts.Requires != nil {
		requires = opts.Requires
	}
	rep := &ImportReport{Campaign: c.Name, File: opts.File, Errors: []ImportError{}}
	cr := &countingReader{r: r, max: opts.MaxFileBytes}
	br := bufio.NewReaderSize(cr, 256<<10)
	if bom, _ := br.Peek(3); len(bom) == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF {
		_, _ = br.Discard(3)
	}
	rd := newCSVReader(br, opts.MaxFieldBytes, opts.MaxRecordBytes)
	hdr, err := readHeader(rd, opts.File, requires)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	src := newRowSource(ctx, rd, hdr, c.Region, opts, cr, rep)
	res, err := db.ContactImport(ctx, &store.ContactImportParams{
		CampaignID: c.ID, ListName: opts.File, Source: src, Now: opts.Now, RecurAt: recurAt,
	})
	cancel()
	src.wait()
	if err != nil {
		return nil, err
	}
	rep.Imported, rep.Updated, rep.Duplicates, rep.ListID, rep.Store = res.Inserted, res.Updated, res.Duplicates, res.ListID, res
	if res.Updated > 0 {
		rep.DueAgainAt = recurAt
	}
	rep.DurationMS = time.Since(start).Milliseconds()
	if opts.Progress != nil {
		opts.Progress(ImportProgress{Bytes: cr.n.Load(), Rows: rep.Rows, Rejected: rep.Rejected, Done: true})
	}
	return rep, nil
}

// header is the column layout of a file.
type header struct {
	n        int
	phone    int
	tz       int      // -1: none
	external int      // -1: none
	lineType int      // -1: none
	region   int      // -1: none
	debts    int      // -1: none
	vars     []string // name per column; "" for phone/tz/external
	names    []string // header name per column
	requires []int    // column index per required variable
	reqNames []string
	reqSpecs []field.Spec // the type of each required variable
}

func readHeader(rd *csvReader, file string, requires []string) (*header, error) {
	line, rec, err := rd.Read()
	if err == io.EOF {
		return nil, &FileError{file, ImportError{Line: 1, Reason: "the file is empty: want a header row naming the columns (phone, …)"}}
	}
	if line == 0 {
		line = 1
	}
	var re *rowError
	if errors.As(err, &re) {
		return nil, &FileError{file, ImportError{Line: line, Reason: "header: CSV: " + re.reason}}
	}
	if err != nil {
		return nil, fileReadError(file, rd.line, err)
	}
	h := &header{n: len(rec), phone: -1, tz: -1, external: -1, lineType: -1, region: -1, debts: -1, vars: make([]string, len(rec)),
		names: make([]string, len(rec))}
	seen := map[string]int{}
	for i, name := range rec {
		name = strings.TrimSpace(name)
		key := strings.ToLower(name)
		h.names[i] = name
		if name == "" {
			return nil, &FileError{file, ImportError{Line: line, Field: fmt.Sprintf("column %d", i+1), Reason: "header: empty column name"}}
		}
		if strings.IndexByte(name, 0) >= 0 || !utf8.ValidString(name) {
			return nil, &FileError{file, ImportError{Line: line, Field: fmt.Sprintf("column %d", i+1), Reason: "header: a NUL byte or invalid UTF-8 in the column name"}}
		}
		if j, dup := seen[key]; dup {
			return nil, &FileError{file, ImportError{Line: 1, Field: name, Reason: fmt.Sprintf("header: columns %d and %d have the same name", j+1, i+1)}}
		}
		seen[key] = i
		switch {
		case h.phone < 0 && contains(phoneColumns, key):
			h.phone = i
		case h.tz < 0 && contains(timezoneColumns, key):
			h.tz = i
		case h.external < 0 && contains(externalColumns, key):
			h.external = i
		case h.lineType < 0 && contains(lineTypeColumns, key):
			h.lineType, h.vars[i] = i, name
		case h.region < 0 && contains(regionColumns, key):
			h.region, h.vars[i] = i, name
		case h.debts < 0 && contains(debtColumns, key):
			h.debts, h.vars[i] = i, name
		default:
			h.vars[i] = name
		}
	}
	if h.phone < 0 {
		return nil, &FileError{file, ImportError{Line: 1, Field: "phone", Reason: "header: no phone column (one of " + strings.Join(phoneColumns, ", ") + ")"}}
	}
	for _, stored := range requires {
		spec, err := field.Parse(stored)
		if err != nil {
			return nil, fmt.Errorf("campaign requires: %w", err)
		}
		req := spec.Name
		j := -1
		for i, v := range h.vars {
			if v != "" && strings.EqualFold(v, req) {
				j = i
			}
		}
		if j < 0 {
			return nil, &FileError{file, ImportError{Line: 1, Field: req, Reason: "header: the script requires " + req + " but the file has no such column"}}
		}
		h.requires = append(h.requires, j)
		h.reqNames = append(h.reqNames, req)
		h.reqSpecs = append(h.reqSpecs, spec)
	}
	return h, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// rawRow is a CSV record with its line, or a problem with it.
type rawRow struct {
	line int
	rec  []string
	err  *rowError
}

// batch is a unit of parallel work; done closes when rows/errs are filled.
type batch struct {
	raw      []rawRow
	n        int // rows read
	rows     []store.ContactRow
	errs     []ImportError
	rejected int
	done     chan struct{}
}

// rowSource reads, validates in parallel, and yields rows in file order.
type rowSource struct {
	ctx     context.Context
	opts    ImportOptions
	rep     *ImportReport
	cr      *countingReader
	ordered chan *batch
	readErr error // set by the reader before ordered closes
	wg      sync.WaitGroup

	cur      *batch
	i        int
	err      error
	lastProg time.Time
}

func newRowSource(ctx context.Context, rd *csvReader, h *header, region string, opts ImportOptions, cr *countingReader, rep *ImportReport) *rowSource {
	s := &rowSource{ctx: ctx, opts: opts, rep: rep, cr: cr, ordered: make(chan *batch, 4*opts.Workers)}
	work := make(chan *batch, 2*opts.Workers)
	for w := 0; w < opts.Workers; w++ {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			v := &validator{h: h, phones: newPhoneNormalizer(region), zones: map[string]string{}}
			for b := range work {
				v.validate(b)
				close(b.done)
			}
		}()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(s.ordered)
		defer close(work)
		b := &batch{done: make(chan struct{})}
		send := func() bool {
			select {
			case s.ordered <- b:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- b:
			case <-ctx.Done():
				return false
			}
			b = &batch{done: make(chan struct{})}
			return true
		}
		size := 0 // bytes held by the batch: a batch of long rows goes early
		for {
			line, rec, err := rd.Read()
			if err == io.EOF {
				break
			}
			var re *rowError
			if err != nil && !errors.As(err, &re) {
				s.readErr = fileReadError(opts.File, rd.line, err)
				return
			}
			b.raw = append(b.raw, rawRow{line: line, rec: rec, err: re})
			for _, f := range rec {
				size += len(f)
			}
			if (len(b.raw) == batchRows || size >= batchBytes) && !send() {
				return
			}
			if len(b.raw) == 0 {
				size = 0
			}
		}
		if len(b.raw) > 0 {
			send()
		}
	}()
	return s
}

func (s *rowSource) Next() bool {
	for {
		if s.cur != nil && s.i < len(s.cur.rows) {
			s.i++
			return true
		}
		b, ok := <-s.ordered
		if !ok {
			if s.readErr != nil {
				s.err = s.readErr
			} else if err := s.ctx.Err(); err != nil {
				s.err = err
			}
			s.progress(true)
			return false
		}
		select {
		case <-b.done:
		case <-s.ctx.Done():
			s.err = s.ctx.Err()
			return false
		}
		s.rep.Rows += b.n
		s.rep.Rejected += b.rejected
		for _, e := range b.errs {
			if len(s.rep.Errors) < s.opts.MaxErrors {
				s.rep.Errors = append(s.rep.Errors, e)
			} else {
				s.rep.ErrorsOmitted++
			}
		}
		s.cur, s.i = b, 0
		s.progress(false)
	}
}

func (s *rowSource) Row() *store.ContactRow { return &s.cur.rows[s.i-1] }
func (s *rowSource) Err() error             { return s.err }

// wait drains the pipeline after the store is done with it.
func (s *rowSource) wait() {
	for range s.ordered {
	}
	s.wg.Wait()
}

func (s *rowSource) progress(final bool) {
	if s.opts.Progress == nil || final {
		return
	}
	if now := time.Now(); now.Sub(s.lastProg) >= s.opts.ProgressEvery {
		s.lastProg = now
		s.opts.Progress(ImportProgress{Bytes: s.cr.n.Load(), Rows: s.rep.Rows, Rejected: s.rep.Rejected})
	}
}

// validator checks and normalises rows; one per worker.
type validator struct {
	h      *header
	phones *phoneNormalizer
	zones  map[string]string // raw → canonical IANA name, "" when invalid
	buf    []byte
}

func (v *validator) validate(b *batch) {
	b.n = len(b.raw)
	b.rows = make([]store.ContactRow, 0, len(b.raw))
	for _, r := range b.raw {
		n := len(b.errs)
		row, ok := v.row(r, &b.errs)
		if !ok {
			if len(b.errs) == n {
				b.errs = append(b.errs, ImportError{Line: r.line, Reason: "rejected"})
			}
			b.rejected++
			continue
		}
		b.rows = append(b.rows, row)
	}
	b.raw = nil
}

func (v *validator) row(r rawRow, errs *[]ImportError) (store.ContactRow, bool) {
	h := v.h
	if r.err != nil {
		field := ""
		if r.err.col >= 0 && r.err.col < len(h.names) {
			field = h.names[r.err.col]
		} else if r.err.col >= 0 {
			field = fmt.Sprintf("column %d", r.err.col+1)
		}
		*errs = append(*errs, ImportError{Line: r.line, Field: field, Reason: "CSV: " + r.err.reason})
		return store.ContactRow{}, false
	}
	if len(r.rec) != h.n {
		if len(r.rec) == 1 && strings.TrimSpace(r.rec[0]) == "" {
			*errs = append(*errs, ImportError{Line: r.line, Reason: "blank line"})
		} else {
			*errs = append(*errs, ImportError{Line: r.line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(r.rec), h.n)})
		}
		return store.ContactRow{}, false
	}
	ok := true
	for i, f := range r.rec {
		if !utf8.ValidString(f) {
			*errs = append(*errs, ImportError{Line: r.line, Reason: "not valid UTF-8 (save the file as UTF-8)"})
			return store.ContactRow{}, false
		}
		// PostgreSQL text cannot hold NUL (the whole COPY would fail); refuse
		// the row on every backend alike.
		if strings.IndexByte(f, 0) >= 0 {
			*errs = append(*errs, ImportError{Line: r.line, Field: h.names[i], Reason: "contains a NUL byte"})
			return store.ContactRow{}, false
		}
	}
	phone, tz, err := v.phones.normalize(r.rec[h.phone])
	if err != nil {
		*errs = append(*errs, ImportError{Line: r.line, Field: "phone", Reason: phoneReason(r.rec[h.phone], err)})
		ok = false
	}
	if h.tz >= 0 {
		if raw := strings.TrimSpace(r.rec[h.tz]); raw != "" {
			zone, known := v.zones[raw]
			if !known {
				if loc, err := time.LoadLocation(raw); err == nil && raw != "Local" {
					zone = loc.String()
				}
				if len(v.zones) < 10000 {
					v.zones[raw] = zone
				}
			}
			if zone == "" {
				*errs = append(*errs, ImportError{Line: r.line, Field: "timezone", Reason: fmt.Sprintf("%q is not an IANA time zone (e.g. America/Chicago)", raw)})
				ok = false
			}
			tz = zone
		}
	}
	for i, col := range h.requires {
		if strings.TrimSpace(r.rec[col]) == "" {
			*errs = append(*errs, ImportError{Line: r.line, Field: h.reqNames[i], Reason: "required by the script, but empty"})
			ok = false
			continue
		}
		if spec := h.reqSpecs[i]; spec.Type != field.Text && spec.Type != "" {
			val, err := spec.Normalize(r.rec[col], field.Options{DayFirst: !v.phones.nanpRegion(), Phone: v.phoneField})
			if err != nil {
				*errs = append(*errs, ImportError{Line: r.line, Field: h.reqNames[i], Reason: fmt.Sprintf("%s: %v", spec.Type, err)})
				ok = false
				continue
			}
			r.rec[col] = val // the variables carry the normalised value
		}
	}
	var facts store.ContactRow
	if h.lineType >= 0 {
		lt, err := parseLineType(r.rec[h.lineType])
		if err != nil {
			*errs = append(*errs, ImportError{Line: r.line, Field: "line_type", Reason: err.Error()})
			ok = false
		}
		facts.LineType = lt
	}
	if h.region >= 0 {
		rg, err := parseRegion(r.rec[h.region])
		if err != nil {
			*errs = append(*errs, ImportError{Line: r.line, Field: "region", Reason: err.Error()})
			ok = false
		}
		facts.Region = rg
	}
	if h.debts >= 0 {
		facts.DebtIDs = parseDebtIDs(r.rec[h.debts])
	}
	if !ok {
		return store.ContactRow{}, false
	}
	row := store.ContactRow{Line: r.line, Phone: phone, TimeZone: tz, LineType: facts.LineType, Region: facts.Region, DebtIDs: facts.DebtIDs}
	if h.external >= 0 {
		row.ExternalID = strings.TrimSpace(r.rec[h.external])
	}
	v.buf = append(v.buf[:0], '{')
	first := true
	for i, name := range h.vars {
		if name == "" {
			continue
		}
		val := strings.TrimSpace(r.rec[i])
		if val == "" {
			continue
		}
		if !first {
			v.buf = append(v.buf, ',')
		}
		first = false
		v.buf = appendJSONString(v.buf, name)
		v.buf = append(v.buf, ':')
		v.buf = appendJSONString(v.buf, val)
	}
	v.buf = append(v.buf, '}')
	row.Variables = append([]byte(nil), v.buf...)
	return row, true
}

// phoneField normalises a phone-typed contact field like the contact's own number.
func (v *validator) phoneField(raw string) (string, error) {
	e164, _, err := v.phones.normalize(raw)
	if err != nil {
		return "", errors.New(phoneReason(raw, err))
	}
	return e164, nil
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

func phoneReason(raw string, err error) string {
	if err == errNoNumber {
		return "missing"
	}
	return fmt.Sprintf("%q: %v", raw, err)
}

func sizeText64(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return sizeText(int(n))
}

// appendJSONString appends s as a JSON string (s is valid UTF-8).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// parseLineType reads a line_type cell: wireless (mobile, cell), landline (fixed,
// residential) or unknown ("" too).
func parseLineType(raw string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "":
		return "", nil
	case "unknown":
		return "unknown", nil
	case "wireless", "mobile", "cell", "cellular":
		return "wireless", nil
	case "landline", "fixed", "residential", "fixed_line":
		return "landline", nil
	}
	return "", fmt.Errorf("%q is not a line type (want wireless, landline or unknown)", raw)
}

// parseRegion reads a region cell: an ISO 3166-2 subdivision such as US-FL ("" is unknown).
func parseRegion(raw string) (string, error) {
	s := strings.ToUpper(strings.TrimSpace(raw))
	if s == "" {
		return "", nil
	}
	ok := len(s) >= 4 && len(s) <= 6 && s[2] == '-'
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		switch {
		case i == 2:
		case i < 2:
			ok = c >= 'A' && c <= 'Z'
		default:
			ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		}
	}
	if !ok {
		return "", fmt.Errorf("%q is not an ISO 3166-2 region (e.g. US-FL)", raw)
	}
	return s, nil
}

// parseDebtIDs splits a debt_ids cell on ';', '|' or ',' (one call may be about several
// debts).
func parseDebtIDs(raw string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ';' || r == '|' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
