package sim

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultProfileParses(t *testing.T) {
	p := DefaultProfile()
	if len(p.plans) < 5 || len(p.routes) == 0 || p.mixTotal != 100 {
		t.Fatalf("default profile: %d plans, %d routes, mix %d", len(p.plans), len(p.routes), p.mixTotal)
	}
	if p.plans["voicemail"].greeting == nil {
		t.Fatal("voicemail has no greeting")
	}
	if _, err := ParseProfile(strings.NewReader(testProfile), "t.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestProfileDefaultsApplied(t *testing.T) {
	p, err := ParseProfile(strings.NewReader(`
defaults: {max_wait: 2s}
behaviours:
  a: {kind: person, end_of_speech: 1s}
  b: {kind: busy}
  r: {kind: ring_out}
mix: [{behaviour: a, weight: 1}]
`), "d.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := p.plans["a"]
	if a.EndOfSpeech.D().String() != "1s" || a.MaxWait.D().String() != "2s" || a.MaxDuration.D() != DefaultMaxDuration ||
		a.SpeechRMS != DefaultSpeechRMS || a.AfterTurns != AfterHangup {
		t.Fatalf("person plan %+v", a.Behaviour)
	}
	if p.plans["b"].Status != 486 || p.plans["r"].Status != 480 {
		t.Fatalf("statuses %d %d", p.plans["b"].Status, p.plans["r"].Status)
	}
}

func TestProfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		line       int
		field, msg string
	}{
		{"unknown key", "behaviours:\n  a:\n    kind: busy\n    colour: red\n", 4, "", "field colour not found"},
		{"unknown top key", "behaviour:\n  a: {kind: busy}\n", 1, "", "field behaviour not found"},
		{"bad regexp", "behaviours:\n  a: {kind: busy}\nroutes:\n  - match: '(['\n    behaviour: a\n", 4, "routes.0.match", "bad regexp"},
		{"unknown route target", "behaviours:\n  a: {kind: busy}\nroutes:\n  - {match: x, behaviour: b}\n", 4, "routes.0.behaviour", "unknown behaviour"},
		{"negative weight", "behaviours:\n  a: {kind: busy}\nmix:\n  - {behaviour: a, weight: -1}\n", 4, "mix.0.weight", "negative"},
		{"zero weights", "behaviours:\n  a: {kind: busy}\nmix:\n  - {behaviour: a, weight: 0}\n", 3, "mix", "all weights are zero"},
		{"bad kind", "behaviours:\n  a: {kind: sleepy}\n", 2, "behaviours.a.kind", "unknown kind"},
		{"no kind", "behaviours:\n  a: {ring: 1s}\n", 2, "behaviours.a.kind", "required"},
		{"status needed", "behaviours:\n  a: {kind: status}\n", 2, "behaviours.a.status", "required"},
		{"bad status", "behaviours:\n  a: {kind: status, status: 200}\n", 2, "behaviours.a.status", "300-699"},
		{"two actions", "behaviours:\n  a:\n    kind: person\n    turns:\n      - {say: asset:yes.wav, dtmf: '1'}\n", 5, "behaviours.a.turns.0", "exactly one"},
		{"bad dtmf", "behaviours:\n  a:\n    kind: person\n    turns:\n      - dtmf: '1x'\n", 5, "behaviours.a.turns.0.dtmf", "bad DTMF"},
		{"missing wav", "behaviours:\n  a:\n    kind: person\n    turns:\n      - say: nope.wav\n", 5, "behaviours.a.turns.0.say", "nope.wav"},
		{"missing asset", "behaviours:\n  a:\n    kind: person\n    turns:\n      - say: asset:nope.wav\n", 5, "behaviours.a.turns.0.say", "no embedded asset"},
		{"bad duration", "behaviours:\n  a: {kind: busy, ring: soon}\n", 2, "", "duration"},
		{"turns on busy", "behaviours:\n  a: {kind: busy, turns: [{hangup: true}]}\n", 2, "behaviours.a.turns", "only a person"},
		{"no behaviours", "routes: []\n", 1, "behaviours", "at least one"},
		{"bad codec", "codecs: [G722]\nbehaviours:\n  a: {kind: busy}\n", 1, "codecs.0", "unknown codec"},
		{"bad reinvite", "behaviours:\n  a:\n    kind: person\n    turns: [{reinvite: park}]\n", 4, "behaviours.a.turns.0.reinvite", "hold, resume"},
		{"auth without user", "auth: {password: x}\nbehaviours:\n  a: {kind: busy}\n", 1, "auth.username", "required"},
		{"empty", "", 0, "", "empty"},
		{"text and say", "behaviours:\n  a:\n    kind: person\n    turns:\n      - {text: hello, say: asset:yes.wav}\n", 5, "behaviours.a.turns.0", "exactly one"},
		{"voice without text", "behaviours:\n  a:\n    kind: person\n    turns:\n      - {dtmf: '1', voice: kal}\n", 5, "behaviours.a.turns.0.voice", "only for a text turn"},
		{"over_bot on silence", "behaviours:\n  a:\n    kind: person\n    turns:\n      - {silence: 1s, over_bot: 1s}\n", 5, "behaviours.a.turns.0.over_bot", "only for a turn that speaks"},
		{"unknown voice", "behaviours:\n  a:\n    kind: person\n    turns:\n      - {text: hello, voice: nobody}\n", 5, "behaviours.a.turns.0.text", "voice"},
		{"bad refer", "behaviours:\n  a: {kind: person, refer: maybe}\n", 2, "behaviours.a.refer", "accept or refuse"},
		{"refer on busy", "behaviours:\n  a: {kind: busy, refer: accept}\n", 2, "behaviours.a.refer", "only for kind person"},
		{"bad dtx", "behaviours:\n  a: {kind: person, dtx: sometimes}\n", 2, "behaviours.a.dtx", "off, silent or cn"},
		{"dtx on busy", "behaviours:\n  a: {kind: busy, dtx: cn}\n", 2, "behaviours.a.dtx", "only for kinds that answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProfile(strings.NewReader(tc.yaml), "p.yaml")
			var pe *ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("err %v is not a *ProfileError", err)
			}
			if !errors.Is(err, ErrInvalidProfile) {
				t.Fatal("not ErrInvalidProfile")
			}
			if pe.File != "p.yaml" || pe.Line != tc.line || pe.Field != tc.field || !strings.Contains(pe.Msg, tc.msg) {
				t.Fatalf("got %q (line %d field %q), want line %d field %q msg ~%q", err, pe.Line, pe.Field, tc.line, tc.field, tc.msg)
			}
		})
	}
}

func TestProfileRelativeWAV(t *testing.T) {
	dir := t.TempDir()
	yes, err := assetFS.ReadFile("assets/yes.wav")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "hello.wav", string(yes))
	path := writeFile(t, dir, "p.yaml", "behaviours:\n  a:\n    kind: person\n    turns: [{say: hello.wav}]\n")
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.plans["a"].turns[0].audio == nil {
		t.Fatal("wav not loaded")
	}
}

func TestRouting(t *testing.T) {
	p, err := ParseProfile(strings.NewReader(`
behaviours:
  a: {kind: busy}
  b: {kind: reject}
  c: {kind: invalid}
routes:
  - {match: '^\+1555', behaviour: a}
  - {match: '^\+15', behaviour: b}
mix:
  - {behaviour: a, weight: 1}
  - {behaviour: b, weight: 0}
  - {behaviour: c, weight: 3}
`), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := newRouter(p, 7)
	if got := r.pick("+15550001").name; got != "a" {
		t.Fatalf("first route should win, got %s", got)
	}
	if got := r.pick("+1500").name; got != "b" {
		t.Fatalf("second route, got %s", got)
	}
	draw := func(seed uint64) (string, map[string]int) {
		r := newRouter(p, seed)
		var seq strings.Builder
		counts := map[string]int{}
		for range 4000 {
			name := r.pick("+44").name
			counts[name]++
			seq.WriteString(name)
		}
		return seq.String(), counts
	}
	s1, counts := draw(7)
	s2, _ := draw(7)
	s3, _ := draw(8)
	if s1 != s2 {
		t.Fatal("same seed, different draws")
	}
	if s1 == s3 {
		t.Fatal("different seeds, same draws")
	}
	if counts["b"] != 0 || counts["a"] < 800 || counts["a"] > 1200 || counts["c"] < 2800 || counts["c"] > 3200 {
		t.Fatalf("mix counts %v, want about 1000 a, 3000 c", counts)
	}

	// No route and no mix: nil (the server answers 404).
	p2, err := ParseProfile(strings.NewReader("behaviours:\n  a: {kind: busy}\nroutes: [{match: '^1', behaviour: a}]\n"), "r2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if newRouter(p2, 1).pick("2") != nil {
		t.Fatal("want no plan")
	}
}

func FuzzParseProfile(f *testing.F) {
	f.Add(string(defaultProfileYAML))
	f.Add(testProfile)
	f.Add("behaviours:\n  a: {kind: busy}\nroutes:\n  - match: '(['\n    behaviour: a\n")
	f.Add("behaviours: {a: {kind: status, status: 999}}\nmix: [{behaviour: a, weight: 2147483647}, {behaviour: a, weight: 2147483647}]")
	f.Add("defaults: {max_wait: -1s}\nbehaviours: {a: {kind: person, turns: [{silence: 1e300}]}}")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParseProfile(strings.NewReader(text), "fuzz.yaml")
		if err != nil {
			var pe *ProfileError
			if !errors.As(err, &pe) || pe.File != "fuzz.yaml" {
				t.Fatalf("error %v is not a ProfileError naming the file", err)
			}
			return
		}
		// A profile that parses is usable: every route and mix entry names a
		// plan, weights add up, and defaults are filled.
		for _, r := range p.routes {
			if p.plans[r.behaviour] == nil {
				t.Fatalf("route to missing plan %q", r.behaviour)
			}
		}
		prev := 0
		for _, w := range p.mix {
			if p.plans[w.behaviour] == nil || w.upTo <= prev {
				t.Fatalf("bad mix entry %+v", w)
			}
			prev = w.upTo
		}
		if prev != p.mixTotal {
			t.Fatalf("mix total %d != %d", p.mixTotal, prev)
		}
		for name, pl := range p.plans {
			if pl.EndOfSpeech <= 0 || pl.MaxWait <= 0 || pl.MaxDuration <= 0 || pl.SpeechRMS <= 0 {
				t.Fatalf("plan %s lacks defaults: %+v", name, pl.Behaviour)
			}
		}
		if len(p.routes) > 0 || p.mixTotal > 0 {
			_ = newRouter(p, 1).pick("+15550100001")
		}
	})
}

// A text turn is synthesised when the profile loads and starts at its speech
// onset; the same text and voice are synthesised once.
func TestProfileTextTurns(t *testing.T) {
	t.Parallel()
	p, err := ParseProfile(strings.NewReader(`
behaviours:
  a:
    kind: person
    refer: accept
    turns: [{text: "Stop calling."}, {text: "Stop calling.", over_bot: 1s}, {text: "Yes.", voice: kal}]
`), "text.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pl := p.plans["a"]
	if pl.Refer != ReferAccept || len(pl.turns) != 3 {
		t.Fatalf("plan %+v", pl)
	}
	for i, tp := range pl.turns {
		if tp.audio == nil || tp.audio.Duration() < 200*time.Millisecond || tp.onset != 0 {
			t.Errorf("turn %d: audio %v onset %v", i, tp.audio, tp.onset)
		}
	}
	if pl.turns[0].audio != pl.turns[1].audio || pl.turns[0].audio == pl.turns[2].audio {
		t.Error("the same text and voice should share one synthesis, another voice not")
	}
	if p.plans["a"].Behaviour.Refer != ReferAccept {
		t.Error("refer lost")
	}
	if def := DefaultProfile().plans["person"]; def.Refer != ReferRefuse {
		t.Errorf("default refer %q, want refuse", def.Refer)
	}
}

// documentedNumbers are the example numbers of the default profile's header with the
// word after them ("+12125550102  busy (486)" → +12125550102: busy).
func documentedNumbers(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(string(DefaultProfileYAML()), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "#"))
		if strings.HasPrefix(line, "#") && len(f) >= 2 && strings.HasPrefix(f[0], "+1212555") {
			out[f[0]] = strings.TrimSuffix(f[1], ":")
		}
	}
	if len(out) != 9 {
		t.Fatalf("documented numbers: %v", out)
	}
	return out
}

// TestDefaultProfileDocumentedNumbers: the header's numbers take the behaviour it
// names (the kinds: person, busy, ring out, …).
func TestDefaultProfileDocumentedNumbers(t *testing.T) {
	r := newRouter(DefaultProfile(), 1)
	for num, word := range documentedNumbers(t) {
		pl := r.pick(num)
		kind := strings.ReplaceAll(string(pl.Kind), "_", " ")
		if !strings.HasPrefix(pl.name, word) && !strings.HasPrefix(kind, word) {
			t.Errorf("%s routes to %s (%s), the header says %s", num, pl.name, pl.Kind, word)
		}
	}
}
