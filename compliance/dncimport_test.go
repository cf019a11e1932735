package compliance

import (
	"errors"
	"strings"
	"testing"
)

func TestReadDNCNumbers(t *testing.T) {
	in := "phone\n+12125550101\n212-555-0102\n1 (212) 555-0103\n212,5550104\n# comment\n\n+12125550101\n"
	b, n, err := ReadDNCNumbers(strings.NewReader(in), "f.txt", ListNational, nil)
	if err != nil || n != 5 || b.GetCardinality() != 4 {
		t.Fatalf("%d numbers, %d distinct, %v", n, b.GetCardinality(), err)
	}
	for _, s := range []string{"+12125550101", "+12125550102", "+12125550103", "+12125550104"} {
		x, _ := ParseNumber(s)
		if !b.Contains(x) {
			t.Errorf("missing %s", s)
		}
	}
	tps, _, err := ReadDNCNumbers(strings.NewReader("020 7946 0018\n447700900123\n"), "t", ListTPS, nil)
	a, _ := ParseNumber("+442079460018")
	c, _ := ParseNumber("+447700900123")
	if err != nil || !tps.Contains(a) || !tps.Contains(c) {
		t.Fatalf("tps: %v %v", tps.ToArray(), err)
	}
	cn, _, err := ReadDNCNumbers(strings.NewReader("13800138000\n8613900139000\n"), "c", ListDecline, nil)
	d, _ := ParseNumber("+8613800138000")
	if err != nil || !cn.Contains(d) || cn.GetCardinality() != 2 {
		t.Fatalf("decline: %v %v", cn.ToArray(), err)
	}
	_, _, err = ReadDNCNumbers(strings.NewReader("+12125550101\n555-0102\n"), "bad.txt", ListNational, nil)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 2 || ie.Field != "number" || ie.File != "bad.txt" {
		t.Fatalf("bad line: %v", err)
	}
}

func FuzzReadDNCNumbers(f *testing.F) {
	f.Add("+12125550101\n212,5550102\n", uint8(ListNational))
	f.Add("02079460018\r\n", uint8(ListTPS))
	f.Add("13800138000", uint8(ListDecline))
	f.Fuzz(func(t *testing.T, in string, l uint8) {
		b, n, err := ReadDNCNumbers(strings.NewReader(in), "fuzz", List(l%uint8(numLists)), nil)
		if err != nil {
			return
		}
		if b.GetCardinality() > uint64(n) {
			t.Fatalf("%d distinct of %d read", b.GetCardinality(), n)
		}
		it := b.Iterator()
		for it.HasNext() {
			x := it.Next()
			if _, ok := ParseNumber(FormatNumber(x)); !ok {
				t.Fatalf("imported %d is not E.164", x)
			}
		}
	})
}

// BenchmarkReadDNCNumbers parses a 1,000,000-line registry file in memory per op and
// reports numbers/s. The numbers are random in two area codes (6 % of their numbers, about
// the National registry's density over allocated NANP numbers).
func BenchmarkReadDNCNumbers(b *testing.B) {
	var sb strings.Builder
	x := uint64(2125550000)
	for i := 0; i < 1_000_000; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		sb.WriteString(FormatNumber(1e10 + []uint64{212, 415}[i%2]*1e7 + 2e6 + (x>>20)%8e6))
		sb.WriteByte('\n')
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := ReadDNCNumbers(strings.NewReader(in), "bench", ListNational, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "numbers/s")
}
