package tts

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
)

// synthAll collects a whole synthesis into one slice.
func synthAll(t testing.TB, s Synthesizer, req Request) []int16 {
	t.Helper()
	var out []int16
	err := s.Synthesize(context.Background(), req, func(p []int16) error {
		out = append(out, p...)
		return nil
	})
	if err != nil {
		t.Fatalf("synthesize %q: %v", req.Text, err)
	}
	return out
}

func newFlite(t testing.TB) *Flite {
	t.Helper()
	f, err := NewFlite(FliteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFliteVoicesAndRates(t *testing.T) {
	t.Parallel()
	f := newFlite(t)
	for _, voice := range FliteVoices() {
		for _, rate := range []int{8000, 16000} {
			pcm := synthAll(t, f, Request{Text: "Will you be able to pay by then?", Voice: voice, Rate: rate})
			dur := time.Duration(len(pcm)) * time.Second / time.Duration(rate)
			if dur < 800*time.Millisecond || dur > 5*time.Second {
				t.Errorf("%s at %d Hz: %v of audio", voice, rate, dur)
			}
			if rms := media.RMS(pcm); rms < 300 {
				t.Errorf("%s at %d Hz: RMS %.0f, want speech", voice, rate, rms)
			}
		}
	}
}

func TestFliteSpeed(t *testing.T) {
	t.Parallel()
	f := newFlite(t)
	slow := synthAll(t, f, Request{Text: "call me later please", Speed: 0.8})
	fast := synthAll(t, f, Request{Text: "call me later please", Speed: 1.25})
	if float64(len(fast)) > 0.85*float64(len(slow)) {
		t.Errorf("speed 1.25 gave %d samples, speed 0.8 gave %d", len(fast), len(slow))
	}
}

func TestFliteBadInput(t *testing.T) {
	t.Parallel()
	f := newFlite(t)
	cases := []struct {
		req  Request
		want error
	}{
		{Request{Text: ""}, ErrEmptyText},
		{Request{Text: "   \n"}, ErrEmptyText},
		{Request{Text: "hello", Voice: "nobody"}, ErrUnknownVoice},
		{Request{Text: "hello", Rate: 11025}, ErrUnsupportedRate},
		{Request{Text: "hello", Rate: -8000}, ErrUnsupportedRate},
		{Request{Text: string(make([]byte, MaxTextBytes+1))}, ErrTextTooLong},
	}
	for _, c := range cases {
		err := f.Synthesize(context.Background(), c.req, func([]int16) error { return nil })
		if !errors.Is(err, c.want) {
			t.Errorf("%+.20v: got %v, want %v", c.req, err, c.want)
		}
	}
	if _, err := NewFlite(FliteOptions{DefaultVoice: "hal9000"}); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("NewFlite with unknown voice: %v", err)
	}
}

func TestFliteEmitErrorStops(t *testing.T) {
	t.Parallel()
	f := newFlite(t)
	stop := errors.New("stop")
	calls := 0
	err := f.Synthesize(context.Background(), Request{Text: "One. Two. Three."}, func([]int16) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d chunks, want stop after 1", err, calls)
	}
}

// TestFliteParallel: 64 synthesisers share one voice (the measured thread-safety
// claim), under -race in CI.
func TestFliteParallel(t *testing.T) {
	t.Parallel()
	f := newFlite(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			voice := FliteVoices()[i%len(FliteVoices())]
			n := 0
			err := f.Synthesize(context.Background(), Request{Text: "Thank you. Goodbye.", Voice: voice}, func(p []int16) error {
				n += len(p)
				return nil
			})
			if err == nil && n < 4000 {
				err = errors.New("too little audio")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSentences(t *testing.T) {
	t.Parallel()
	got := Sentences("Hello there. Your payment of $3.50 is due! OK?  您好。请问是王先生吗？好")
	want := []string{"Hello there.", "Your payment of $3.50 is due!", "OK?", "您好。", "请问是王先生吗？", "好"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %q want %q", i, got[i], want[i])
		}
	}
}

// TestFliteIsAFunctionOfItsRequest: the same request gives the same samples, however
// many syntheses ran before it or run beside it. flite's voices draw from rand(), and
// with glibc's one process-wide generator the second synthesis of a text already
// differed from the first (and with syntheses at once, from run to run).
func TestFliteIsAFunctionOfItsRequest(t *testing.T) {
	t.Parallel()
	f := newFlite(t)
	texts := []string{"we went fishing at the lake", "stop calling me", "i already paid it last week"}
	want := make([][]int16, len(texts))
	for i, text := range texts {
		want[i] = synthAll(t, f, Request{Text: text, Voice: "slt", Rate: 8000})
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range 2 * len(texts) {
				i := (g + k) % len(texts)
				got := synthAll(t, f, Request{Text: texts[i], Voice: "slt", Rate: 8000})
				if !slices.Equal(got, want[i]) {
					t.Errorf("goroutine %d: %q came out differently (%d samples, first synthesis %d)", g, texts[i], len(got), len(want[i]))
					return
				}
			}
		})
	}
	wg.Wait()
}
