package voicebot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/voxdial/voxdial/voicebot/intent"
	"github.com/voxdial/voxdial/voicebot/sentiment"
)

// EventKind says what happened on the call.
type EventKind int

// Events the shell (Runtime on a live call, Chat on text) feeds the Machine.
const (
	EvPlaybackStarted EventKind = iota + 1 // the first audio of prompt Event.Prompt left
	EvPlaybackDone                         // prompt Event.Prompt ended (spoken or stopped)
	EvSpeechStart                          // the caller started speaking
	EvUtterance                            // a recognised caller turn ended: Text, Confidence
	EvDTMF                                 // the caller pressed Digit
	EvTimer                                // timer Event.Timer fired
	EvHangup                               // the far end hung up
	EvAMD                                  // answering-machine verdict: Verdict
	EvBeep                                 // the voicemail greeting ended (beep or silence)
	EvTransferred                          // a transfer finished: OK, Method, Err
)

// Event is one input to the Machine. At is the time since answer.
type Event struct {
	Kind       EventKind
	At         time.Duration
	Prompt     int // playback events: the prompt's ID
	Timer      int // EvTimer: the timer's ID
	Text       string
	Confidence float64
	// Unintelligible (EvUtterance): speech without trusted words; it matches nothing.
	Unintelligible bool
	// Open (EvUtterance): the words come from an open-vocabulary search.
	Open bool
	// Readings (EvUtterance, Open): the search's best readings with their shares;
	// Confidence is then its confidence in the words.
	Readings []intent.Reading
	// Grammar (EvUtterance, Open): the grammar match the open words replaced; the
	// bot takes it when they hold no intent (intent.Heard.Grammar).
	Grammar *intent.GrammarReading
	Digit   string
	Verdict string // human | machine | not_sure
	OK      bool
	Method  string // refer | bridge
	Err     string
	// Received is when the shell got the event (since answer); for an utterance
	// it is later than At (the end of speech) by the recogniser's end-of-turn wait
	// and decoding. Zero means At.
	Received time.Duration
	// Arousal of an utterance's voice (0 … 1), when Voiced: the shell measured
	// its audio (package sentiment). Failed: EvPlaybackDone of a prompt that
	// could not be synthesised (nothing was said).
	Arousal float64
	Voiced  bool
	Failed  bool
}

// ActionKind says what the Machine wants done.
type ActionKind int

// Actions the Machine asks of its shell.
const (
	ActSay          ActionKind = iota + 1 // speak Prompt; report EvPlaybackStarted and EvPlaybackDone
	ActStopPlayback                       // barge-in: stop the prompt now (then report EvPlaybackDone)
	ActListen                             // a listening turn begins: pass Hints to the recogniser
	ActStartTimer                         // report EvTimer{Timer: ID} after After
	ActTransfer                           // transfer the call to Target; report EvTransferred
	ActOptOut                             // the caller opted out: suppress the number now
	ActCallback                           // schedule a new attempt After from now
	ActHangup                             // hang up; By is bot or timeout
	ActEnd                                // the bot is done with the call (after a transfer)
)

// Action is one output of the Machine.
type Action struct {
	Kind   ActionKind
	Prompt Prompt
	Hints  Hints
	Timer  int
	After  time.Duration
	Target string
	By     string
}

// Prompt is one thing the bot says.
type Prompt struct {
	ID    int
	State string
	// Text is the prompt with every variable filled and verbalised: what is said.
	Text string
	// Template is the prompt with {{disclosure}} inlined and the call's variables
	// still as {{slots}}, and Vars their raw values: a prompt cache can keep the static
	// parts across calls and synthesise only the slots.
	Template string
	Vars     map[string]string
	Locale   string
	Voice    string
}

// Hints tell a recogniser what the next caller turn may contain.
type Hints struct {
	State   string
	Intents map[string][]string // intent → phrases, the state's and the global ones
	DTMF    []string
	// Holds, when set, says whether a recogniser's open words hold an intent the
	// bot would route on them (asr.Grammar.Holds; not one that acts for good): only
	// other words need the grammar's reading too. May be called from the
	// recogniser's goroutine.
	Holds func(text string) bool
}

// Turn is one entry of the transcript.
type Turn struct {
	Role       string   `json:"role"` // bot | caller
	State      string   `json:"state"`
	Text       string   `json:"text"`
	Intent     string   `json:"intent,omitempty"`
	DTMF       string   `json:"dtmf,omitempty"`
	Score      *float64 `json:"score,omitempty"`      // intent match score
	Match      string   `json:"match,omitempty"`      // phrase | llm: what matched the intent
	Confidence float64  `json:"confidence,omitempty"` // the recogniser's confidence
	// Event names a turn without words: no_input, no_match, repeat (the caller asked
	// to hear the question again), hangup, barge_in (a bot turn the caller
	// interrupted), voicemail, max_call.
	Event string `json:"event,omitempty"`
	// Branch is where the turn sent the call: "yes → reminder", "no_input → greet",
	// "exhausted → unreached", "global opt_out → opt_out".
	Branch  string `json:"branch,omitempty"`
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	// Capture and knowledge (capture.go, knowledge.go): the slot a caller turn
	// filled and its value; the knowledge entry a question matched (on the caller's
	// turn) or a bot turn answers.
	Slot      string `json:"slot,omitempty"`
	Value     string `json:"value,omitempty"`
	Knowledge string `json:"knowledge,omitempty"`
	// A caller turn's sentiment (anger.go): valence -1 … +1, anger 0 … 1 (words
	// and voice), the voice's arousal 0 … 1 when measured.
	Sentiment *float64 `json:"sentiment,omitempty"`
	Anger     *float64 `json:"anger,omitempty"`
	Arousal   *float64 `json:"arousal,omitempty"`
}

// Callback is a new attempt the script asked for.
type Callback struct {
	After  time.Duration `json:"-"`
	AfterS int64         `json:"after_s"`
	Text   string        `json:"after"` // Go duration: 24h0m0s
}

// Result is the bot part of a call result.
type Result struct {
	Transcript     []Turn            `json:"transcript"`
	Disposition    string            `json:"disposition"`
	Tags           []string          `json:"tags"`
	Variables      map[string]string `json:"variables"`
	Callback       *Callback         `json:"callback"`
	Transfer       *string           `json:"transfer"`
	TransferMethod string            `json:"transfer_method,omitempty"` // refer | bridge
	OptOut         bool              `json:"opt_out"`
	AMD            string            `json:"amd,omitempty"`   // verdict fed to the bot, if any
	HangupBy       string            `json:"hangup_by"`       // bot | caller | timeout
	End            string            `json:"end"`             // why the bot stopped: hangup, caller_hangup, transferred, transfer_failed, max_call, voicemail
	State          string            `json:"state"`           // the last state
	TurnLatencyMS  []int64           `json:"turn_latency_ms"` // caller's end of speech → first audio of the reply
	// TurnRecognitionMS is, per entry of TurnLatencyMS, the part spent before the
	// bot knew what was said: end of speech → the recogniser's final result
	// (end_of_turn silence plus decoding); 0 for keys.
	TurnRecognitionMS []int64 `json:"turn_recognition_ms"`
	FirstAudioMS      *int64  `json:"first_audio_ms"`  // answer → first audio
	Error             string  `json:"error,omitempty"` // what went wrong, when the runtime failed

	// Capture and knowledge (capture.go, knowledge.go).
	Captured   map[string]string `json:"captured,omitempty"`   // slot → value, the last valid answer of each
	Survey     map[string]string `json:"survey,omitempty"`     // survey question → answer (captures with survey:)
	Knowledge  []string          `json:"knowledge,omitempty"`  // knowledge entries that answered, in order
	Unanswered []string          `json:"unanswered,omitempty"` // questions that matched nothing
	// Sentiment sums up the caller's scored turns; nil when the caller said no words.
	Sentiment *sentiment.Summary `json:"sentiment,omitempty"`
}

// Who hung up.
const (
	ByBot     = "bot"
	ByCaller  = "caller"
	ByTimeout = "timeout"
)

// MachineOptions configure NewMachine.
type MachineOptions struct {
	// Vars are the contact's fields; every name in the script's requires must be
	// present and every template must render with them.
	Vars map[string]string
	// Classifier, when set, is asked about utterances the phrase matcher cannot match
	// exactly (an LLM, see LLMClassifier); on error the phrase match stands.
	Classifier Classifier
	// BeepWait bounds the wait for the end of a voicemail greeting; default 10s.
	BeepWait time.Duration
	// Today is the call's local date (in the contact's time zone), from the shell's
	// clock: captured dates ("next Friday", 下周五) are read relative to it.
	Today time.Time
}

// Classifier picks an intent for text among candidates (intent name → phrases). ok is
// false when none fits.
type Classifier interface {
	Classify(ctx context.Context, text string, candidates map[string][]string) (m Match, ok bool, err error)
}

type phase int

const (
	phaseIdle phase = iota
	phasePlaying
	phaseListening
	phaseTransferring
	phaseBeep
	phaseEnded
)

// Machine is the deterministic state machine of one call. It does no I/O and reads no
// clock: it turns Events into Actions, and the same events give the same actions and
// the same Result. It is not safe for concurrent use; its shell serialises events.
type Machine struct {
	bot  *Bot
	opts MachineOptions
	set  Settings
	vars map[string]string // contact vars + {{disclosure}} + variables set by states
	// names reads the contact's name in an answer as "her" (names.go); nil: none.
	names *nameReader

	cur       *State
	voicemail bool
	ph        phase
	// hearsAll: after the last step, speech would be taken as an answer to the
	// state (listening, or a prompt barge-in interrupts); else only a global intent
	// counts. Read by Hints.Holds on the recogniser's goroutine.
	hearsAll atomic.Bool
	retries  int
	repeats  int  // questions repeated on request in this state (free of retries)
	asked    bool // the state's question is being repeated on request (prompt: not the reprompt)

	promptID   int
	botTurn    int // index of the current bot turn in the transcript, -1 none
	nextTimer  int
	noInput    int // live timer IDs; 0 none
	maxCall    int
	beep       int
	speechAt   time.Duration // start of the caller's current speech, -1 none
	awaitReply time.Duration // end of the caller turn awaiting the bot's reply, -1 none
	awaitRecog time.Duration // how long recognising that turn took
	firstAudio bool
	confirm    *pendingConfirm // a confirm question is out; nil otherwise

	keys            string         // keys collected for a capture (capture.go)
	keysAt          time.Duration  // when the first of them came
	knowledgeReturn string         // the state to enter once a knowledge answer is said
	lang            sentiment.Lang // anger.go: the lexicon of the script's locale
	apologised      bool           // on_anger's apology was queued once
	apology         bool           // … and goes before the next prompt

	res Result
}

// NewMachine checks the call's variables against the script: every required variable
// present, every prompt renderable (a date that is not a date fails here, before the
// call, not in the middle of it).
func NewMachine(b *Bot, opts MachineOptions) (*Machine, error) {
	if b == nil || b.matcher == nil {
		return nil, fmt.Errorf("%w: the bot script was not linted", ErrInvalidScript)
	}
	if opts.BeepWait <= 0 {
		opts.BeepWait = 10 * time.Second
	}
	vars := map[string]string{}
	res := Result{Transcript: []Turn{}, Tags: []string{}, Variables: map[string]string{}, TurnLatencyMS: []int64{}, TurnRecognitionMS: []int64{}, Captured: map[string]string{}}
	for k, v := range opts.Vars {
		vars[k] = v
		res.Variables[k] = v
	}
	var missing []string
	for _, r := range b.Requires {
		if _, ok := vars[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: the script requires %s", ErrMissingVariable, strings.Join(missing, ", "))
	}
	vars[DisclosureVar] = b.Disclosure
	// Variables a state sets may be spoken before they are set; render with a
	// placeholder so that the check covers the contact's values only.
	probe := map[string]string{}
	for k, v := range vars {
		probe[k] = v
	}
	for _, name := range b.Order {
		if s := b.States[name].Set; s != nil {
			for k, v := range s.Variables {
				if _, ok := probe[k]; !ok {
					probe[k] = v
				}
			}
		}
	}
	captureProbe(b, probe)
	all := append(slices.Clone(b.Order), "")
	for _, name := range all {
		st := b.Voicemail
		if name != "" {
			st = b.States[name]
		}
		if st == nil {
			continue
		}
		where := "voicemail"
		if name != "" {
			where = "states." + name
		}
		if st.say != nil {
			if _, err := st.say.Render(b.Locale, probe); err != nil {
				return nil, fmt.Errorf("%s:%d: %s.say: %w", b.Path, st.SayLine, where, err)
			}
		}
		// A re-prompt that cannot be rendered would be spoken as written.
		if st.Listen != nil {
			if r := st.Listen.repromptOf(); r != nil {
				if _, err := r.t.Render(b.Locale, probe); err != nil {
					return nil, fmt.Errorf("%s:%d: %s.%s: %w", b.Path, r.line, where, r.field, err)
				}
			}
		}
	}
	return &Machine{bot: b, opts: opts, set: b.Settings, vars: vars, botTurn: -1, speechAt: -1, awaitReply: -1, res: res,
		lang: sentiment.LangFor(b.Locale), names: newNameReader(vars)}, nil
}

// Result is a copy of the result so far; final once Done.
func (m *Machine) Result() Result {
	r := m.res
	r.Transcript = slices.Clone(m.res.Transcript)
	r.Tags = slices.Clone(m.res.Tags)
	r.TurnLatencyMS = slices.Clone(m.res.TurnLatencyMS)
	r.TurnRecognitionMS = slices.Clone(m.res.TurnRecognitionMS)
	if m.res.Sentiment != nil {
		s := m.res.Sentiment.Rounded()
		r.Sentiment = &s
	}
	r.Variables = make(map[string]string, len(m.res.Variables))
	for k, v := range m.res.Variables {
		r.Variables[k] = v
	}
	r.Captured = maps.Clone(m.res.Captured)
	r.Survey = maps.Clone(m.res.Survey)
	r.Knowledge = slices.Clone(m.res.Knowledge)
	r.Unanswered = slices.Clone(m.res.Unanswered)
	if m.cur != nil {
		r.State = m.cur.Name
	}
	return r
}

// Done reports whether the call is over for the bot.
func (m *Machine) Done() bool { return m.ph == phaseEnded }

// Listening reports whether the machine is waiting for the caller.
func (m *Machine) Listening() bool { return m.ph == phaseListening }

// State is the current state's name.
func (m *Machine) State() string {
	if m.cur == nil {
		return ""
	}
	return m.cur.Name
}

// Start begins the script at the answer of the call (At is normally 0).
func (m *Machine) Start(at time.Duration) []Action {
	defer m.noteHearing()
	var acts []Action
	m.maxCall = m.timer()
	acts = append(acts, Action{Kind: ActStartTimer, Timer: m.maxCall, After: m.set.MaxCall})
	return m.enter(acts, m.bot.States[m.bot.Start], at)
}

func (m *Machine) timer() int {
	m.nextTimer++
	return m.nextTimer
}

// Handle feeds one event and returns what to do. ctx bounds a Classifier call.
func (m *Machine) Handle(ctx context.Context, ev Event) []Action {
	defer m.noteHearing()
	if m.ph == phaseEnded {
		return nil
	}
	switch ev.Kind {
	case EvPlaybackStarted:
		return m.playbackStarted(ev)
	case EvPlaybackDone:
		if m.ph != phasePlaying || ev.Prompt != m.promptID {
			return nil
		}
		if ev.Failed {
			m.closeBotTurn(ev.At, "not_spoken")
		} else {
			m.closeBotTurn(ev.At, "")
		}
		m.ph = phaseIdle
		if m.knowledgeReturn != "" {
			return m.afterKnowledge(ev.At)
		}
		return m.afterPrompt(nil, ev.At)
	case EvSpeechStart:
		return m.speechStart(ev)
	case EvUtterance:
		return m.utterance(ctx, ev)
	case EvDTMF:
		return m.dtmf(ev)
	case EvTimer:
		return m.timerFired(ev)
	case EvHangup:
		m.closeBotTurn(ev.At, "hangup")
		m.res.Transcript = append(m.res.Transcript, Turn{Role: "caller", State: m.State(), Event: "hangup", StartMS: ms(ev.At), EndMS: ms(ev.At)})
		return m.end(nil, ByCaller, "caller_hangup")
	case EvAMD:
		return m.amd(ev)
	case EvBeep:
		if m.ph != phaseBeep {
			return nil
		}
		return m.startVoicemail(ev.At)
	case EvTransferred:
		return m.transferred(ev)
	}
	return nil
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// recognition is how long after the end of speech the event reached the shell.
func recognition(ev Event) time.Duration {
	if ev.Received <= ev.At {
		return 0
	}
	return ev.Received - ev.At
}

func (m *Machine) playbackStarted(ev Event) []Action {
	if ev.Prompt != m.promptID {
		return nil
	}
	if m.botTurn >= 0 && m.ph == phasePlaying {
		t := &m.res.Transcript[m.botTurn]
		t.StartMS = ms(ev.At)
		t.EndMS = max(t.EndMS, t.StartMS)
	}
	if !m.firstAudio {
		m.firstAudio = true
		v := ms(ev.At)
		m.res.FirstAudioMS = &v
	}
	if m.awaitReply >= 0 {
		m.res.TurnLatencyMS = append(m.res.TurnLatencyMS, ms(ev.At-m.awaitReply))
		m.res.TurnRecognitionMS = append(m.res.TurnRecognitionMS, ms(m.awaitRecog))
		m.awaitReply = -1
	}
	return nil
}

// enter moves to st: set, action, callback, then say (or go on at once).
func (m *Machine) enter(acts []Action, st *State, at time.Duration) []Action {
	if st == nil {
		return m.end(acts, ByBot, "hangup")
	}
	if m.ph == phasePlaying {
		// A global opt-out spoken over a prompt: cut the prompt short.
		acts = append(acts, Action{Kind: ActStopPlayback})
		m.closeBotTurn(at, "barge_in")
		m.ph = phaseIdle
	}
	if m.cur == nil || m.cur.Name != st.Name {
		m.retries, m.repeats = 0, 0
	}
	m.confirm = nil
	m.keys, m.knowledgeReturn = "", ""
	m.cur = st
	m.noInput = 0
	if s := st.Set; s != nil {
		if s.Disposition != "" {
			m.res.Disposition = s.Disposition
		}
		for _, t := range s.Tags {
			if !slices.Contains(m.res.Tags, t) {
				m.res.Tags = append(m.res.Tags, t)
			}
		}
		for _, k := range sortedKeys(s.Variables) {
			m.res.Variables[k] = s.Variables[k]
			m.vars[k] = s.Variables[k]
		}
	}
	if st.Action == ActionOptOut && !m.res.OptOut {
		m.res.OptOut = true
		acts = append(acts, Action{Kind: ActOptOut})
	}
	if st.Callback > 0 {
		m.res.Callback = &Callback{After: st.Callback, AfterS: int64(st.Callback / time.Second), Text: st.Callback.String()}
		acts = append(acts, Action{Kind: ActCallback, After: st.Callback})
	}
	say, raw := m.prompt(st)
	if say == nil {
		return m.afterPrompt(acts, at)
	}
	text, err := say.Render(m.bot.Locale, m.vars)
	if err != nil { // NewMachine checked the contact's values; a set variable may still be odd
		text = raw
	}
	m.promptID++
	p := m.withApology(Prompt{
		ID: m.promptID, State: st.Name, Text: text, Locale: m.bot.Locale, Voice: m.bot.Voice,
		Template: say.Inline(map[string]string{DisclosureVar: m.bot.Disclosure}), Vars: m.promptVars(say),
	})
	m.ph = phasePlaying
	m.res.Transcript = append(m.res.Transcript, Turn{Role: "bot", State: st.Name, Text: p.Text, StartMS: ms(at), EndMS: ms(at)})
	m.botTurn = len(m.res.Transcript) - 1
	acts = append(acts, Action{Kind: ActSay, Prompt: p})
	if st.Listen != nil {
		// The recogniser listens while the prompt plays, for barge-in.
		acts = append(acts, Action{Kind: ActListen, Hints: m.hints(st)})
	}
	return acts
}

func (m *Machine) promptVars(t *Template) map[string]string {
	out := map[string]string{}
	for _, v := range t.Vars() {
		if v.Var != DisclosureVar {
			out[v.Var] = m.vars[v.Var]
		}
	}
	return out
}

func sortedKeys(mp map[string]string) []string {
	keys := make([]string, 0, len(mp))
	for k := range mp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (m *Machine) hints(st *State) Hints {
	h := m.bot.ListenHints(st.Name)
	if h.Intents != nil && m.opts.Classifier == nil {
		// With a model classifier the words' own verdict is only its fallback: the
		// grammar's reading is always wanted then.
		h.Holds = m.holds(st)
	}
	return h
}

// holds is Hints.Holds for a listening state: whether open words hold an intent
// understand would find and may route on them — among the global intents and the
// state's when speech is taken as an answer (hearsAll), among the global ones alone
// over a prompt that is not (where an opt-out the grammar heard must still be
// honoured) — and one that does not act for good (those route only on a confirm
// question or the grammar's own reading). Then the grammar's reading of the words is
// never used (intent.ClassifyHeard keeps it only for words that hold no intent).
func (m *Machine) holds(st *State) func(string) bool {
	all, globals, names, hearsAll := m.bot.wordsHold(st, true), m.bot.wordsHold(st, false), m.names, &m.hearsAll
	return func(text string) bool {
		text = names.read(text)
		if hearsAll.Load() {
			return all(text)
		}
		return globals(text)
	}
}

// WordsHold is a listening state's Hints.Holds while a call listens there (without
// the contact's names): whether open words hold one of its intents or a global one
// that does not act for good.
// For tools that recognise a state's answers outside a call; nil for a state that
// does not listen.
func (b *Bot) WordsHold(state string) func(string) bool {
	st := b.States[state]
	if st == nil || st.Listen == nil {
		return nil
	}
	return b.wordsHold(st, true)
}

// wordsHold is Holds among the global intents and, with local, st's own.
func (b *Bot) wordsHold(st *State, local bool) func(string) bool {
	return b.holdsAmong(nonNil(b.candidates(st, local)))
}

// WordsHoldAnywhere is Holds among all the script's intents, for a grammar of all
// their phrases: tools that recognise answers outside a state (script eval).
func (b *Bot) WordsHoldAnywhere() func(string) bool { return b.holdsAmong(nil) }

// holdsAmong says whether open words hold one of allowed (nil: any intent) that the
// bot may route on them.
func (b *Bot) holdsAmong(allowed []string) func(string) bool {
	c := b.classifier
	return func(text string) bool {
		// An intent that acts for good never routes on open words alone (utterance):
		// the grammar's reading is wanted for it — a phrase it is sure of routes as
		// the grammar's. (Words longer than any phrase could cover, which it is never
		// sure of, the recogniser does not ask about: asr.Grammar.Holds.)
		r := c.Classify(text, allowed)
		return r.Intent != "" && !b.actsForGood(r.Intent)
	}
}

// noteHearing records after each step whether speech would be taken as an answer.
func (m *Machine) noteHearing() {
	m.hearsAll.Store(m.ph == phaseListening || (m.interruptible() && m.set.BargeIn))
}

// candidates are the intents that can fire in st: the global ones, then (local) its own.
func (m *Machine) candidates(st *State, local bool) []string { return m.bot.candidates(st, local) }

// candidates are the global intents, and with local the state's own.
func (b *Bot) candidates(st *State, local bool) []string {
	var out []string
	for _, g := range b.Global {
		out = append(out, g.Key)
	}
	if local && st != nil && st.Listen != nil {
		for _, br := range st.Listen.Intents {
			if !slices.Contains(out, br.Key) {
				out = append(out, br.Key)
			}
		}
	}
	return out
}

// closeBotTurn ends the current bot turn at at; event marks an interruption.
func (m *Machine) closeBotTurn(at time.Duration, event string) {
	if m.botTurn < 0 {
		return
	}
	t := &m.res.Transcript[m.botTurn]
	t.EndMS = max(ms(at), t.StartMS)
	if event != "" && m.ph == phasePlaying {
		t.Event = event
	}
	m.botTurn = -1
}

// afterPrompt is what a state does once its prompt is spoken.
func (m *Machine) afterPrompt(acts []Action, at time.Duration) []Action {
	st := m.cur
	switch {
	case m.voicemail:
		return m.end(acts, ByBot, "voicemail")
	case st.Listen != nil:
		m.ph = phaseListening
		if st.say == nil {
			acts = append(acts, Action{Kind: ActListen, Hints: m.hints(st)})
		}
		return m.armNoInput(acts)
	case st.Transfer != "":
		m.ph = phaseTransferring
		t := st.Transfer
		m.res.Transfer = &t
		return append(acts, Action{Kind: ActTransfer, Target: t})
	case st.Next != "":
		return m.enter(acts, m.bot.States[st.Next], at)
	}
	return m.end(acts, ByBot, "hangup")
}

func (m *Machine) armNoInput(acts []Action) []Action {
	d := m.set.NoInputTimeout
	if m.cur.Listen != nil && m.cur.Listen.Timeout > 0 {
		d = m.cur.Listen.Timeout
	}
	m.noInput = m.timer()
	return append(acts, Action{Kind: ActStartTimer, Timer: m.noInput, After: d})
}

func (m *Machine) end(acts []Action, by, why string) []Action {
	if m.ph == phasePlaying && by != ByCaller {
		acts = append(acts, Action{Kind: ActStopPlayback})
	}
	m.ph = phaseEnded
	m.res.HangupBy = by
	m.res.End = why
	if by == "" {
		return append(acts, Action{Kind: ActEnd})
	}
	if by == ByCaller {
		return append(acts, Action{Kind: ActEnd})
	}
	return append(acts, Action{Kind: ActHangup, By: by})
}

// interruptible reports whether caller input may stop the current prompt.
func (m *Machine) interruptible() bool {
	return m.ph == phasePlaying && m.cur != nil && m.cur.Listen != nil && !m.voicemail
}

func (m *Machine) speechStart(ev Event) []Action {
	m.speechAt = ev.At
	var acts []Action
	if m.interruptible() && m.set.BargeIn {
		acts = append(acts, Action{Kind: ActStopPlayback})
		m.closeBotTurn(ev.At, "barge_in")
		m.ph = phaseListening
	}
	if m.ph == phaseListening {
		// The caller is talking: no-input waits for the end of the turn, with a
		// fresh timer in case the recogniser never delivers one. It outlasts the
		// longest turn a recogniser delivers: a caller who talks for longer than the
		// no-input timeout is not silent (the timer had cut every answer over ~5 s).
		acts = m.armNoInput(acts)
		a := &acts[len(acts)-1]
		a.After = max(a.After, MaxCallerTurn+m.set.EndOfTurn+turnDecodeSlack)
	}
	return acts
}

// MaxCallerTurn is the longest caller turn the recognisers deliver as one: they end
// an utterance there (asr.StreamOptions.MaxUtterance's default).
const MaxCallerTurn = 15 * time.Second

// turnDecodeSlack is the time a recogniser may take, after a turn's end of turn,
// to deliver it on a loaded machine.
const turnDecodeSlack = 3 * time.Second

func (m *Machine) callerTurn(ev Event) *Turn {
	start := ev.At
	if m.speechAt >= 0 && m.speechAt <= ev.At {
		start = m.speechAt
	}
	m.speechAt = -1
	m.res.Transcript = append(m.res.Transcript, Turn{Role: "caller", State: m.State(), Text: ev.Text,
		Confidence: ev.Confidence, StartMS: ms(start), EndMS: ms(ev.At)})
	return &m.res.Transcript[len(m.res.Transcript)-1]
}

func (m *Machine) utterance(ctx context.Context, ev Event) []Action {
	if m.ph == phaseBeep || m.voicemail || m.ph == phaseTransferring {
		return nil
	}
	var acts []Action
	interrupt := m.interruptible() && m.set.BargeIn
	if interrupt {
		// No speech-start event came first (text input, or a recogniser that only
		// reports results): the utterance itself interrupts.
		acts = append(acts, Action{Kind: ActStopPlayback})
		m.closeBotTurn(ev.At, "barge_in")
		m.ph = phaseListening
	}
	turn := m.callerTurn(ev)
	if strings.TrimSpace(ev.Text) == "" && !ev.Unintelligible {
		turn.Event = "noise"
		if m.ph == phaseListening {
			return m.armNoInput(acts)
		}
		return acts
	}
	anger := m.feel(turn, ev)
	listening := m.ph == phaseListening
	if listening && m.confirm != nil {
		m.noInput = 0
		m.awaitReply, m.awaitRecog = ev.At, recognition(ev)
		return m.confirmAnswer(ctx, acts, turn, ev)
	}
	// Outside a listening turn only an opt-out is honoured (compliance: a request to
	// stop calling is never ignored); anything else said over a prompt is noted.
	u := understood{verdict: intent.VerdictNoMatch}
	if !ev.Unintelligible {
		var h *intent.Heard
		if ev.Open && (len(ev.Readings) > 0 || ev.Grammar != nil) {
			h = &intent.Heard{Readings: ev.Readings, WordConfidence: ev.Confidence, Grammar: ev.Grammar}
		}
		u = m.understand(ctx, ev.Text, h, listening)
	}
	if ev.Open && !u.grammar && u.verdict == intent.VerdictMatch && m.bot.actsForGood(u.match.Intent) {
		// Words from an open-vocabulary search lean towards the state's phrases and
		// write them where they were not said (a "human" heard in "no it isn't"): an
		// intent that acts for good (an opt-out, a transfer, one marked high_stakes)
		// is never routed on them alone — its confirm question is asked, or the state
		// asks again (low_confidence), and a repeat the grammar hears routes. A
		// grammar match kept because the open words held no intent is the grammar's:
		// it routes as the grammar's (its confirm question, if any, is asked: it was
		// not heard exactly as written).
		if in := m.bot.intentByName[u.match.Intent]; in == nil || in.Confirm == "" {
			u.verdict = intent.VerdictLow
		}
		u.exact = false
	}
	if u.match.Intent != "" {
		s := u.match.Score
		turn.Intent, turn.Score, turn.Match = u.match.Intent, &s, u.match.Source
	}
	routed := u.verdict == intent.VerdictMatch
	if !listening {
		if routed && u.global != "" && m.bot.States[u.global] != nil && m.bot.States[u.global].Action == ActionOptOut {
			m.awaitReply, m.awaitRecog = ev.At, recognition(ev)
			return m.branch(acts, turn, "global "+u.match.Intent, u.global, ev.At)
		}
		turn.Event = "ignored"
		return acts
	}
	m.noInput = 0
	m.awaitReply, m.awaitRecog = ev.At, recognition(ev)
	m.keys = "" // speech ends a key entry
	optOut := routed && u.global != "" && m.bot.States[u.global] != nil && m.bot.States[u.global].Action == ActionOptOut
	if a, done := m.onAnger(acts, turn, anger, optOut, ev.At); done {
		return a
	}
	if out, ok := m.captureOrAnswer(acts, turn, ev, u); ok {
		return out
	}
	if routed {
		label, target := "global "+u.match.Intent, u.global
		if u.global == "" {
			label = ""
			for _, br := range m.cur.Listen.Intents {
				if br.Key == u.match.Intent {
					label, target = br.Key, br.Target
					break
				}
			}
		}
		if label != "" {
			if in := m.bot.intentByName[u.match.Intent]; in != nil && in.Confirm != "" && !u.exact {
				return m.askConfirm(acts, turn, in, label, target, ev.At)
			}
			return m.branch(acts, turn, label, target, ev.At)
		}
	}
	if m.repeats < maxFreeRepeats && intent.AsksToRepeat(ev.Text) {
		// "Sorry, what?": the caller did not hear the question. Saying it again is
		// the answer, and it is no failed attempt to count towards exhausted.
		m.repeats++
		turn.Event = "repeat"
		turn.Branch = "repeat → " + m.cur.Name
		// The question itself, not the short re-prompt: it is what was not heard.
		m.asked = true
		defer func() { m.asked = false }()
		return m.enter(acts, m.cur, ev.At)
	}
	m.noteUnanswered(ev.Text)
	if u.verdict == intent.VerdictLow {
		turn.Event = "low_confidence"
		return m.branch(acts, turn, "low_confidence", m.cur.Listen.lowConfidenceTarget(m.cur.Name), ev.At)
	}
	turn.Event = "no_match"
	return m.branch(acts, turn, "no_match", m.cur.Listen.noMatchTarget(m.cur.Name), ev.At)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (m *Machine) globalTarget(intent string) string {
	for _, g := range m.bot.Global {
		if g.Key == intent {
			return g.Target
		}
	}
	return ""
}

func (m *Machine) dtmf(ev Event) []Action {
	if m.ph != phaseListening && !m.interruptible() {
		return nil // keys pressed over a prompt that does not listen, or in voicemail
	}
	var acts []Action
	if m.ph == phasePlaying {
		acts = append(acts, Action{Kind: ActStopPlayback}) // keys always interrupt
		m.closeBotTurn(ev.At, "barge_in")
		m.ph = phaseListening
	}
	m.speechAt = -1
	m.confirm = nil // a key answers the state's own question, not the confirm one
	if m.cur.Listen.Capture != nil && (m.keys != "" || !slices.ContainsFunc(m.cur.Listen.DTMF, func(b Branch) bool { return strings.EqualFold(b.Key, ev.Digit) })) {
		if out, ok := m.captureKey(acts, ev); ok {
			return out
		}
	}
	turn := m.callerTurn(Event{At: ev.At})
	turn.DTMF = ev.Digit
	m.noInput = 0
	m.awaitReply, m.awaitRecog = ev.At, 0
	for _, br := range m.cur.Listen.DTMF {
		if strings.EqualFold(br.Key, ev.Digit) {
			return m.branch(acts, turn, "dtmf "+br.Key, br.Target, ev.At)
		}
	}
	turn.Event = "no_match"
	return m.branch(acts, turn, "no_match", m.cur.Listen.noMatchTarget(m.cur.Name), ev.At)
}

func (m *Machine) timerFired(ev Event) []Action {
	switch ev.Timer {
	case 0:
		return nil
	case m.maxCall:
		m.closeBotTurn(ev.At, "max_call")
		m.res.Transcript = append(m.res.Transcript, Turn{Role: "bot", State: m.State(), Event: "max_call", StartMS: ms(ev.At), EndMS: ms(ev.At)})
		return m.end(nil, ByTimeout, "max_call")
	case m.noInput:
		if m.ph != phaseListening {
			return nil
		}
		m.noInput = 0
		m.speechAt = -1
		if m.keys != "" && m.confirm == nil {
			return m.finishKeys(nil, ev.At) // a pause ends a key entry
		}
		turn := m.callerTurn(Event{At: ev.At})
		turn.Event = "no_input"
		m.awaitReply = -1 // silence is not a turn the bot replies to
		if c := m.confirm; c != nil {
			// No answer to the confirm question: not confirmed, ask the state again.
			m.confirm = nil
			return m.branch(nil, turn, c.label+" not confirmed (no_input)", m.cur.Name, ev.At)
		}
		return m.branch(nil, turn, "no_input", m.cur.Listen.noInputTarget(m.cur.Name), ev.At)
	case m.beep:
		if m.ph != phaseBeep {
			return nil
		}
		return m.startVoicemail(ev.At)
	}
	return nil
}

// maxFreeRepeats bounds the questions a state repeats on request without counting
// them as retries: a caller who keeps asking is then handled as any other no_match.
const maxFreeRepeats = 2

// branch records where a turn goes and goes there; a move to the same state is a
// re-prompt, and when re-prompts exceed max_retries the exhausted branch is taken.
func (m *Machine) branch(acts []Action, turn *Turn, label, target string, at time.Duration) []Action {
	if target == m.cur.Name {
		m.retries++
		if m.retries > m.maxRetries() {
			ex := ""
			if m.cur.Listen != nil {
				ex = m.cur.Listen.Exhausted
			}
			turn.Branch = fmt.Sprintf("%s → exhausted → %s", label, ex)
			if ex == "" || ex == m.cur.Name {
				return m.end(acts, ByBot, "hangup")
			}
			return m.enter(acts, m.bot.States[ex], at)
		}
	}
	turn.Branch = label + " → " + target
	return m.enter(acts, m.bot.States[target], at)
}

func (m *Machine) amd(ev Event) []Action {
	m.res.AMD = ev.Verdict
	if ev.Verdict != "machine" || m.voicemail || m.ph == phaseBeep {
		return nil
	}
	var acts []Action
	if m.ph == phasePlaying {
		acts = append(acts, Action{Kind: ActStopPlayback})
		m.closeBotTurn(ev.At, "voicemail")
	}
	if m.bot.Voicemail == nil {
		if m.res.Disposition == "" {
			m.res.Disposition = "answering_machine"
		}
		m.ph = phaseIdle
		return m.end(acts, ByBot, "voicemail")
	}
	m.ph = phaseBeep
	m.noInput = 0
	m.beep = m.timer()
	m.res.Transcript = append(m.res.Transcript, Turn{Role: "caller", State: m.State(), Event: "voicemail", Branch: "machine → voicemail", StartMS: ms(ev.At), EndMS: ms(ev.At)})
	return append(acts, Action{Kind: ActStartTimer, Timer: m.beep, After: m.opts.BeepWait})
}

func (m *Machine) startVoicemail(at time.Duration) []Action {
	m.beep = 0
	m.voicemail = true
	m.ph = phaseIdle
	m.awaitReply = -1
	m.retries = 0
	return m.enter(nil, m.bot.Voicemail, at)
}

func (m *Machine) transferred(ev Event) []Action {
	if m.ph != phaseTransferring {
		return nil
	}
	turn := Turn{Role: "bot", State: m.State(), StartMS: ms(ev.At), EndMS: ms(ev.At)}
	if ev.OK {
		m.res.TransferMethod = ev.Method
		turn.Event = "transferred"
		turn.Text = "transferred by " + ev.Method
		m.res.Transcript = append(m.res.Transcript, turn)
		m.ph = phaseIdle
		if ev.Method == "refer" {
			// The far end now talks to the target; our dialog with it ends.
			return m.end(nil, ByBot, "transferred")
		}
		return m.end(nil, "", "transferred") // bridged: the bridge owns the call now
	}
	m.res.Disposition = "transfer_failed"
	m.res.Transfer = nil
	turn.Event = "transfer_failed"
	turn.Text = ev.Err
	m.res.Transcript = append(m.res.Transcript, turn)
	m.ph = phaseIdle
	return m.end(nil, ByBot, "transfer_failed")
}
