package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

type benchMediaFlags struct {
	legs        int
	duration    time.Duration
	mode        string
	codec       string
	gomaxprocs  int
	groups      int
	compare     bool
	inProcess   bool
	peer        bool // hidden: run as the far end for a parent bench
	peerMode    string
	peerProcs   int
	jsonOut     bool
	setupPerSec int
	cpuProfile  string
	opusRate    int
	opusCplx    int
	poll        bool
}

func (f *benchMediaFlags) sessionCodec() (media.Codec, media.OpusOptions) {
	if f.codec == "opus" {
		return media.OpusCodec(f.opusRate), media.OpusOptions{SampleRate: f.opusRate, Complexity: f.opusCplx}
	}
	return media.PCMU, media.OpusOptions{}
}

// newBenchMediaCmd measures the media plane: N full-duplex legs on loopback.
func newBenchMediaCmd() *cobra.Command {
	f := &benchMediaFlags{}
	cmd := &cobra.Command{
		Use:   "media",
		Short: "Measure the media plane: N full-duplex RTP legs on loopback",
		Long: `Runs --legs full-duplex RTP legs for --duration between this process (the bot side:
plays a cached prompt on every leg and runs VAD on what it hears) and a far end in a
separate process (the same binary, the simulator's media engine: a shared-socket plane
that speaks back). Reports, with the keys every bench carries: legs_requested,
legs_established, packets_sent, packets_received, packets_lost (what this side did not
receive), send_lateness_ms {p50, p99, max} (how late the clock slots fired),
rss_bytes, rss_bytes_per_leg ((RSS after - RSS before the legs) / legs),
allocs_per_packet, and the far end's own counts under "peer" (its packets_lost is the
loss of what this side sent). CPU is this process only.

--compare runs shared and per-leg modes at GOMAXPROCS 1 and 2, each in its own child
process, and lists them under "compare".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.peer {
				return runMediaPeer(cmd.Context(), f, cmd.InOrStdin(), cmd.OutOrStdout())
			}
			if f.compare {
				return runBenchMediaCompare(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			res, err := runBenchMedia(cmd.Context(), f, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), res)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.legs, "legs", 1000, "concurrent full-duplex legs")
	fl.DurationVar(&f.duration, "duration", 10*time.Second, "measurement time once every leg is up")
	fl.StringVar(&f.mode, "mode", "shared", "RTP ports of this side: shared (batched shared sockets) or per_leg")
	fl.StringVar(&f.codec, "codec", "pcmu", "codec: pcmu or opus")
	fl.IntVar(&f.opusRate, "opus-rate", 8000, "Opus internal sample rate: 8000, 16000 or 48000")
	fl.IntVar(&f.opusCplx, "opus-complexity", 1, "Opus encoder complexity 0-10")
	fl.IntVar(&f.gomaxprocs, "gomaxprocs", 0, "GOMAXPROCS of this process (0: leave as is)")
	fl.IntVar(&f.groups, "groups", 0, "clock/socket groups (0: one per P)")
	fl.BoolVar(&f.compare, "compare", false, "run shared and per_leg at GOMAXPROCS 1 and 2, one child process each")
	fl.BoolVar(&f.inProcess, "in-process", false, "run the far end in this process (tests; CPU then counts both sides)")
	fl.IntVar(&f.setupPerSec, "setup-rate", 2000, "legs set up per second")
	fl.BoolVar(&f.jsonOut, "json", true, "print one JSON object")
	fl.BoolVar(&f.peer, "peer", false, "run as the far end of a parent bench (stdin/stdout protocol)")
	fl.StringVar(&f.peerMode, "peer-mode", "shared", "RTP ports of the far end")
	fl.IntVar(&f.peerProcs, "peer-gomaxprocs", 0, "GOMAXPROCS of the far end process (0: as is)")
	fl.BoolVar(&f.poll, "poll-receive", false, "both sides read their shared sockets from the clock instead of a parked reader goroutine")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurement window to this file")
	_ = fl.MarkHidden("peer")
	return cmd
}

// peerLeg is one leg's address and SSRC, exchanged like an SDP offer and answer.
type peerLeg struct {
	Addr string `json:"addr"`
	SSRC uint32 `json:"ssrc"`
}

type peerHello struct {
	Legs     int    `json:"legs"`
	Codec    string `json:"codec"`
	Mode     string `json:"mode"`
	OpusRate int    `json:"opus_rate"`
	OpusCplx int    `json:"opus_complexity"`
	Poll     bool   `json:"poll_receive"`
}

// peerReport is what the far end counted.
type peerReport struct {
	PacketsSent     uint64  `json:"packets_sent"`
	PacketsReceived uint64  `json:"packets_received"`
	PacketsLost     uint64  `json:"packets_lost"`
	CPUCores        float64 `json:"cpu_cores"`
	LatenessP99MS   float64 `json:"send_lateness_p99_ms"`
	Unknown         uint64  `json:"demux_unknown"`
}

// loopSource plays a PCM forever from a random offset (legs do not speak in unison).
type loopSource struct {
	pcm *media.PCM
	pos int
}

func (l *loopSource) ReadFrame(dst []int16) (int, error) {
	s := l.pcm.Samples
	n := 0
	for n < len(dst) {
		if l.pos >= len(s) {
			l.pos = 0
		}
		k := copy(dst[n:], s[l.pos:])
		n += k
		l.pos += k
	}
	return n, nil
}

func benchAudio(name string) *media.PCM {
	if p, err := sim.Asset(name); err == nil && len(p.Samples) > 0 {
		return media.Concat(p, media.Silence(700*time.Millisecond))
	}
	return media.Concat(media.Tone(440, time.Second, 4000), media.Silence(time.Second))
}

// mediaSide is one end's plane and sessions.
type mediaSide struct {
	plane *media.Plane
	sess  []*media.Session
	heard []atomic.Uint64 // frames with audio energy per leg (a cheap stand-in when VAD is off)
	vad   []*legVAD
	codec media.Codec
	opus  media.OpusOptions
}

func newMediaSide(mode string, groups, legs int, withVAD, poll bool) (*mediaSide, error) {
	p, err := media.NewPlane(media.PlaneOptions{Mode: media.PortMode(mode), Groups: groups, PollReceive: poll})
	if err != nil {
		return nil, err
	}
	p.Start(context.Background())
	return &mediaSide{plane: p, sess: make([]*media.Session, 0, legs), heard: make([]atomic.Uint64, legs), vad: make([]*legVAD, legs)}, nil
}

func (m *mediaSide) addLeg(i int, withVAD bool) (*media.Session, error) {
	ep, err := m.plane.Endpoint()
	if err != nil {
		return nil, err
	}
	var onAudio func([]int16, time.Duration)
	if withVAD {
		m.vad[i] = newLegVAD()
		onAudio = m.vad[i].onAudio
	} else {
		h := &m.heard[i]
		onAudio = func(pcm []int16, _ time.Duration) {
			if len(pcm) > 0 && (pcm[0] != 0 || pcm[len(pcm)/2] != 0) {
				h.Add(1)
			}
		}
	}
	s, err := media.NewSession(media.SessionOptions{Endpoint: ep, Codec: m.codec, Opus: m.opus, OnAudio: onAudio})
	if err != nil {
		ep.Close()
		return nil, err
	}
	m.sess = append(m.sess, s)
	return s, nil
}

func (m *mediaSide) close() {
	for _, s := range m.sess {
		s.Close()
	}
	for _, v := range m.vad {
		if v != nil && v.vad != nil {
			v.vad.Close()
		}
	}
	m.plane.Close()
}

type sideCounts struct{ sent, recv, lost, established uint64 }

func (m *mediaSide) counts() sideCounts {
	var c sideCounts
	for _, s := range m.sess {
		st := s.Stats()
		c.sent += st.PacketsSent
		c.recv += st.PacketsReceived
		c.lost += st.PacketsLost
		if st.PacketsReceived > 0 {
			c.established++
		}
	}
	return c
}

// peerConn is the far end, in a child process or in this one.
type peerConn struct {
	enc  *json.Encoder
	dec  *json.Decoder
	wait func() error
}

func startPeer(ctx context.Context, f *benchMediaFlags, stderr io.Writer) (*peerConn, error) {
	if f.inProcess {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := runMediaPeer(ctx, &benchMediaFlags{peerMode: f.peerMode}, inR, outW)
			outW.CloseWithError(err)
			inR.Close()
			done <- err
		}()
		return &peerConn{enc: json.NewEncoder(inW), dec: json.NewDecoder(outR), wait: func() error { inW.Close(); return <-done }}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"bench", "media", "--peer", "--peer-mode", f.peerMode}
	c := exec.CommandContext(ctx, exe, args...)
	if f.peerProcs > 0 {
		c.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(f.peerProcs))
	}
	c.Stderr = stderr
	in, err := c.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("start far end %s: %w", exe, err)
	}
	return &peerConn{enc: json.NewEncoder(in), dec: json.NewDecoder(bufio.NewReader(out)), wait: func() error { in.Close(); return c.Wait() }}, nil
}

// runMediaPeer is the far end: it reads a hello and one leg per line, answers each
// with its own leg, plays until stdin says stop (or closes), then reports.
func runMediaPeer(ctx context.Context, f *benchMediaFlags, stdin io.Reader, stdout io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(stdin))
	enc := json.NewEncoder(stdout)
	var hello peerHello
	if err := dec.Decode(&hello); err != nil {
		return fmt.Errorf("peer hello: %w", err)
	}
	side, err := newMediaSide(f.peerMode, 0, hello.Legs, false, hello.Poll)
	if err != nil {
		return err
	}
	side.codec, side.opus = (&benchMediaFlags{codec: hello.Codec, opusRate: hello.OpusRate, opusCplx: hello.OpusCplx}).sessionCodec()
	defer side.close()
	voice := benchAudio("yes.wav")
	playCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i := range hello.Legs {
		var l peerLeg
		if err := dec.Decode(&l); err != nil {
			return fmt.Errorf("peer leg %d: %w", i, err)
		}
		addr, err := netip.ParseAddrPort(l.Addr)
		if err != nil {
			return err
		}
		s, err := side.addLeg(i, false)
		if err != nil {
			return err
		}
		s.SetRemote(addr)
		s.SetRemoteSSRC(l.SSRC)
		s.Start()
		go s.Play(playCtx, &loopSource{pcm: voice, pos: (i * 1237) % len(voice.Samples)})
		if err := enc.Encode(peerLeg{Addr: s.LocalAddr().String(), SSRC: s.SSRC()}); err != nil {
			return err
		}
	}
	meter := startMeter()
	side.plane.ResetLateness()
	before := side.counts()
	var stop struct{ Stop bool }
	_ = dec.Decode(&stop) // "stop", or EOF when the parent goes away
	after := side.counts()
	common := meter.common()
	rep := peerReport{
		PacketsSent: after.sent - before.sent, PacketsReceived: after.recv - before.recv,
		PacketsLost: after.lost - before.lost, CPUCores: common["cpu_cores"].(float64),
		LatenessP99MS: ms(side.plane.Lateness().P99), Unknown: side.plane.Stats().Unknown,
	}
	return enc.Encode(rep)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

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

func runBenchMedia(ctx context.Context, f *benchMediaFlags, stderr io.Writer) (map[string]any, error) {
	if f.legs <= 0 || f.duration <= 0 {
		return nil, usageErr("bench media: --legs and --duration must be positive")
	}
	if f.mode != string(media.SharedPorts) && f.mode != string(media.PerLegPorts) {
		return nil, usageErr("bench media: --mode %q: want shared or per_leg", f.mode)
	}
	if f.codec != "pcmu" && f.codec != "opus" {
		return nil, usageErr("bench media: --codec %q: want pcmu or opus", f.codec)
	}
	if f.codec == "opus" && !media.OpusAvailable {
		return nil, usageErr("bench media: --codec opus: this build has no Opus (cgo)")
	}
	if f.gomaxprocs > 0 {
		runtime.GOMAXPROCS(f.gomaxprocs)
	}
	if f.peerMode == "" {
		f.peerMode = string(media.SharedPorts)
	}
	progress := func(format string, args ...any) {
		if stderr != nil {
			fmt.Fprintf(stderr, format, args...)
		}
	}
	runtime.GC()
	rss0 := rssBytes()
	peer, err := startPeer(ctx, f, stderr)
	if err != nil {
		return nil, err
	}
	side, err := newMediaSide(f.mode, f.groups, f.legs, true, f.poll)
	if err != nil {
		peer.wait()
		return nil, err
	}
	defer side.close()
	side.codec, side.opus = f.sessionCodec()
	prompt := benchAudio("greeting.wav")
	playCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	progress("bench media: setting up %d legs (%s, GOMAXPROCS %d)\n", f.legs, f.mode, runtime.GOMAXPROCS(0))
	if err := peer.enc.Encode(peerHello{Legs: f.legs, Codec: f.codec, Mode: f.peerMode, OpusRate: f.opusRate, OpusCplx: f.opusCplx, Poll: f.poll}); err != nil {
		return nil, err
	}
	// Offers go out as a stream; answers come back in order.
	errc := make(chan error, 1)
	offered := make(chan *media.Session, f.legs)
	go func() {
		tick := time.NewTicker(time.Second / time.Duration(max(1, f.setupPerSec/100)))
		defer tick.Stop()
		for i := range f.legs {
			s, err := side.addLeg(i, true)
			if err != nil {
				errc <- err
				return
			}
			offered <- s
			if err := peer.enc.Encode(peerLeg{Addr: s.LocalAddr().String(), SSRC: s.SSRC()}); err != nil {
				errc <- err
				return
			}
			if i%100 == 99 {
				<-tick.C
			}
		}
		errc <- nil
	}()
	for i := range f.legs {
		var l peerLeg
		if err := peer.dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("far end answer %d: %w", i, err)
		}
		addr, err := netip.ParseAddrPort(l.Addr)
		if err != nil {
			return nil, err
		}
		s := <-offered // answers come in offer order
		s.SetRemote(addr)
		s.SetRemoteSSRC(l.SSRC)
		s.Start()
		go s.Play(playCtx, &loopSource{pcm: prompt, pos: (i * 811) % len(prompt.Samples)})
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	_ = side.sess           // complete: the offering goroutine has finished
	time.Sleep(time.Second) // let every leg's first packets arrive
	progress("bench media: measuring for %s\n", f.duration)

	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	before := side.counts()
	side.plane.ResetLateness()
	meter := startMeter()
	if f.cpuProfile != "" {
		if pf, err := os.Create(f.cpuProfile); err == nil {
			if pprof.StartCPUProfile(pf) == nil {
				defer pf.Close()
				defer pprof.StopCPUProfile()
			}
		}
	}
	select {
	case <-time.After(f.duration):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	after := side.counts()
	common := meter.common()
	lat := side.plane.Lateness()
	runtime.ReadMemStats(&ms1)
	rss := rssBytes()

	var rep peerReport
	if err := peer.enc.Encode(struct{ Stop bool }{true}); err == nil {
		if err := peer.dec.Decode(&rep); err != nil {
			progress("bench media: far end report: %v\n", err)
		}
	}
	cancel()
	if err := peer.wait(); err != nil && !errors.Is(err, context.Canceled) {
		progress("bench media: far end: %v\n", err)
	}

	sent, recv := after.sent-before.sent, after.recv-before.recv
	packets := max(1, sent+recv)
	var speechStarts uint64
	for _, v := range side.vad {
		if v != nil {
			speechStarts += v.starts.Load()
		}
	}
	res := common
	res["legs_requested"] = f.legs
	res["legs_established"] = after.established
	res["packets_sent"] = sent
	res["packets_received"] = recv
	res["packets_lost"] = after.lost - before.lost
	res["send_lateness_ms"] = map[string]float64{"p50": ms(lat.P50), "p99": ms(lat.P99), "max": ms(lat.Max)}
	res["frames_skipped"] = lat.Skipped
	res["rss_bytes"] = rss
	res["rss_baseline_bytes"] = rss0
	res["rss_bytes_per_leg"] = (max(rss, rss0) - rss0) / uint64(f.legs)
	res["allocs_per_packet"] = float64(ms1.Mallocs-ms0.Mallocs) / float64(packets)
	res["mode"] = f.mode
	res["poll_receive"] = f.poll
	res["codec"] = f.codec
	if f.codec == "opus" {
		res["opus_rate"], res["opus_complexity"] = f.opusRate, f.opusCplx
	}
	res["packets_expected_per_side"] = uint64(f.legs) * uint64(f.duration/media.FrameDuration)
	res["vad_speech_starts"] = speechStarts
	res["demux_unknown"] = side.plane.Stats().Unknown
	res["peer"] = rep
	return res, nil
}

// runBenchMediaCompare runs each mode at GOMAXPROCS 1 and 2, each in a child process.
func runBenchMediaCompare(ctx context.Context, f *benchMediaFlags, stdout, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var runs []map[string]any
	for _, mode := range []string{"shared", "per_leg"} {
		for _, procs := range []int{1, 2} {
			args := []string{"bench", "media", "--json", "--legs", strconv.Itoa(f.legs), "--duration", f.duration.String(),
				"--mode", mode, "--gomaxprocs", strconv.Itoa(procs), "--codec", f.codec,
				"--opus-rate", strconv.Itoa(f.opusRate), "--opus-complexity", strconv.Itoa(f.opusCplx)}
			c := exec.CommandContext(ctx, exe, args...)
			c.Stderr = stderr
			out, err := c.Output()
			if err != nil {
				return fmt.Errorf("bench media --mode %s --gomaxprocs %d: %w", mode, procs, err)
			}
			var r map[string]any
			if err := json.Unmarshal(out, &r); err != nil {
				return fmt.Errorf("bench media --mode %s --gomaxprocs %d: output: %w", mode, procs, err)
			}
			runs = append(runs, r)
		}
	}
	// The object's own keys are the default configuration's (shared, GOMAXPROCS 2).
	top := map[string]any{}
	for k, v := range runs[1] {
		top[k] = v
	}
	top["compare"] = runs
	return printJSON(stdout, top)
}

// legVAD runs voice-activity detection on what one bot leg hears (the default
// engine: WebRTC when built in).
type legVAD struct {
	starts atomic.Uint64
	vad    *media.VAD
}

func newLegVAD() *legVAD {
	l := &legVAD{}
	v, err := media.NewVAD(media.VADOptions{OnEvent: func(e media.VADEvent) {
		if e.Kind == media.SpeechStart {
			l.starts.Add(1)
		}
	}})
	if err == nil {
		l.vad = v
	}
	return l
}

func (l *legVAD) onAudio(pcm []int16, at time.Duration) {
	if l.vad != nil {
		l.vad.Process(pcm, at)
	}
}
