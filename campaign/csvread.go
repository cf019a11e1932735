package campaign

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Default import limits (ImportOptions).
const (
	DefaultMaxFieldBytes  = 64 << 10
	DefaultMaxRecordBytes = 1 << 20
	DefaultMaxFileBytes   = 2 << 30
)

// csvReader reads RFC 4180 CSV (comma, double quotes, quoted fields may span
// lines; empty lines are skipped, CRLF reads as LF) with bounds: a field
// longer than maxField or a record longer than maxRecord is rejected as a
// row, without holding it in memory. A quote that never closes is reported
// on the line it opened, and reading resumes on the next line, so one stray
// quote costs one row, not the rest of the file.
type csvReader struct {
	br        *bufio.Reader
	maxField  int
	maxRecord int
	line      int       // lines read so far
	replay    []rawLine // lines to read again after an unterminated quote
	replayAt  int       // line number of replay[0]
	err       error     // sticky read error
}

// rowError is a problem with one record; reading goes on.
type rowError struct {
	col    int // 0-based column; -1: the record as a whole
	reason string
}

func (e *rowError) Error() string { return e.reason }

func newCSVReader(r io.Reader, maxField, maxRecord int) *csvReader {
	return &csvReader{br: bufio.NewReaderSize(r, 64<<10), maxField: maxField, maxRecord: maxRecord}
}

var errLineTooLong = errors.New("line too long")

// rawLine is a physical line kept for a replay.
type rawLine struct {
	b       []byte
	tooLong bool
}

// readLine returns the next physical line without its line ending. A line
// longer than maxRecord is consumed to its end and errLineTooLong returned.
func (r *csvReader) readLine() ([]byte, error) {
	if len(r.replay) > 0 {
		l := r.replay[0]
		r.replay = r.replay[1:]
		r.line = r.replayAt
		r.replayAt++
		if l.tooLong {
			return nil, errLineTooLong
		}
		return l.b, nil
	}
	if r.err != nil {
		return nil, r.err
	}
	var buf []byte
	tooLong := false
	for {
		frag, err := r.br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(frag) > r.maxRecord+2 { // +2: the line ending
				tooLong, buf = true, nil
			} else {
				buf = append(buf, frag...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			r.err = err
			if len(buf) == 0 && !tooLong {
				return nil, err
			}
		}
		break
	}
	r.line++
	if tooLong {
		return nil, errLineTooLong
	}
	buf = bytes.TrimSuffix(buf, []byte{'\n'})
	buf = bytes.TrimSuffix(buf, []byte{'\r'})
	return buf, nil
}

// Read returns the next record and the line it starts on. A *rowError
// means the record is bad (its fields may be partial); any other error
// (io.EOF at the end) ends the file.
func (r *csvReader) Read() (line int, rec []string, err error) {
	var l []byte
	for {
		l, err = r.readLine()
		if err == errLineTooLong {
			return r.line, nil, &rowError{col: -1, reason: fmt.Sprintf("line longer than %s", sizeText(r.maxRecord))}
		}
		if err != nil {
			return 0, nil, err
		}
		if len(l) > 0 {
			break
		}
	}
	start := r.line
	var consumed []rawLine // lines after start read into a quoted field, for a replay
	var rowErr *rowError
	size := len(l)
	var field []byte
	fieldTooLong := false
	add := func(b ...byte) {
		if fieldTooLong {
			return
		}
		if len(field)+len(b) > r.maxField {
			fieldTooLong, field = true, nil
			return
		}
		field = append(field, b...)
	}
	endField := func() {
		if fieldTooLong && rowErr == nil {
			rowErr = &rowError{col: len(rec), reason: fmt.Sprintf("field longer than %s", sizeText(r.maxField))}
		}
		rec = append(rec, string(field))
		field, fieldTooLong = field[:0], false
	}
	i := 0
	for {
		// One field starts at l[i].
		if i < len(l) && l[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(l[i:], '"')
				if j < 0 { // the field goes on on the next line
					add(l[i:]...)
					add('\n')
					next, err := r.readLine()
					switch {
					case err == errLineTooLong:
						consumed = append(consumed, rawLine{tooLong: true})
					case err == nil && size+len(next)+1 > r.maxRecord:
						consumed = append(consumed, rawLine{b: next})
						err = errLineTooLong
					}
					if err != nil { // EOF or too long: the quote never closed
						if err == errLineTooLong || err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
							r.replayFrom(start+1, consumed)
							return start, rec, &rowError{col: len(rec), reason: fmt.Sprintf(
								"unterminated quoted field (the quote opened on line %d never closes)", start)}
						}
						return 0, nil, err
					}
					consumed = append(consumed, rawLine{b: next})
					size += len(next) + 1
					l, i = next, 0
					continue
				}
				add(l[i : i+j]...)
				i += j + 1
				if i < len(l) && l[i] == '"' { // "" is one quote
					add('"')
					i++
					continue
				}
				break
			}
			switch {
			case i == len(l):
				endField()
				return start, rec, errOrNil(rowErr)
			case l[i] == ',':
				endField()
				i++
				continue
			}
			if len(consumed) > 0 {
				// A quote closed on a later line, but not as a field ends: most
				// likely a stray quote that swallowed the line break. Report it
				// on its line and read the following lines again as records.
				r.replayFrom(start+1, consumed)
				return start, rec, &rowError{col: len(rec), reason: fmt.Sprintf(
					`extraneous or missing " in quoted-field (the quote opened on line %d)`, start)}
			}
			if rowErr == nil {
				rowErr = &rowError{col: len(rec), reason: `extraneous or missing " in quoted-field`}
			}
			// Read the rest of the field as unquoted text.
		}
		j := bytes.IndexByte(l[i:], ',')
		end := len(l)
		if j >= 0 {
			end = i + j
		}
		if bytes.IndexByte(l[i:end], '"') >= 0 && rowErr == nil {
			rowErr = &rowError{col: len(rec), reason: `bare " in non-quoted-field`}
		}
		add(l[i:end]...)
		endField()
		if j < 0 {
			return start, rec, errOrNil(rowErr)
		}
		i = end + 1
	}
}

// replayFrom makes the lines after an unterminated quote's line be read again.
func (r *csvReader) replayFrom(line int, lines []rawLine) {
	if len(lines) == 0 {
		return
	}
	r.replay = append(lines, r.replay...)
	r.replayAt = line
}

func errOrNil(e *rowError) error {
	if e == nil {
		return nil
	}
	return e
}

func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
