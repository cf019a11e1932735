package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Recorder writes a call as a stereo 8 kHz 16-bit WAV: left is what the bot sent, right
// what the caller sent. Both channels are placed by time since session start, so they
// stay aligned whatever the packet timing.
//
// It streams to the file: the two channels are held in memory only for a short
// horizon (the right channel arrives with network delay and jitter), then interleaved
// and written in one-second chunks, so a long call costs ~64 KB of memory, not the
// whole recording. Audio that arrives later than the horizon is dropped. Writes take a
// mutex and, once a second, a buffered file write; safe for concurrent use by the clock
// tick (WriteSent) and the receive goroutine (WriteReceived).
type Recorder struct {
	mu     sync.Mutex
	path   string
	f      RecordFile
	w      *bufio.Writer
	base   int64      // per-channel sample index of left[0] and right[0]
	ch     [2][]int16 // pending samples from base; 0 = left (sent), 1 = right (received)
	frames int64      // stereo frames written to the file
	out    []byte     // interleave buffer
	err    error      // first write error, reported by Close
	closed bool
}

const (
	// recHorizon is how long received audio may lag the newest sample before its place
	// is written out (as silence if nothing came).
	recHorizon = 1 * SampleRate
	// recChunk is how much is written at a time.
	recChunk = 1 * SampleRate
	// recMaxAhead rejects a position absurdly far past the written part: a bad clock or
	// RTP timestamp must not allocate hours of silence in one go.
	recMaxAhead = 10 * 60 * SampleRate
)

// RecordFile is where a Recorder writes: an *os.File, or what a test puts in its place
// (a file on a full disk).
type RecordFile interface {
	io.Writer
	io.WriterAt
	io.Closer
}

// NewRecorder creates (truncates) the WAV file at path.
func NewRecorder(path string) (*Recorder, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create recording: %w", err)
	}
	return NewRecorderFile(path, f)
}

// NewRecorderFile records into f, a file created at path. Write errors (a full disk)
// are kept and returned by Close, which closes f.
func NewRecorderFile(path string, f RecordFile) (*Recorder, error) {
	r := &Recorder{path: path, f: f, w: bufio.NewWriterSize(f, 32<<10), out: make([]byte, 4*recChunk)}
	hdr := wavHeader(SampleRate, 2, 0) // sizes patched by Close
	if _, err := r.w.Write(hdr[:]); err != nil {
		f.Close()
		return nil, fmt.Errorf("create recording %s: %w", path, err)
	}
	return r, nil
}

// Path is the file the recording goes to.
func (r *Recorder) Path() string { return r.path }

// WriteSent records a frame the bot sent at time at since session start.
func (r *Recorder) WriteSent(at time.Duration, pcm []int16) { r.write(0, at, pcm) }

// WriteReceived records caller audio that belongs at time at since session start;
// gaps are silence.
func (r *Recorder) WriteReceived(at time.Duration, pcm []int16) { r.write(1, at, pcm) }

func (r *Recorder) write(ch int, at time.Duration, pcm []int16) {
	if at < 0 {
		return
	}
	pos := int64(at / (time.Second / SampleRate))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	off := pos - r.base
	if off < 0 { // older than what was written: keep only the part still pending
		if -off >= int64(len(pcm)) {
			return
		}
		pcm = pcm[-off:]
		off = 0
	}
	if off > recMaxAhead {
		return
	}
	end := int(off) + len(pcm)
	buf := r.ch[ch]
	if end > len(buf) {
		buf = grow(buf, end)
	}
	copy(buf[off:], pcm)
	r.ch[ch] = buf
	for max(len(r.ch[0]), len(r.ch[1])) > recHorizon+recChunk {
		r.flush(recChunk)
	}
}

// grow extends s to n samples, zero-filled.
func grow(s []int16, n int) []int16 {
	old := len(s)
	if n > cap(s) {
		s = append(s[:cap(s)], make([]int16, n-cap(s))...)
	}
	s = s[:n]
	clear(s[old:])
	return s
}

// flush interleaves and writes the first n pending frames. Caller holds mu.
func (r *Recorder) flush(n int) {
	for done := 0; done < n; {
		k := min(n-done, len(r.out)/4)
		for i := range k {
			var l, rr int16
			if j := done + i; j < len(r.ch[0]) {
				l = r.ch[0][j]
			}
			if j := done + i; j < len(r.ch[1]) {
				rr = r.ch[1][j]
			}
			binary.LittleEndian.PutUint16(r.out[4*i:], uint16(l))
			binary.LittleEndian.PutUint16(r.out[4*i+2:], uint16(rr))
		}
		if _, err := r.w.Write(r.out[:4*k]); err != nil && r.err == nil {
			r.err = err
		}
		done += k
	}
	for c := range r.ch {
		if len(r.ch[c]) > n {
			r.ch[c] = r.ch[c][:copy(r.ch[c], r.ch[c][n:])]
		} else {
			r.ch[c] = r.ch[c][:0]
		}
	}
	r.base += int64(n)
	r.frames += int64(n)
}

// Close writes what is pending, patches the header sizes and closes the file.
// Idempotent: later calls return nil.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.flush(max(len(r.ch[0]), len(r.ch[1])))
	errs := []error{r.err, r.w.Flush()}
	dataBytes := r.frames * 4
	if dataBytes+wavHeaderSize > 1<<32-1 {
		errs = append(errs, fmt.Errorf("%d bytes exceed the RIFF limit", dataBytes))
	} else {
		hdr := wavHeader(SampleRate, 2, uint32(dataBytes))
		_, err := r.f.WriteAt(hdr[:], 0)
		errs = append(errs, err)
	}
	errs = append(errs, r.f.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close recording %s: %w", r.path, err)
	}
	return nil
}
