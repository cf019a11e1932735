package dialer_test

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/voxdial/voxdial/media"
)

// recordingChannel reads one channel (0 left, 1 right) of a stereo 16-bit WAV.
func recordingChannel(t *testing.T, path string, ch int) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s is not a WAV file", path)
	}
	if n := binary.LittleEndian.Uint16(b[22:24]); n != 2 {
		t.Fatalf("%s has %d channels, want 2", path, n)
	}
	// Find the data chunk.
	off := 12
	for off+8 <= len(b) {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		off += 8
		if id == "data" {
			end := min(off+size, len(b))
			data := b[off:end]
			out := make([]int16, 0, len(data)/4)
			for i := ch * 2; i+2 <= len(data); i += 4 {
				out = append(out, int16(binary.LittleEndian.Uint16(data[i:])))
			}
			return out
		}
		off += size + size%2
	}
	t.Fatalf("%s has no data chunk", path)
	return nil
}

// recordingRight is the far end's channel of a recording.
func recordingRight(t *testing.T, path string) []int16 { return recordingChannel(t, path, 1) }

// assertRecordingHolds checks that channel ch of the recording contains the
// audio of source (by normalised cross-correlation, not by file size).
func assertRecordingHolds(t *testing.T, rec, source string, ch int, minCorr float64) {
	t.Helper()
	src, err := media.ReadWAV(source)
	if err != nil {
		t.Fatal(err)
	}
	got := recordingChannel(t, rec, ch)
	if media.RMS(got) < 100 {
		t.Fatalf("channel %d of %s is silent (rms %.0f)", ch, rec, media.RMS(got))
	}
	if c := media.Correlation(got, src.Samples); c < minCorr {
		t.Fatalf("channel %d of %s does not hold %s: correlation %.2f < %.2f", ch, rec, source, c, minCorr)
	}
}
