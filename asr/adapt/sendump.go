package adapt

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// SendumpToMixw writes the mixture weights of a pocketsphinx "sendump" (8-bit
// quantised, as Debian's en-US model ships them) as a sphinxtrain mixture_weights file,
// which bw needs and the model package lacks.
func SendumpToMixw(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("sendump: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	order := binary.ByteOrder(binary.LittleEndian)
	first := true
	readInt := func() (uint32, error) {
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		v := order.Uint32(b[:])
		if first && v > 65536 {
			order = binary.BigEndian
			v = order.Uint32(b[:])
		}
		first = false
		return v, nil
	}
	readStr := func() (string, error) {
		n, err := readInt()
		if err != nil || n == 0 {
			return "", err
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\x00"), nil
	}
	if _, err := readStr(); err != nil { // title
		return fmt.Errorf("sendump %s: %w", src, err)
	}
	// The header's model_count and mixture_count are read again after it (the
	// matrix's own sizes), so only these settings are kept from it.
	shift, features, clusters := 10, 0, 0
	for {
		h, err := readStr()
		if err != nil {
			return fmt.Errorf("sendump %s: header: %w", src, err)
		}
		if h == "" {
			break
		}
		k, v, _ := strings.Cut(h, " ")
		n, _ := strconv.Atoi(strings.TrimSpace(v))
		switch k {
		case "mixw_shift":
			shift = n
		case "feature_count":
			features = n
		case "cluster_count":
			clusters = n
		}
	}
	if clusters != 0 {
		return fmt.Errorf("sendump %s: clustered weights (cluster_count %d) are not supported", src, clusters)
	}
	m, err := readInt()
	if err != nil {
		return fmt.Errorf("sendump %s: %w", src, err)
	}
	s, err := readInt()
	if err != nil {
		return fmt.Errorf("sendump %s: %w", src, err)
	}
	models, mixtures := int(m), int(s) // densities per feature, senones
	if features <= 0 || models <= 0 || mixtures <= 0 {
		return fmt.Errorf("sendump %s: bad sizes (features %d, densities %d, senones %d)", src, features, models, mixtures)
	}
	// out[senone][feature][density]
	out := make([]float32, mixtures*features*models)
	row := make([]byte, mixtures)
	for fi := range features {
		for d := range models {
			if _, err := io.ReadFull(r, row); err != nil {
				return fmt.Errorf("sendump %s: weights: %w", src, err)
			}
			for sen, q := range row {
				out[(sen*features+fi)*models+d] = float32(math.Pow(1.0001, -float64(int(q)<<shift)))
			}
		}
	}
	return writeS3(dst, []uint32{uint32(mixtures), uint32(features), uint32(models)}, out)
}

// writeS3 writes a sphinxtrain binary parameter file of float32 values.
func writeS3(path string, dims []uint32, data []float32) error {
	var b strings.Builder
	b.WriteString("s3\nversion 1.0\n")
	if lsb := (b.Len() + len("endhdr\n")) & 3; lsb != 0 {
		b.WriteString(strings.Repeat(" ", 4-lsb))
	}
	b.WriteString("endhdr\n")
	buf := []byte(b.String())
	buf = binary.LittleEndian.AppendUint32(buf, 0x11223344)
	total := uint32(1)
	for _, d := range dims {
		buf = binary.LittleEndian.AppendUint32(buf, d)
		total *= d
	}
	buf = binary.LittleEndian.AppendUint32(buf, total)
	for _, v := range data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
