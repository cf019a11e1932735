package bench

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Common are the keys every bench report carries, so that runs on one machine can be
// compared: the Go version, GOMAXPROCS, the measured wall time and the process CPU over it
// in cores (CPU seconds per wall second).
type Common struct {
	GoVersion  string  `json:"go_version"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	DurationS  float64 `json:"duration_s"`
	CPUCores   float64 `json:"cpu_cores"`
}

// Percentiles are durations in milliseconds by key: p50, p95 and p99 as measured, and
// max; empty when nothing was measured (a zero would read as a real figure).
type Percentiles map[string]float64

// Lateness is how late a media clock's slots fired, in milliseconds.
type Lateness struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// UsageError is bad options: the run did not start. The CLI exits 2 on it.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usage(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// IsUsage reports whether err is bad options rather than a failed run.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// progressTo returns a printf to w, or to nowhere when w is nil.
func progressTo(w io.Writer) func(format string, args ...any) {
	if w == nil {
		w = io.Discard
	}
	return func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
}

// meter measures wall time and process CPU time over a run.
type meter struct {
	start    time.Time
	cpuStart time.Duration
}

func startMeter() *meter {
	return &meter{start: time.Now(), cpuStart: ProcessCPU()}
}

// common returns the keys every bench carries, measured from the meter's start to now.
func (m *meter) common() Common {
	wall := time.Since(m.start)
	cpu := ProcessCPU() - m.cpuStart
	return Common{
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		DurationS:  wall.Seconds(),
		CPUCores:   cpu.Seconds() / wall.Seconds(),
	}
}

// cpuSeconds is the process CPU the common figures stand for.
func (c Common) cpuSeconds() float64 { return c.CPUCores * c.DurationS }

// ProcessCPU is the CPU time this process has used, user and system.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childrenCPU is the CPU time of waited-for child processes (espeak-ng).
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentilesMS of durations in milliseconds (microsecond resolution).
func percentilesMS(ds []time.Duration, ps ...float64) Percentiles {
	out := Percentiles{}
	if len(ds) == 0 {
		return out
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	for _, p := range ps {
		i := int(p / 100 * float64(len(s)-1))
		out[percentileKey(p)] = float64(s[i].Microseconds()) / 1000
	}
	out["max"] = float64(s[len(s)-1].Microseconds()) / 1000
	return out
}

func percentileKey(p float64) string {
	switch p {
	case 50:
		return "p50"
	case 95:
		return "p95"
	case 99:
		return "p99"
	}
	return "p"
}

// percentilesUS is percentilesMS with nanosecond resolution, p50, p95 and p99 (cache
// hits are far below a millisecond).
func percentilesUS(ds []time.Duration) Percentiles {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out := Percentiles{}
	if len(s) == 0 {
		return out
	}
	at := func(p float64) float64 { return float64(s[int(p*float64(len(s)-1))].Nanoseconds()) / 1e6 }
	out["p50"], out["p95"], out["p99"] = at(0.5), at(0.95), at(0.99)
	out["max"] = float64(s[len(s)-1].Nanoseconds()) / 1e6
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// rssBytes is this process's resident set size.
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// storeMax raises m to v if v is larger (a running peak shared by workers).
func storeMax(m *atomic.Int64, v int64) {
	for old := m.Load(); v > old; old = m.Load() {
		if m.CompareAndSwap(old, v) {
			return
		}
	}
}
