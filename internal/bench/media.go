package bench

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
	"sync/atomic"
	"time"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim"
)

// MediaOptions are `voxdial bench media`'s flags.
type MediaOptions struct {
	Legs     int           // concurrent full-duplex legs
	Duration time.Duration // measurement time once every leg is up
	Mode     string        // RTP ports of this side: shared or per_leg
	Codec    string        // pcmu or opus
	OpusRate int           // Opus internal sample rate: 8000, 16000 or 48000
	OpusCplx int           // Opus encoder complexity 0-10
	// GOMAXPROCS, when positive, is set for the whole process before the run.
	GOMAXPROCS  int
	Groups      int  // clock/socket groups (0: one per P)
	SetupPerSec int  // legs set up per second
	PollReceive bool // both sides read their shared sockets from the clock
	CPUProfile  string
	PeerMode    string // RTP ports of the far end ("": shared)
	// PeerCommand is the far end's command line (this binary's `bench media --peer`),
	// speaking MediaPeer's protocol on stdin and stdout; nil runs the far end in this
	// process (CPU then counts both sides).
	PeerCommand []string
	// PeerGOMAXPROCS, when positive, is the far-end process's GOMAXPROCS.
	PeerGOMAXPROCS int
}

// MediaReport is `voxdial bench media --json`. CPU is this process only; the far end's
// own counts are under Peer (its packets_lost is the loss of what this side sent).
type MediaReport struct {
	Common
	LegsRequested    int        `json:"legs_requested"`
	LegsEstablished  uint64     `json:"legs_established"`
	PacketsSent      uint64     `json:"packets_sent"`
	PacketsReceived  uint64     `json:"packets_received"`
	PacketsLost      uint64     `json:"packets_lost"` // what this side did not receive
	SendLatenessMS   Lateness   `json:"send_lateness_ms"`
	FramesSkipped    uint64     `json:"frames_skipped"`
	RSSBytes         uint64     `json:"rss_bytes"`
	RSSBaselineBytes uint64     `json:"rss_baseline_bytes"`
	RSSBytesPerLeg   uint64     `json:"rss_bytes_per_leg"` // (RSS after - RSS before the legs) / legs
	AllocsPerPacket  float64    `json:"allocs_per_packet"`
	Mode             string     `json:"mode"`
	PollReceive      bool       `json:"poll_receive"`
	Codec            string     `json:"codec"`
	OpusRate         *int       `json:"opus_rate,omitempty"` // with opus only
	OpusComplexity   *int       `json:"opus_complexity,omitempty"`
	PacketsExpected  uint64     `json:"packets_expected_per_side"`
	VADSpeechStarts  uint64     `json:"vad_speech_starts"`
	DemuxUnknown     uint64     `json:"demux_unknown"`
	Peer             PeerReport `json:"peer"`
}

// MediaCompareReport is `voxdial bench media --compare --json`: the default
// configuration's run (shared, GOMAXPROCS 2) at the top level, and every run under
// Compare.
type MediaCompareReport struct {
	MediaReport
	Compare []MediaReport `json:"compare"`
}

func (o *MediaOptions) sessionCodec() (media.Codec, media.OpusOptions) {
	return sessionCodec(o.Codec, o.OpusRate, o.OpusCplx)
}

func sessionCodec(codec string, rate, cplx int) (media.Codec, media.OpusOptions) {
	if codec == "opus" {
		return media.OpusCodec(rate), media.OpusOptions{SampleRate: rate, Complexity: cplx}
	}
	return media.PCMU, media.OpusOptions{}
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

// PeerReport is what the far end counted (the media report's "peer").
type PeerReport struct {
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

func mediaAudio(name string) *media.PCM {
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

// peerConn is the far end, in a child process or in this one.
type peerConn struct {
	enc  *json.Encoder
	dec  *json.Decoder
	wait func() error
}

func startPeer(ctx context.Context, o *MediaOptions, stderr io.Writer) (*peerConn, error) {
	if len(o.PeerCommand) == 0 {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		go func() {
			err := MediaPeer(ctx, o.PeerMode, inR, outW)
			outW.CloseWithError(err)
			inR.Close()
			done <- err
		}()
		return &peerConn{enc: json.NewEncoder(inW), dec: json.NewDecoder(outR), wait: func() error { inW.Close(); return <-done }}, nil
	}
	c := exec.CommandContext(ctx, o.PeerCommand[0], o.PeerCommand[1:]...)
	if o.PeerGOMAXPROCS > 0 {
		c.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(o.PeerGOMAXPROCS))
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
		return nil, fmt.Errorf("start far end %s: %w", o.PeerCommand[0], err)
	}
	return &peerConn{enc: json.NewEncoder(in), dec: json.NewDecoder(bufio.NewReader(out)), wait: func() error { in.Close(); return c.Wait() }}, nil
}

// MediaPeer is the far end of a media bench, with its RTP ports in mode: it reads a hello
// and one leg per line from stdin, answers each with its own leg on stdout, plays until
// stdin says stop (or closes), then writes its PeerReport.
func MediaPeer(ctx context.Context, mode string, stdin io.Reader, stdout io.Writer) error {
	if mode == "" {
		mode = string(media.SharedPorts)
	}
	dec := json.NewDecoder(bufio.NewReader(stdin))
	enc := json.NewEncoder(stdout)
	var hello peerHello
	if err := dec.Decode(&hello); err != nil {
		return fmt.Errorf("peer hello: %w", err)
	}
	side, err := newMediaSide(mode, 0, hello.Legs, false, hello.Poll)
	if err != nil {
		return err
	}
	side.codec, side.opus = sessionCodec(hello.Codec, hello.OpusRate, hello.OpusCplx)
	defer side.close()
	voice := mediaAudio("yes.wav")
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
		go func() { _ = s.Play(playCtx, &loopSource{pcm: voice, pos: (i * 1237) % len(voice.Samples)}) }() // ends with playCtx
		if err := enc.Encode(peerLeg{Addr: s.LocalAddr().String(), SSRC: s.SSRC()}); err != nil {
			return err
		}
	}
	m := startMeter()
	side.plane.ResetLateness()
	before := side.counts()
	var stop struct{ Stop bool }
	_ = dec.Decode(&stop) // "stop", or EOF when the parent goes away
	after := side.counts()
	rep := PeerReport{
		PacketsSent: after.sent - before.sent, PacketsReceived: after.recv - before.recv,
		PacketsLost: after.lost - before.lost, CPUCores: m.common().CPUCores,
		LatenessP99MS: ms(side.plane.Lateness().P99), Unknown: side.plane.Stats().Unknown,
	}
	return enc.Encode(rep)
}

// Media runs o.Legs full-duplex RTP legs for o.Duration between this process (the bot
// side: plays a cached prompt on every leg and runs VAD on what it hears) and a far end
// (the simulator's media engine: a shared-socket plane that speaks back).
func Media(ctx context.Context, o MediaOptions, progress io.Writer) (*MediaReport, error) {
	if o.Legs <= 0 || o.Duration <= 0 {
		return nil, usage("bench media: --legs and --duration must be positive")
	}
	if o.Mode != string(media.SharedPorts) && o.Mode != string(media.PerLegPorts) {
		return nil, usage("bench media: --mode %q: want shared or per_leg", o.Mode)
	}
	if o.Codec != "pcmu" && o.Codec != "opus" {
		return nil, usage("bench media: --codec %q: want pcmu or opus", o.Codec)
	}
	if o.Codec == "opus" && !media.OpusAvailable {
		return nil, usage("bench media: --codec opus: this build has no Opus (cgo)")
	}
	if o.GOMAXPROCS > 0 {
		runtime.GOMAXPROCS(o.GOMAXPROCS)
	}
	if o.PeerMode == "" {
		o.PeerMode = string(media.SharedPorts)
	}
	say := progressTo(progress)
	runtime.GC()
	rss0 := rssBytes()
	peer, err := startPeer(ctx, &o, progress)
	if err != nil {
		return nil, err
	}
	side, err := newMediaSide(o.Mode, o.Groups, o.Legs, true, o.PollReceive)
	if err != nil {
		_ = peer.wait() // best effort: the setup error is the one to report
		return nil, err
	}
	defer side.close()
	side.codec, side.opus = o.sessionCodec()
	prompt := mediaAudio("greeting.wav")
	playCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	say("bench media: setting up %d legs (%s, GOMAXPROCS %d)\n", o.Legs, o.Mode, runtime.GOMAXPROCS(0))
	if err := peer.enc.Encode(peerHello{Legs: o.Legs, Codec: o.Codec, Mode: o.PeerMode, OpusRate: o.OpusRate, OpusCplx: o.OpusCplx, Poll: o.PollReceive}); err != nil {
		return nil, err
	}
	// Offers go out as a stream; answers come back in order.
	errc := make(chan error, 1)
	offered := make(chan *media.Session, o.Legs)
	go func() {
		tick := time.NewTicker(time.Second / time.Duration(max(1, o.SetupPerSec/100)))
		defer tick.Stop()
		for i := range o.Legs {
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
	for i := range o.Legs {
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
		go func() { _ = s.Play(playCtx, &loopSource{pcm: prompt, pos: (i * 811) % len(prompt.Samples)}) }() // ends with playCtx
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // let every leg's first packets arrive
	say("bench media: measuring for %s\n", o.Duration)

	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	before := side.counts()
	side.plane.ResetLateness()
	m := startMeter()
	if o.CPUProfile != "" {
		if pf, err := os.Create(o.CPUProfile); err == nil {
			if pprof.StartCPUProfile(pf) == nil {
				defer pf.Close()
				defer pprof.StopCPUProfile()
			}
		}
	}
	select {
	case <-time.After(o.Duration):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	after := side.counts()
	common := m.common()
	lat := side.plane.Lateness()
	runtime.ReadMemStats(&ms1)
	rss := rssBytes()

	var pr PeerReport
	if err := peer.enc.Encode(struct{ Stop bool }{true}); err == nil {
		if err := peer.dec.Decode(&pr); err != nil {
			say("bench media: far end report: %v\n", err)
		}
	}
	cancel()
	if err := peer.wait(); err != nil && !errors.Is(err, context.Canceled) {
		say("bench media: far end: %v\n", err)
	}

	sent, recv := after.sent-before.sent, after.recv-before.recv
	packets := max(1, sent+recv)
	var speechStarts uint64
	for _, v := range side.vad {
		if v != nil {
			speechStarts += v.starts.Load()
		}
	}
	rep := &MediaReport{
		Common:           common,
		LegsRequested:    o.Legs,
		LegsEstablished:  after.established,
		PacketsSent:      sent,
		PacketsReceived:  recv,
		PacketsLost:      after.lost - before.lost,
		SendLatenessMS:   latenessMS(lat),
		FramesSkipped:    lat.Skipped,
		RSSBytes:         rss,
		RSSBaselineBytes: rss0,
		RSSBytesPerLeg:   (max(rss, rss0) - rss0) / uint64(o.Legs),
		AllocsPerPacket:  float64(ms1.Mallocs-ms0.Mallocs) / float64(packets),
		Mode:             o.Mode,
		PollReceive:      o.PollReceive,
		Codec:            o.Codec,
		PacketsExpected:  uint64(o.Legs) * uint64(o.Duration/media.FrameDuration),
		VADSpeechStarts:  speechStarts,
		DemuxUnknown:     side.plane.Stats().Unknown,
		Peer:             pr,
	}
	if o.Codec == "opus" {
		rate, cplx := o.OpusRate, o.OpusCplx
		rep.OpusRate, rep.OpusComplexity = &rate, &cplx
	}
	return rep, nil
}

// MediaCompare runs shared and per_leg modes at GOMAXPROCS 1 and 2, each in a child
// process whose command line command gives (this binary's `bench media --json` with the
// mode and GOMAXPROCS set), and collects their reports.
func MediaCompare(ctx context.Context, command func(mode string, gomaxprocs int) []string, progress io.Writer) (*MediaCompareReport, error) {
	var runs []MediaReport
	for _, mode := range []string{"shared", "per_leg"} {
		for _, procs := range []int{1, 2} {
			argv := command(mode, procs)
			c := exec.CommandContext(ctx, argv[0], argv[1:]...)
			c.Stderr = progress
			out, err := c.Output()
			if err != nil {
				return nil, fmt.Errorf("bench media --mode %s --gomaxprocs %d: %w", mode, procs, err)
			}
			var r MediaReport
			if err := json.Unmarshal(out, &r); err != nil {
				return nil, fmt.Errorf("bench media --mode %s --gomaxprocs %d: output: %w", mode, procs, err)
			}
			runs = append(runs, r)
		}
	}
	// The object's own keys are the default configuration's (shared, GOMAXPROCS 2).
	return &MediaCompareReport{MediaReport: runs[1], Compare: runs}, nil
}
