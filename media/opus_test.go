package media

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestResamplerRoundTrip(t *testing.T) {
	t.Parallel()
	for _, rate := range []int{16000, 48000} {
		up, down := newResampler(SampleRate, rate), newResampler(rate, SampleRate)
		src := Tone(1000, time.Second, 8000).Samples
		var out []int16
		mid := make([]int16, opusFrameSamples(rate))
		back := make([]int16, FrameSamples)
		for i := 0; i+FrameSamples <= len(src); i += FrameSamples {
			if n := up.process(mid, src[i:i+FrameSamples]); n != len(mid) {
				t.Fatalf("%d Hz: up wrote %d, want %d", rate, n, len(mid))
			}
			if n := down.process(back, mid); n != FrameSamples {
				t.Fatalf("%d Hz: down wrote %d", rate, n)
			}
			out = append(out, back...)
		}
		// ≥ 0.9, not ≈ 1: the two filters' delay is a fraction of an 8 kHz sample (at
		// 16 kHz exactly half: cos(π·1000/8000) = 0.924), which integer lags cannot undo.
		if c := Correlation(src, out); c < 0.9 {
			t.Errorf("%d Hz round trip correlation %.3f", rate, c)
		}
		if r := RMS(out[800:]) / RMS(src); r < 0.9 || r > 1.1 {
			t.Errorf("%d Hz round trip level ratio %.3f", rate, r)
		}
	}
}

func TestResamplerRejectsAlias(t *testing.T) {
	// 10 kHz at 48 kHz would fold to 2 kHz at 8 kHz without the anti-alias filter.
	down := newResampler(48000, SampleRate)
	in := make([]int16, 960)
	out := make([]int16, FrameSamples)
	var got []int16
	w := 0
	for range 20 {
		for i := range in {
			in[i] = int16(8000 * sinTurns(float64(w)*10000/48000))
			w++
		}
		got = append(got, out[:down.process(out, in)]...)
	}
	if r := RMS(got[FrameSamples:]); r > 80 {
		t.Errorf("aliased 10 kHz leaks through at RMS %.0f (input 5657)", r)
	}
	if a := testing.AllocsPerRun(50, func() { down.process(out, in) }); a != 0 {
		t.Errorf("resampler: %v allocs", a)
	}
}

func TestParseOpusFmtp(t *testing.T) {
	t.Parallel()
	f := parseOpusFmtp("maxplaybackrate=16000; useinbandfec=1;ptime=20;stereo=0")
	if f.maxPlaybackRate != 16000 || !f.fec {
		t.Errorf("%+v", f)
	}
	if f := parseOpusFmtp("maxplaybackrate=abc;useinbandfec=0;;="); f.maxPlaybackRate != 0 || f.fec {
		t.Errorf("malformed: %+v", f)
	}
	if c := OpusCodec(16000); c.Fmtp != "maxplaybackrate=16000;sprop-maxcapturerate=16000;useinbandfec=1;ptime=20" || !c.IsOpus() {
		t.Errorf("OpusCodec(16000) = %+v", c)
	}
}

func requireOpus(t testing.TB) {
	if !OpusAvailable {
		t.Skip("built without cgo: no Opus")
	}
}

func TestOpusRoundTrip(t *testing.T) {
	requireOpus(t)
	for _, rate := range []int{8000, 16000, 48000} {
		for _, complexity := range []int{1, 5} {
			t.Run(fmt.Sprintf("%dHz-c%d", rate, complexity), func(t *testing.T) {
				o := OpusOptions{SampleRate: rate, Complexity: complexity}
				enc, err := newOpusEncoder(o, opusFmtp{fec: true})
				if err != nil {
					t.Fatal(err)
				}
				dec, err := newOpusDecoder(o)
				if err != nil {
					t.Fatal(err)
				}
				src := Concat(Tone(440, 500*time.Millisecond, 8000), Tone(1200, 500*time.Millisecond, 6000)).Samples
				var out []int16
				pkt := make([]byte, 1500)
				pcm := make([]int16, FrameSamples*6)
				for i := 0; i+FrameSamples <= len(src); i += FrameSamples {
					n, err := enc.encode(pkt, src[i:i+FrameSamples])
					if err != nil || n == 0 || n > 200 {
						t.Fatalf("encode: %d bytes, %v", n, err)
					}
					m, err := dec.decode(pcm, pkt[:n])
					if err != nil || m != FrameSamples {
						t.Fatalf("decode: %d samples, %v", m, err)
					}
					out = append(out, pcm[:m]...)
				}
				if c := Correlation(src, out); c < 0.8 {
					t.Errorf("correlation %.3f", c)
				}
				// Concealment gives a frame too.
				if m, err := dec.conceal(pcm, nil); err != nil || m != FrameSamples {
					t.Errorf("plc: %d, %v", m, err)
				}
				if m, err := dec.conceal(pcm, pkt[:8]); err != nil && m != 0 {
					t.Errorf("fec: %d, %v", m, err)
				}
				if a := testing.AllocsPerRun(50, func() {
					n, _ := enc.encode(pkt, src[:FrameSamples])
					if _, err := dec.decode(pcm, pkt[:n]); err != nil {
						t.Error(err)
					}
				}); a != 0 {
					t.Errorf("encode+decode: %v allocs per frame", a)
				}
			})
		}
	}
}

// Two sessions negotiated on Opus carry a tone end to end, with fewer bytes than G.711.
func TestSessionOpus(t *testing.T) {
	requireOpus(t)
	t.Parallel()
	var mu sync.Mutex
	var heard []int16
	opus := OpusCodec(16000)
	a, b := pair(t, func(o *SessionOptions) { o.Codec = opus; o.Opus = OpusOptions{SampleRate: 16000} }, func(o *SessionOptions) {
		o.Codec = opus
		o.OnAudio = func(pcm []int16, _ time.Duration) {
			mu.Lock()
			heard = append(heard, pcm...)
			mu.Unlock()
		}
	})
	src := Concat(Tone(440, 400*time.Millisecond, 8000), Tone(900, 400*time.Millisecond, 8000))
	if err := a.Play(context.Background(), src.Source()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	b.Close()
	mu.Lock()
	defer mu.Unlock()
	if c := Correlation(src.Samples, heard); c < 0.7 {
		t.Errorf("correlation through Opus %.3f", c)
	}
	st := b.Stats()
	if st.PacketsReceived < 40 || st.PacketsInvalid != 0 {
		t.Errorf("stats %+v", st)
	}
	if st.BytesReceived >= st.PacketsReceived*(12+FrameSamples) {
		t.Errorf("Opus used %d bytes for %d packets: no smaller than G.711", st.BytesReceived, st.PacketsReceived)
	}
}

// BenchmarkOpusFrame: encode + decode of one 20 ms frame, per internal rate and
// complexity (resampling included).
func BenchmarkOpusFrame(b *testing.B) {
	requireOpus(b)
	src := Tone(440, FrameDuration, 8000).Samples
	for _, rate := range []int{8000, 16000, 48000} {
		for _, c := range []int{1, 5, 9} {
			b.Run(fmt.Sprintf("%dHz-c%d", rate, c), func(b *testing.B) {
				o := OpusOptions{SampleRate: rate, Complexity: c}
				enc, _ := newOpusEncoder(o, opusFmtp{})
				dec, _ := newOpusDecoder(o)
				pkt := make([]byte, 1500)
				pcm := make([]int16, 960)
				b.ReportAllocs()
				for b.Loop() {
					n, _ := enc.encode(pkt, src)
					if _, err := dec.decode(pcm, pkt[:n]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// Beside Opus, telephone-event runs on the codec's 48 kHz clock (RFC 4733 §2.1): the
// wire carries durations in 48 kHz units, and the far end reads them back as the
// durations that were sent.
func TestDTMFOnOpusClock(t *testing.T) {
	requireOpus(t)
	t.Parallel()
	opus := OpusCodec(8000)
	a, b := pair(t, func(o *SessionOptions) { o.Codec = opus }, func(o *SessionOptions) { o.Codec = opus })
	// A raw socket sees what a sends, alongside b.
	sniff := listen(t)
	var mu sync.Mutex
	var ends []DTMFEvent
	var tsSeen []uint32
	done := make(chan struct{})
	t.Cleanup(func() { sniff.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		var h rtp.Header
		for {
			n, _, err := sniff.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			hn, err := h.Unmarshal(buf[:n])
			if err != nil || h.PayloadType != testDTMFPT {
				continue
			}
			var ev DTMFEvent
			if ev.Unmarshal(buf[hn:n]) == nil && ev.End {
				mu.Lock()
				if len(tsSeen) == 0 || tsSeen[len(tsSeen)-1] != h.Timestamp {
					ends = append(ends, ev)
					tsSeen = append(tsSeen, h.Timestamp)
				}
				mu.Unlock()
			}
		}
	}()
	if err := a.SendDTMF(context.Background(), "15", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var got []DTMFDigit
	for len(got) < 2 {
		select {
		case d := <-b.DTMF():
			got = append(got, d)
		case <-time.After(10 * time.Second):
			t.Fatalf("digits heard: %+v", got)
		}
	}
	for i, d := range got {
		if want := "15"[i]; byte(d.Digit) != want || d.Duration < 180*time.Millisecond || d.Duration > 220*time.Millisecond {
			t.Errorf("digit %d: %c lasting %v (want %c, 200 ms)", i, d.Digit, d.Duration, want)
		}
	}
	// The same events from a session whose only peer is the sniffer, to read the wire
	// (a has latched onto b's address by now: symmetric RTP).
	c := newTestSession(t, startClock(t), func(o *SessionOptions) { o.Codec = opus })
	c.SetRemote(sniff.LocalAddr().(*net.UDPAddr).AddrPort())
	c.Start()
	if err := c.SendDTMF(context.Background(), "15", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two end packets on the wire", func() bool { mu.Lock(); defer mu.Unlock(); return len(ends) >= 2 })
	mu.Lock()
	defer mu.Unlock()
	for i, ev := range ends[:2] {
		if ev.Duration != 9600 { // 200 ms at 48 kHz
			t.Errorf("end packet %d: duration %d units, want 9600 (48 kHz)", i, ev.Duration)
		}
	}
	// digit 2 starts 200 ms + 60 ms gap (+ up to a frame) after digit 1: in 48 kHz units
	if d := tsSeen[1] - tsSeen[0]; d < 12480 || d > 12480+2*960 {
		t.Errorf("event timestamps %d apart, want about 12480 (260 ms at 48 kHz)", d)
	}
}
