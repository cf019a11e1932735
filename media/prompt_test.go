package media

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A pre-encoded Opus prompt plays with no encoder at all on the sending leg, and the
// far end hears it.
func TestEncodedPromptNoCodecWork(t *testing.T) {
	requireOpus(t)
	src := Concat(Tone(440, 400*time.Millisecond, 8000), Tone(900, 300*time.Millisecond, 8000))
	opus := OpusCodec(8000)
	ep, err := EncodePrompt(src, opus, OpusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ep.frames) != 35 || ep.Codec().Name != "opus" || ep.PCM() != src {
		t.Fatalf("%d frames", len(ep.frames))
	}
	var mu sync.Mutex
	var heard []int16
	a, b := pair(t, func(o *SessionOptions) { o.Codec = opus }, func(o *SessionOptions) {
		o.Codec = opus
		o.OnAudio = func(pcm []int16, _ time.Duration) {
			mu.Lock()
			heard = append(heard, pcm...)
			mu.Unlock()
		}
	})
	before := a.opusEncoded.Load()
	if err := a.Play(context.Background(), ep.Source()); err != nil {
		t.Fatal(err)
	}
	// Silence around the prompt is encoded live; the prompt's 35 frames are not (a few
	// silence frames may fall inside the measurement when the machine is loaded).
	if n := a.opusEncoded.Load() - before; n >= 17 {
		t.Errorf("%d frames encoded live while a pre-encoded prompt played", n)
	}
	time.Sleep(100 * time.Millisecond)
	b.Close()
	mu.Lock()
	defer mu.Unlock()
	if c := Correlation(src.Samples, heard); c < 0.7 {
		t.Errorf("correlation %.3f", c)
	}
}

// On a leg with another codec the prompt's PCM is encoded as usual; the send path
// stays allocation-free either way.
func TestEncodedPromptOtherCodecAndNoAllocs(t *testing.T) {
	src := Tone(440, time.Minute, 8000)
	ep, err := EncodePrompt(src, PCMU, OpusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []Codec{PCMU, PCMA} {
		s, _ := sendBench(t)
		s.SetCodec(c)
		s.mu.Lock()
		s.plays = append(s.plays, &playback{src: ep.Source(), done: make(chan error, 1)})
		s.mu.Unlock()
		now := time.Now()
		tick := func() { s.tick(now, 0); now = now.Add(FrameDuration) }
		tick()
		if a := testing.AllocsPerRun(100, tick); a != 0 {
			t.Errorf("%s: %v allocs per frame", c.Name, a)
		}
	}
	if _, err := EncodePrompt(src, Codec{Name: "G729", PayloadType: 18, ClockRate: 8000}, OpusOptions{}); err == nil {
		t.Error("G.729 prompt encoded")
	}
}

// BenchmarkSendOpusFrame: one Opus leg's send path, encoding live vs a pre-encoded prompt.
func BenchmarkSendOpusFrame(b *testing.B) {
	requireOpus(b)
	src := Tone(440, 10*time.Minute, 8000)
	ep, _ := EncodePrompt(src, OpusCodec(8000), OpusOptions{})
	for name, play := range map[string]Source{"live": src.Source(), "pre-encoded": ep.Source()} {
		b.Run(name, func(b *testing.B) {
			s, _ := sendBench(b)
			s.SetCodec(OpusCodec(8000))
			s.mu.Lock()
			s.plays = append(s.plays, &playback{src: play, done: make(chan error, 1)})
			s.mu.Unlock()
			now := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				s.tick(now, 0)
				now = now.Add(FrameDuration)
			}
		})
	}
}
