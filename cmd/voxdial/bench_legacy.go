package main

// Helpers of the benches not yet moved to internal/bench; removed once they are.

import (
	"context"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/media"
)

// benchMeter measures wall time and process CPU time over a run.
type benchMeter struct {
	start    time.Time
	cpuStart time.Duration
}

func startMeter() *benchMeter {
	return &benchMeter{start: time.Now(), cpuStart: processCPU()}
}

// common returns the keys every bench object carries (docs/design.md, "Contracts").
func (m *benchMeter) common() map[string]any {
	wall := time.Since(m.start)
	cpu := processCPU() - m.cpuStart
	return map[string]any{
		"go_version": runtime.Version(),
		"gomaxprocs": runtime.GOMAXPROCS(0),
		"duration_s": wall.Seconds(),
		"cpu_cores":  cpu.Seconds() / wall.Seconds(),
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentiles of durations in milliseconds.
func percentilesMS(ds []time.Duration, ps ...float64) map[string]float64 {
	out := map[string]float64{}
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

// callSchedule hands call numbers 1..total to concurrent workers, call i no sooner than
// start + (i-1)/cps (cps 0: as fast as workers take them). Deadlines, not a ticker: a
// ticker drops ticks when a worker is late to take one (a loaded machine), which would
// lower the rate asked for.
type callSchedule struct {
	total int64
	cps   float64
	start time.Time
	next  atomic.Int64
}

func newCallSchedule(total int, cps float64) *callSchedule {
	return &callSchedule{total: int64(total), cps: cps, start: time.Now()}
}

// take waits for the next call's turn; false when every call is taken or ctx ended.
func (s *callSchedule) take(ctx context.Context) (int64, bool) {
	i := s.next.Add(1)
	if i > s.total || ctx.Err() != nil {
		return 0, false
	}
	if s.cps > 0 {
		due := s.start.Add(time.Duration(float64(i-1) * float64(time.Second) / s.cps))
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return 0, false
			}
		}
	}
	return i, true
}

// storeMax raises m to v if v is larger (a running peak shared by workers).
func storeMax(m *atomic.Int64, v int64) {
	for old := m.Load(); v > old && !m.CompareAndSwap(old, v); old = m.Load() {
	}
}

// startBenchDialer runs a dialer on a media plane of its own, so that a bench can read
// that plane's clock lateness. close stops both.
func startBenchDialer(ctx context.Context, ports media.PortRange) (*media.Plane, *dialer.UA, func(), error) {
	plane, err := media.NewPlane(media.PlaneOptions{Ports: ports})
	if err != nil {
		return nil, nil, nil, failureErr(err)
	}
	plane.Start(ctx)
	ua, err := dialer.NewUA(dialer.Options{Plane: plane})
	if err != nil {
		plane.Close()
		return nil, nil, nil, failureErr(err)
	}
	if err := ua.Start(ctx); err != nil {
		plane.Close()
		return nil, nil, nil, failureErr(err)
	}
	return plane, ua, func() { ua.Close(); plane.Close() }, nil
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
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
