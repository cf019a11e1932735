package media

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// readStereo splits a recording written by Recorder into its channels.
func readStereo(t *testing.T, path string) (left, right []int16) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < wavHeaderSize || string(b[:4]) != "RIFF" {
		t.Fatalf("%s: not a WAV", path)
	}
	if ch := binary.LittleEndian.Uint16(b[22:]); ch != 2 {
		t.Fatalf("%d channels", ch)
	}
	size := int(binary.LittleEndian.Uint32(b[40:]))
	if size != len(b)-wavHeaderSize || int(binary.LittleEndian.Uint32(b[4:])) != len(b)-8 {
		t.Fatalf("header sizes %d/%d for %d bytes", size, binary.LittleEndian.Uint32(b[4:]), len(b))
	}
	data := b[wavHeaderSize:]
	for i := 0; i+4 <= len(data); i += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(data[i:])))
		right = append(right, int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	return left, right
}

func TestRecorderAlignsChannels(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "call.wav")
	r, err := NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	frame := func(v int16) []int16 {
		f := make([]int16, FrameSamples)
		for i := range f {
			f[i] = v
		}
		return f
	}
	// 5 s of sent frames (forces several streamed chunks), a received burst at 3 s,
	// one received frame out of order, and one far too late to place.
	for i := range 250 {
		r.WriteSent(time.Duration(i)*FrameDuration, frame(100))
		if i == 200 {
			r.WriteReceived(3*time.Second+FrameDuration, frame(300))
			r.WriteReceived(3*time.Second, frame(200))
			r.WriteReceived(500*time.Millisecond, frame(999)) // already written: dropped
		}
	}
	r.WriteReceived(-time.Second, frame(1)) // negative: ignored
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	r.WriteSent(0, frame(5)) // after Close: ignored, no panic
	if r.Path() != path {
		t.Errorf("Path = %q", r.Path())
	}
	left, right := readStereo(t, path)
	if len(left) != 250*FrameSamples {
		t.Fatalf("%d frames, want %d", len(left), 250*FrameSamples)
	}
	at := func(d time.Duration) int { return int(d / (time.Second / SampleRate)) }
	checks := []struct {
		name string
		ch   []int16
		i    int
		want int16
	}{
		{"left start", left, 0, 100},
		{"left end", left, len(left) - 1, 100},
		{"right before", right, at(3*time.Second) - 1, 0},
		{"right at 3s", right, at(3 * time.Second), 200},
		{"right at 3.02s", right, at(3*time.Second + FrameDuration), 300},
		{"right after", right, at(3*time.Second + 2*FrameDuration), 0},
		{"late dropped", right, at(500 * time.Millisecond), 0},
	}
	for _, c := range checks {
		if c.ch[c.i] != c.want {
			t.Errorf("%s: sample %d = %d, want %d", c.name, c.i, c.ch[c.i], c.want)
		}
	}
}

func TestRecorderBadPath(t *testing.T) {
	t.Parallel()
	if _, err := NewRecorder(filepath.Join(t.TempDir(), "no", "such", "dir.wav")); err == nil {
		t.Error("want error")
	}
}
