package compliance

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// ImportProgress is called every ProgressEvery numbers and at the end.
type ImportProgress func(lines, numbers int64)

// ProgressEvery is how often ReadDNCNumbers reports progress.
const ProgressEvery = 1 << 20

// ReadDNCNumbers streams a registry file into a bitmap: one number per line, as E.164
// (+…), or in the list's national forms — national and state: 10 digits, 1 + 10 digits, or
// the FTC's "AAA,NNNNNNN"; tps: a UK number with its leading 0 or 44; decline: an 11-digit
// Chinese number or 86 + 11 digits. Spaces, dashes, dots and parentheses are ignored; blank
// lines and lines starting with # are skipped, and so is a first line with letters (a
// header). A malformed line stops the import with an *InputError naming the line (file is
// the caller's name for r).
func ReadDNCNumbers(r io.Reader, file string, l List, progress ImportProgress) (*roaring64.Bitmap, int64, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	b := roaring64.New()
	// Numbers are added a sorted batch at a time: the batch becomes its own bitmap (sorted
	// input only appends) and is merged with Or, container by container. Adding unsorted
	// numbers directly would shift array containers on every insert.
	batch := make([]uint64, 0, 1<<20)
	var lines, numbers int64
	flush := func() {
		if len(batch) == 0 {
			return
		}
		slices.Sort(batch)
		nb := roaring64.New()
		nb.AddMany(batch)
		b.Or(nb)
		batch = batch[:0]
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, numbers, &InputError{File: file, Line: int(lines + 1), Field: "number", Err: errors.New("line longer than 1 MiB")}
		}
		if len(line) > 0 {
			lines++
			n, ok, skip := parseDNCLine(line, l)
			switch {
			case skip || (!ok && lines == 1 && hasLetter(line)):
			case !ok:
				return nil, numbers, &InputError{File: file, Line: int(lines), Field: "number",
					Err: fmt.Errorf("%q is not a %s number", trimEOL(line), l)}
			default:
				batch = append(batch, n)
				numbers++
				if len(batch) == cap(batch) {
					flush()
				}
				if progress != nil && numbers%ProgressEvery == 0 {
					progress(lines, numbers)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, numbers, &InputError{File: file, Line: int(lines + 1), Err: err}
		}
	}
	flush()
	if progress != nil {
		progress(lines, numbers)
	}
	return b, numbers, nil
}

func trimEOL(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

func hasLetter(b []byte) bool {
	for _, c := range b {
		if (c|0x20) >= 'a' && (c|0x20) <= 'z' {
			return true
		}
	}
	return false
}

// parseDNCLine parses one line: the number, whether it parsed, whether to skip the line.
func parseDNCLine(line []byte, l List) (uint64, bool, bool) {
	var digits [20]byte
	nd, plus, started := 0, false, false
	for _, c := range line {
		switch {
		case c >= '0' && c <= '9':
			if nd == len(digits) {
				return 0, false, false
			}
			digits[nd] = c - '0'
			nd++
			started = true
		case c == '+' && !started:
			plus, started = true, true
		case c == '#' && !started:
			return 0, false, true
		case c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' || c == ')' || c == ',' || c == '\r' || c == '\n' || c == '"':
		default:
			return 0, false, false
		}
	}
	if !started {
		return 0, false, true
	}
	d := digits[:nd]
	if !plus {
		switch l {
		case ListNational, ListState, ListInternal:
			if nd == 11 && d[0] == 1 {
				d = d[1:]
			}
			if len(d) != 10 || d[0] < 2 {
				return 0, false, false
			}
			return 1e10 + num(d), true, false
		case ListTPS:
			switch {
			case nd >= 10 && nd <= 11 && d[0] == 0:
				d = d[1:]
			case nd >= 11 && nd <= 12 && d[0] == 4 && d[1] == 4:
				d = d[2:]
			default:
				return 0, false, false
			}
			return 44*pow10(len(d)) + num(d), true, false
		case ListDecline:
			if nd == 13 && d[0] == 8 && d[1] == 6 {
				d = d[2:]
			}
			if len(d) != 11 || d[0] != 1 {
				return 0, false, false
			}
			return 86e11 + num(d), true, false
		}
		return 0, false, false
	}
	if nd < 2 || nd > 15 || d[0] == 0 {
		return 0, false, false
	}
	return num(d), true, false
}

func num(d []byte) uint64 {
	var n uint64
	for _, c := range d {
		n = n*10 + uint64(c)
	}
	return n
}

func pow10(n int) uint64 {
	p := uint64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}
