package campaign

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// generatedAreaCodes are real, assigned NANP NPA-NXX prefixes spread over
// the US time zones; GenerateCSV draws numbers under them.
var generatedAreaCodes = []string{
	"212555", "213555", "305555", "312555", "415555", "503555", "602555", "617555",
	"702555", "713555", "801555", "808555", "907555", "206555", "404555", "512555",
}

// GenerateCSV writes a contact file of n distinct rows (phone, first_name,
// amount, due_date, timezone, external_id) for tests and `voxdial bench
// import`. One row in badEvery (0: none) has an invalid number. The same
// seed gives the same file.
func GenerateCSV(w io.Writer, n int, seed uint64, badEvery int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if _, err := bw.WriteString("phone,first_name,amount,due_date,timezone,external_id\n"); err != nil {
		return err
	}
	names := []string{"Ana", "Ben", "Chen", "Dora", "Eve", "Fay", "Gus", "Hana", "Ivo", "Jun"}
	buf := make([]byte, 0, 128)
	for i := 0; i < n; i++ {
		buf = buf[:0]
		prefix := generatedAreaCodes[i%len(generatedAreaCodes)]
		line := i / len(generatedAreaCodes) // distinct per prefix up to 10,000 rows each…
		if line >= 10000 {
			// …then spread over more exchanges: 555 → 2xx-9xx
			ex := 200 + (line/10000)%800
			prefix = prefix[:3] + strconv.Itoa(ex)
			line %= 10000
		}
		if badEvery > 0 && i%badEvery == badEvery-1 {
			buf = append(buf, "+1555010"...)
		} else {
			buf = append(buf, '+', '1')
			buf = append(buf, prefix...)
		}
		buf = fmt.Appendf(buf, "%04d,%s,%d.%02d,2026-12-%02d,,G-%d\n", line, names[r.IntN(len(names))],
			10+r.IntN(5000), r.IntN(100), 1+r.IntN(28), i)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
