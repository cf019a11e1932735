package voicebot

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/voxdial/voxdial/media"
)

//go:embed assets/*.wav assets/*.yaml
var assets embed.FS

// ErrInvalidScript wraps every problem found while loading a script.
var ErrInvalidScript = errors.New("invalid script")

// ErrNeedsRuntime: Script.Run was given a full voice-bot script (states, intents),
// which runs with Run and a speaker and listener, not as steps.
var ErrNeedsRuntime = errors.New("voice-bot scripts with states run on the voice-bot runtime (voicebot.Run), not as steps")

// Script is what the bot does once the call is answered: a step script, or a full
// voice-bot script (Bot set, Steps empty) that runs with Run.
type Script struct {
	Name  string `yaml:"name"`
	Steps []Step `yaml:"steps"`
	// Bot is the full voice-bot script when the file has states.
	Bot *Bot `yaml:"-"`
	// MaxCall caps the answered call; 0 means 4 minutes.
	MaxCall time.Duration `yaml:"max_call"`

	path string // where it was loaded from, for relative prompt paths
}

// Step is one thing to do; exactly one field is set.
type Step struct {
	Play     string        `yaml:"play"`      // WAV file, relative to the script, or asset:NAME
	Listen   time.Duration `yaml:"listen"`    // keep the line open (recording, collecting DTMF)
	SendDTMF string        `yaml:"send_dtmf"` // RFC 4733 digits
	Hangup   bool          `yaml:"hangup"`

	line  int
	audio *media.PCM
}

// LoadScript reads a script file; "asset:NAME" names one built into the binary.
func LoadScript(path string) (*Script, error) {
	var data []byte
	var err error
	if name, ok := strings.CutPrefix(path, "asset:"); ok {
		data, err = assets.ReadFile("assets/" + name)
	} else {
		data, err = ReadScript(path)
	}
	if err != nil {
		return nil, err
	}
	s, err := ParseScript(data, path)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ParseScript parses and validates a script and loads its prompts. name is
// used in error messages and to resolve relative prompt paths.
func ParseScript(data []byte, name string) (*Script, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrInvalidScript, err)
	}
	if line := keyLine(&doc, "states"); line > 0 {
		b, err := ParseBot(data, name)
		if err != nil {
			return nil, err
		}
		return &Script{Name: b.Name, Bot: b, MaxCall: b.Settings.MaxCall, path: name}, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	s := &Script{path: name}
	if err := dec.Decode(s); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrInvalidScript, err)
	}
	lines := stepLines(&doc)
	var problems []string
	if len(s.Steps) == 0 {
		problems = append(problems, fmt.Sprintf("%s: steps: at least one step is needed", name))
	}
	if s.MaxCall < 0 {
		problems = append(problems, fmt.Sprintf("%s: max_call: %s is negative", name, s.MaxCall))
	}
	for i := range s.Steps {
		st := &s.Steps[i]
		if i < len(lines) {
			st.line = lines[i]
		}
		where := fmt.Sprintf("%s:%d: steps[%d]", name, st.line, i)
		set := 0
		if st.Play != "" {
			set++
		}
		if st.Listen != 0 {
			set++
		}
		if st.SendDTMF != "" {
			set++
		}
		if st.Hangup {
			set++
		}
		if set != 1 {
			problems = append(problems, where+": exactly one of play, listen, send_dtmf, hangup must be set")
			continue
		}
		switch {
		case st.Listen < 0:
			problems = append(problems, fmt.Sprintf("%s: listen: %s is negative", where, st.Listen))
		case st.SendDTMF != "":
			for _, r := range st.SendDTMF {
				if _, ok := media.DigitEvent(r); !ok {
					problems = append(problems, fmt.Sprintf("%s: send_dtmf: %q is not a DTMF digit (0-9 * # A-D)", where, r))
				}
			}
		case st.Play != "":
			pcm, err := loadPrompt(st.Play, name)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: play: %v", where, err))
			}
			st.audio = pcm
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w:\n  %s", ErrInvalidScript, strings.Join(problems, "\n  "))
	}
	if s.MaxCall == 0 {
		s.MaxCall = 4 * time.Minute
	}
	return s, nil
}

// keyLine is the line of a top-level key, 0 when absent.
func keyLine(doc *yaml.Node, key string) int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return 0
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

func stepLines(doc *yaml.Node) []int {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "steps" && m.Content[i+1].Kind == yaml.SequenceNode {
			var out []int
			for _, n := range m.Content[i+1].Content {
				out = append(out, n.Line)
			}
			return out
		}
	}
	return nil
}

func loadPrompt(ref, scriptPath string) (*media.PCM, error) {
	if name, ok := strings.CutPrefix(ref, "asset:"); ok {
		f, err := assets.Open("assets/" + name)
		if err != nil {
			return nil, fmt.Errorf("no built-in prompt %q", name)
		}
		defer f.Close()
		return media.DecodeWAV(f)
	}
	p := ref
	if !filepath.IsAbs(p) && !strings.HasPrefix(scriptPath, "asset:") {
		p = filepath.Join(filepath.Dir(scriptPath), ref)
	}
	return media.ReadWAV(p)
}

// Leg is what a step script needs from a call.
type Leg interface {
	Play(ctx context.Context, src media.Source) error
	SendDTMF(ctx context.Context, digits string, each time.Duration) error
	Hangup(ctx context.Context) error
	Done() <-chan struct{}
}

// Run performs the steps on an answered leg. It returns when the steps are
// done (after hanging up if the last step did not), when the far end hangs
// up (nil), or when MaxCall runs out (ErrMaxCall; the caller hangs up).
func (s *Script) Run(ctx context.Context, leg Leg) error {
	if s.Bot != nil {
		return ErrNeedsRuntime
	}
	ctx, cancel := context.WithTimeout(ctx, s.MaxCall)
	defer cancel()
	for _, st := range s.Steps {
		var err error
		switch {
		case st.audio != nil:
			err = leg.Play(ctx, st.audio.Source())
		case st.Listen > 0:
			select {
			case <-time.After(st.Listen):
			case <-ctx.Done():
				err = ctx.Err()
			case <-leg.Done():
			}
		case st.SendDTMF != "":
			err = leg.SendDTMF(ctx, st.SendDTMF, 100*time.Millisecond)
		case st.Hangup:
			return leg.Hangup(context.WithoutCancel(ctx))
		}
		select {
		case <-leg.Done():
			return nil // the far end hung up
		default:
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return ErrMaxCall // the caller hangs up, recording the timeout
		}
		if err != nil {
			return err
		}
	}
	return leg.Hangup(context.WithoutCancel(ctx))
}

// ErrMaxCall: the answered call reached the script's max_call.
var ErrMaxCall = errors.New("max call length reached")
