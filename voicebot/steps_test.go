package voicebot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
)

func TestParseScriptErrorsNameLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      []string
	}{
		{"empty", "name: x\n", []string{"at least one step"}},
		{"unknown key", "name: x\nsteps:\n  - hangup: true\nvolume: 3\n", []string{"line 4", "volume"}},
		{"two actions", "steps:\n  - hangup: true\n    listen: 2s\n", []string{"x.yaml:2: steps[0]", "exactly one"}},
		{"all problems listed", "steps:\n  - send_dtmf: \"1z\"\n  - play: missing.wav\n  - {}\n",
			[]string{"x.yaml:2: steps[0]: send_dtmf", "x.yaml:3: steps[1]: play", "x.yaml:4: steps[2]"}},
		{"bad duration", "steps:\n  - listen: soon\n", []string{"soon"}},
		{"bot script with problems", "name: b\nstates:\n  a: {}\n", []string{"x.yaml:1: locale: required field is missing", "x.yaml:3: states.a: the state neither listens"}},
		{"not yaml", "steps: [\n", []string{"invalid script"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseScript([]byte(c.src), "x.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadScriptResolvesPromptsAndAssets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var buf strings.Builder
	if err := media.WriteWAV(&fileWriter{&buf}, 8000, 1, media.Tone(440, 100*time.Millisecond, 1000).Samples); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "prompts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prompts", "p.wav"), []byte(buf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s.yaml"), []byte("steps:\n  - play: prompts/p.wav\n  - play: asset:goodbye.wav\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadScript(filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Steps[0].audio.Samples); got != 800 {
		t.Fatalf("prompt has %d samples, want 800", got)
	}
	if s.Steps[1].audio == nil || s.MaxCall != 4*time.Minute {
		t.Fatalf("asset or default max_call missing: %+v", s)
	}
	for _, a := range []string{"asset:hello.yaml", "asset:demo.yaml"} {
		if _, err := LoadScript(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}

type fileWriter struct{ b *strings.Builder }

func (w *fileWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

// fakeLeg records what the script did.
type fakeLeg struct {
	mu      sync.Mutex
	actions []string
	done    chan struct{}
	once    sync.Once
}

func newFakeLeg() *fakeLeg { return &fakeLeg{done: make(chan struct{})} }

func (l *fakeLeg) log(s string) { l.mu.Lock(); l.actions = append(l.actions, s); l.mu.Unlock() }
func (l *fakeLeg) Play(ctx context.Context, src media.Source) error {
	buf := make([]int16, 160)
	n := 0
	for {
		k, err := src.ReadFrame(buf)
		n += k
		if err != nil {
			break
		}
	}
	l.log("play")
	return nil
}
func (l *fakeLeg) SendDTMF(_ context.Context, d string, _ time.Duration) error {
	l.log("dtmf " + d)
	return nil
}
func (l *fakeLeg) Hangup(context.Context) error {
	l.log("hangup")
	l.once.Do(func() { close(l.done) })
	return nil
}
func (l *fakeLeg) Done() <-chan struct{} { return l.done }

func TestRunPerformsStepsInOrder(t *testing.T) {
	t.Parallel()
	s, err := ParseScript([]byte("steps:\n  - play: asset:goodbye.wav\n  - listen: 10ms\n  - send_dtmf: \"12#\"\n"), "asset:t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	leg := newFakeLeg()
	if err := s.Run(context.Background(), leg); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(leg.actions, ","); got != "play,dtmf 12#,hangup" {
		t.Fatalf("actions %q", got)
	}
}

func TestRunStopsWhenFarEndHangsUp(t *testing.T) {
	t.Parallel()
	s, err := ParseScript([]byte("steps:\n  - listen: 1h\n  - send_dtmf: \"1\"\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	leg := newFakeLeg()
	go func() { time.Sleep(20 * time.Millisecond); leg.once.Do(func() { close(leg.done) }) }()
	if err := s.Run(context.Background(), leg); err != nil {
		t.Fatal(err)
	}
	if len(leg.actions) != 0 {
		t.Fatalf("acted after the far end hung up: %v", leg.actions)
	}
}

func TestRunMaxCall(t *testing.T) {
	t.Parallel()
	s, err := ParseScript([]byte("max_call: 30ms\nsteps:\n  - listen: 1h\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), newFakeLeg()); !errors.Is(err, ErrMaxCall) {
		t.Fatalf("err = %v, want ErrMaxCall", err)
	}
}

// FuzzParseScript: no input panics; a script that parses has at least one
// step, each with exactly one action.
func FuzzParseScript(f *testing.F) {
	f.Add([]byte("steps:\n  - play: asset:goodbye.wav\n  - listen: 2s\n  - hangup: true\n"))
	f.Add([]byte("states: {}\n"))
	f.Add([]byte("steps: [{send_dtmf: '1#'}]\nmax_call: 1m\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseScript(b, "asset:fuzz.yaml")
		if err != nil {
			return
		}
		if len(s.Steps) == 0 || s.MaxCall <= 0 {
			t.Fatalf("accepted script without steps or max_call: %+v", s)
		}
		for _, st := range s.Steps {
			n := 0
			if st.audio != nil {
				n++
			}
			if st.Listen > 0 {
				n++
			}
			if st.SendDTMF != "" {
				n++
			}
			if st.Hangup {
				n++
			}
			if n != 1 {
				t.Fatalf("step with %d actions accepted: %+v", n, st)
			}
		}
	})
}
