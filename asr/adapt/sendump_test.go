package adapt

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/asr"
)

// sendump builds a small sendump: 1 feature, 2 densities, 3 senones.
func sendump(rows [][]byte) []byte {
	var b []byte
	str := func(s string) {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)+1))
		b = append(b, s...)
		b = append(b, 0)
	}
	str("test sendump")
	str("feature_count 1")
	str("mixw_shift 10")
	b = binary.LittleEndian.AppendUint32(b, 0) // end of header
	b = binary.LittleEndian.AppendUint32(b, uint32(len(rows)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(rows[0])))
	for _, r := range rows {
		b = append(b, r...)
	}
	return b
}

func readS3(t *testing.T, path string) ([]uint32, []float32) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(data), "endhdr\n")
	if !strings.HasPrefix(string(data), "s3\n") || i < 0 {
		t.Fatalf("no s3 header: %q", data[:min(40, len(data))])
	}
	p := i + len("endhdr\n")
	if p%4 != 0 {
		t.Fatalf("binary data at offset %d, not 4-aligned", p)
	}
	if binary.LittleEndian.Uint32(data[p:]) != 0x11223344 {
		t.Fatal("byte-order magic missing")
	}
	p += 4
	dims := []uint32{binary.LittleEndian.Uint32(data[p:]), binary.LittleEndian.Uint32(data[p+4:]), binary.LittleEndian.Uint32(data[p+8:])}
	n := binary.LittleEndian.Uint32(data[p+12:])
	p += 16
	vals := make([]float32, n)
	for k := range vals {
		vals[k] = math.Float32frombits(binary.LittleEndian.Uint32(data[p+4*k:]))
	}
	return dims, vals
}

func TestSendumpToMixw(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "sendump"), filepath.Join(dir, "mixw")
	// Density rows: senone s's weight for density d is 1.0001^-(q<<10).
	if err := os.WriteFile(src, sendump([][]byte{{0, 10, 255}, {1, 0, 3}}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SendumpToMixw(src, dst); err != nil {
		t.Fatal(err)
	}
	dims, vals := readS3(t, dst)
	if dims[0] != 3 || dims[1] != 1 || dims[2] != 2 || len(vals) != 6 {
		t.Fatalf("dims %v, %d values; want senones 3 × features 1 × densities 2", dims, len(vals))
	}
	want := func(q int) float32 { return float32(math.Pow(1.0001, -float64(q<<10))) }
	// [senone][feature][density]
	for _, c := range []struct{ sen, den, q int }{{0, 0, 0}, {0, 1, 1}, {1, 0, 10}, {1, 1, 0}, {2, 0, 255}, {2, 1, 3}} {
		if got := vals[c.sen*2+c.den]; math.Abs(float64(got-want(c.q))) > 1e-6 {
			t.Errorf("senone %d density %d = %g, want %g", c.sen, c.den, got, want(c.q))
		}
	}
}

func TestSendumpToMixwRefusesGarbage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "sendump")
	if err := os.WriteFile(src, []byte("not a sendump at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SendumpToMixw(src, filepath.Join(dir, "mixw")); err == nil || !strings.Contains(err.Error(), src) {
		t.Errorf("err = %v, want one naming %s", err, src)
	}
}

// TestSendumpOfDebianModel converts the shipped model's weights: each senone's
// weights over a feature's densities are a distribution (they sum to about one).
func TestSendumpOfDebianModel(t *testing.T) {
	t.Parallel()
	src := filepath.Join(asr.DefaultSphinxModel, "sendump")
	dst := filepath.Join(t.TempDir(), "mixture_weights")
	if err := SendumpToMixw(src, dst); err != nil {
		t.Fatal(err)
	}
	dims, vals := readS3(t, dst)
	if dims[0] < 1000 || dims[1] != 3 || dims[2] != 128 {
		t.Fatalf("dims %v, want thousands of senones × 3 features × 128 densities", dims)
	}
	for _, s := range []int{0, int(dims[0]) / 2, int(dims[0]) - 1} {
		sum := 0.0
		for d := range int(dims[2]) {
			sum += float64(vals[(s*int(dims[1]))*int(dims[2])+d])
		}
		if sum < 0.8 || sum > 1.2 {
			t.Errorf("senone %d feature 0: weights sum to %.3f", s, sum)
		}
	}
}
