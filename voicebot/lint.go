package voicebot

import (
	"fmt"
	"slices"
	"strings"

	"github.com/voxdial/voxdial/speech/verbal"
)

// LintOptions configure Lint. The zero value uses DefaultPolicy.
type LintOptions struct {
	// Policy says what the script's purpose and locale require at the start of a call;
	// the compliance package provides the deployment's. Nil means DefaultPolicy.
	Policy Policy
}

// Policy is the compliance hook of the lint: what a call for this purpose, in this
// locale, must do at its start.
type Policy interface {
	StartRequirements(purpose, locale string) StartRequirements
}

// StartRequirements is what the start of a call must contain.
type StartRequirements struct {
	// Disclosure: the script needs a disclosure (identification of the caller, the
	// artificial voice, the recorded line) and the first prompt must speak it.
	Disclosure bool
	// OptOutOffer: the first listening state must offer an opt-out by key and by voice
	// (a DTMF key or an intent, its own or global, that reaches an opt-out state).
	OptOutOffer bool
	// OptOutAnywhere: a spoken opt-out must be honoured in every listening state (a
	// global intent that reaches an opt-out state), and the opt-out state must end the
	// call rather than transfer or ask again.
	OptOutAnywhere bool
	// PrivateUntilIdentified: whoever answers hears the start of the call, so until
	// the first listening state has heard who it is, the bot speaks of the person by
	// name only: no other contact variable (the amount, the due date) in the prompts
	// up to it or in the knowledge answers given there (a warning, third_party).
	PrivateUntilIdentified bool
	// Rules names the rules behind the requirements, for messages ("US-3", "CN-5").
	Rules []string
}

// DefaultPolicy applies docs/script-format.md ("Compliance requirements"): identification at the start
// for telemarketing and collections (TCPA 64.1200(b), TSR 310.4(d), Reg F) and for any
// call in China (AI labelling, CN-5); an automated opt-out offered right after the
// identification for telemarketing (US-4, and PIPL Art 24 in China); and revocation by
// any reasonable means, in the middle of the call too, for telemarketing and collections
// (US-9).
type DefaultPolicy struct{}

// StartRequirements implements Policy.
func (DefaultPolicy) StartRequirements(purpose, locale string) StartRequirements {
	var r StartRequirements
	zh := strings.HasPrefix(strings.ToLower(locale), "zh") || strings.HasPrefix(strings.ToLower(locale), "cmn")
	switch purpose {
	case "telemarketing":
		r = StartRequirements{Disclosure: true, OptOutOffer: true, OptOutAnywhere: true, Rules: []string{"US-3", "US-4", "US-9"}}
	case "collections":
		r = StartRequirements{Disclosure: true, OptOutAnywhere: true, PrivateUntilIdentified: true, Rules: []string{"US-3", "US-9"}}
	}
	if zh {
		r.Disclosure = true
		r.Rules = append(r.Rules, "CN-5")
	}
	return r
}

// Lint parses a voice-bot script and checks it, returning every problem found (sorted
// by line) and the Bot as far as it could be built. When there are no problems the Bot
// is ready to run.
func Lint(data []byte, name string, opts LintOptions) (*Bot, Problems) {
	p := &parser{file: name}
	b := p.parse(data)
	if opts.Policy == nil {
		opts.Policy = DefaultPolicy{}
	}
	l := &linter{parser: p, b: b, policy: opts.Policy}
	l.run()
	ps := p.ps.sorted()
	b.Warnings = l.warnings.sorted()
	if len(ps) == 0 {
		b.Settings = b.Settings.withDefaults()
		b.matcher = NewMatcher(b.Intents)
		b.classifier, b.answers = newClassifiers(b)
		if len(b.Knowledge) > 0 {
			b.knowledge = newKnowledgeClassifier(b.Knowledge)
		}
	}
	return b, ps
}

type linter struct {
	*parser
	b        *Bot
	policy   Policy
	vars     map[string]bool   // names a template may use
	warnings Problems          // findings that do not stop the script
	surveys  map[string]string // survey question → state asking it
}

// warn records a finding that does not fail the lint.
func (l *linter) warn(line int, field, check, format string, args ...any) {
	l.warnings = append(l.warnings, Problem{File: l.file, Line: line, Field: field, Check: check, Message: fmt.Sprintf(format, args...), Warning: true})
}

func (l *linter) run() {
	b := l.b
	if b.Locale != "" {
		if _, err := verbal.ParseLocale(b.Locale); err != nil {
			l.addLine(l.topLine("locale"), "locale", CheckBadValue, "%q is not a supported locale (en-US, zh-CN)", b.Locale)
		}
	}
	if b.Purpose != "" && !contains(purposes, b.Purpose) {
		l.addLine(l.topLine("purpose"), "purpose", CheckBadValue, "%q: want one of %s", b.Purpose, strings.Join(purposes, ", "))
	}
	l.vars = map[string]bool{}
	for i, r := range b.Requires {
		if !validVarName(r) {
			l.addLine(l.topLine("requires"), fmt.Sprintf("requires[%d]", i), CheckBadValue, "%q is not a variable name", r)
		}
		if l.vars[r] {
			l.addLine(l.topLine("requires"), fmt.Sprintf("requires[%d]", i), CheckBadValue, "%q is listed twice", r)
		}
		l.vars[r] = true
	}
	if strings.Contains(b.Disclosure, "{{") {
		l.addLine(l.topLine("disclosure"), "disclosure", CheckTemplate, "the disclosure is spoken as it is; it cannot hold {{variables}}")
	}
	// Variables set by a state may be spoken later.
	for _, name := range b.Order {
		if s := b.States[name].Set; s != nil {
			for k := range s.Variables {
				l.vars[k] = true
			}
		}
	}
	for _, s := range b.captureSlots() {
		l.vars[s] = true // captured values may be spoken by later prompts
	}
	if b.Start != "" && b.States[b.Start] == nil && len(b.States) > 0 {
		l.addLine(l.topLine("start"), "start", CheckUnknownState, "%q is not a state (have %s)", b.Start, strings.Join(b.Order, ", "))
	}
	l.intents()
	for _, g := range b.Global {
		f := join("global", g.Key)
		if b.intentByName[g.Key] == nil {
			l.addLine(g.Line, f, CheckUnknownIntent, "%q is not an intent", g.Key)
		}
		l.target(g.Line, f, g.Target)
	}
	for _, name := range b.Order {
		l.state(b.States[name], join("states", name), false)
	}
	if b.Voicemail != nil {
		l.state(b.Voicemail, "voicemail", true)
	}
	l.lintKnowledge()
	l.angerHook()
	l.graph()
	l.compliance()
}

// topLine is the line of a top-level key (1 when absent).
func (l *linter) topLine(key string) int {
	if n := l.b.topLines()[key]; n > 0 {
		return n
	}
	return 1
}

func (l *linter) intents() {
	seen := map[string]string{} // normalised phrase → intent
	for _, in := range l.b.Intents {
		f := join("intents", in.Name)
		if len(in.Phrases) == 0 {
			l.addLine(in.Line, f, CheckNoPhrases, "intent has no phrases")
		}
		if in.HighStakes && in.Confirm == "" {
			l.warn(in.Line, f, CheckNoConfirm, "a high-stakes intent without a confirm question: a misheard answer routes at once (add confirm: \"Just to confirm, ...?\")")
		}
		for i, ph := range in.Phrases {
			norm := Normalize(ph)
			if norm == "" {
				l.addLine(in.Line, fmt.Sprintf("%s.phrases[%d]", f, i), CheckNoPhrases, "phrase %q has no words", ph)
				continue
			}
			if other, ok := seen[norm]; ok && other != in.Name {
				l.addLine(in.Line, fmt.Sprintf("%s.phrases[%d]", f, i), CheckPhraseConflict, "phrase %q also belongs to intent %q", ph, other)
			}
			seen[norm] = in.Name
		}
	}
}

func (l *linter) target(line int, field, target string) {
	switch {
	case target == "":
		l.addLine(line, field, CheckMissingField, "no state named")
	case l.b.States[target] == nil:
		l.addLine(line, field, CheckUnknownState, "%q is not a state", target)
	}
}

func validDTMF(k string) bool {
	return len(k) == 1 && strings.Contains("0123456789*#ABCD", strings.ToUpper(k))
}

func (l *linter) state(st *State, field string, voicemail bool) {
	if st.Say != "" {
		l.template(st, field)
	}
	ends := 0
	for _, set := range []bool{st.Listen != nil, st.Transfer != "", st.Hangup, st.Next != ""} {
		if set {
			ends++
		}
	}
	if ends > 1 {
		l.addLine(st.Line, field, CheckBadValue, "a state does one of listen, transfer, hangup or next, not several")
	}
	if ends == 0 && !voicemail {
		l.addLine(st.Line, field, CheckNoWayOut, "the state neither listens, transfers, hangs up nor moves on (next)")
	}
	if st.Action != "" && st.Action != ActionOptOut {
		l.addLine(st.ActionLine, join(field, "action"), CheckBadValue, "%q: the only action is opt_out", st.Action)
	}
	if st.Transfer != "" && !validTransferTarget(st.Transfer) {
		l.addLine(st.TransferLine, join(field, "transfer"), CheckBadValue, "%q: want a sip:, sips: or tel: URI or an E.164 number", st.Transfer)
	}
	if st.Next != "" {
		l.target(st.NextLine, join(field, "next"), st.Next)
	}
	if s := st.Set; s != nil {
		if s.Disposition == "" && len(s.Tags) == 0 && len(s.Variables) == 0 {
			l.addLine(s.Line, join(field, "set"), CheckMissingField, "set has nothing to set (disposition, tags, variables)")
		}
		for k := range s.Variables {
			if !validVarName(k) {
				l.addLine(s.Line, join(field, "set.variables"), CheckBadValue, "%q is not a variable name", k)
			}
		}
	}
	if voicemail {
		if st.Listen != nil {
			l.addLine(st.Listen.Line, join(field, "listen"), CheckVoicemail, "the voicemail branch speaks to a machine; it cannot listen")
		}
		if st.Transfer != "" {
			l.addLine(st.TransferLine, join(field, "transfer"), CheckVoicemail, "the voicemail branch cannot transfer")
		}
		if st.Next != "" {
			l.addLine(st.NextLine, join(field, "next"), CheckVoicemail, "the voicemail branch ends the call; it cannot move on to a state")
		}
		if st.Say == "" {
			l.addLine(st.Line, field, CheckMissingField, "the voicemail branch has nothing to say")
		}
		return
	}
	if ls := st.Listen; ls != nil {
		l.listen(st, ls, join(field, "listen"))
	}
}

func (l *linter) listen(st *State, ls *Listen, field string) {
	for _, br := range ls.Intents {
		f := join(field, "intents."+br.Key)
		if l.b.intentByName[br.Key] == nil {
			l.addLine(br.Line, f, CheckUnknownIntent, "%q is not an intent", br.Key)
		}
		l.target(br.Line, f, br.Target)
	}
	keys := map[string]int{}
	for _, br := range ls.DTMF {
		f := join(field, "dtmf."+br.Key)
		if !validDTMF(br.Key) {
			l.addLine(br.Line, f, CheckDTMF, "%q is not one DTMF key (0-9 * # A-D)", br.Key)
		} else {
			k := strings.ToUpper(br.Key)
			if first, dup := keys[k]; dup {
				l.addLine(br.Line, f, CheckDTMF, "key %s is already mapped at line %d", k, first)
			}
			keys[k] = br.Line
		}
		l.target(br.Line, f, br.Target)
	}
	if len(ls.Intents) == 0 && len(ls.DTMF) == 0 && ls.Capture == nil {
		l.addLine(ls.Line, field, CheckBadValue, "listens for nothing: give intents, dtmf or capture")
	}
	if ls.Capture != nil {
		l.lintCapture(st, ls.Capture, field)
	}
	if ls.Reprompt != "" {
		f := join(field, "reprompt")
		if ls.Capture != nil && ls.Capture.Reprompt != "" {
			l.addLine(ls.RepromptLine, f, CheckBadValue, "the capture has its own reprompt (line %d): give one of the two", ls.Capture.RepromptLine)
		}
		ls.reprompt = l.reprompt(ls.Reprompt, ls.RepromptLine, f)
	}
	if ls.NoInput != "" {
		l.target(ls.NoInputLine, join(field, "no_input"), ls.NoInput)
	}
	if ls.NoMatch != "" {
		l.target(ls.NoMatchLine, join(field, "no_match"), ls.NoMatch)
	}
	if ls.Exhausted != "" {
		l.target(ls.ExhaustedLine, join(field, "exhausted"), ls.Exhausted)
	}
	if ls.LowConfidence != "" {
		l.target(ls.LowConfidenceLine, join(field, "low_confidence"), ls.LowConfidence)
	}
	retries := ls.noInputTarget(st.Name) == st.Name || ls.noMatchTarget(st.Name) == st.Name
	if retries && ls.Exhausted == "" {
		var missing []string
		if ls.NoInput == "" {
			missing = append(missing, "no_input")
		}
		if ls.NoMatch == "" {
			missing = append(missing, "no_match")
		}
		why := "re-prompts here"
		if len(missing) > 0 {
			why = strings.Join(missing, " and ") + " not given, so the state re-prompts"
		}
		l.addLine(ls.Line, field, CheckRetriesExhaust, "%s, and when max_retries run out there is no exhausted branch", why)
	}
}

// reprompt checks and compiles a re-prompt (listen.reprompt, capture.reprompt): the
// variables a prompt may speak, captured ones included, and known filters.
func (l *linter) reprompt(text string, line int, field string) *Template {
	t, err := ParseTemplate(text)
	if err != nil {
		l.addLine(line, field, CheckTemplate, "%v", err)
		return nil
	}
	l.templateVars(t, line, field, "requires, set or captured")
	return t
}

// templateVars checks the variables and filters a prompt speaks: known is where a
// variable should have come from, for the message.
func (l *linter) templateVars(t *Template, line int, field, known string) {
	filters := Filters()
	for _, v := range t.Vars() {
		switch {
		case v.Var == DisclosureVar:
			if l.b.Disclosure == "" {
				l.addLine(line, field, CheckUnknownVariable, "{{disclosure}} but the script has no disclosure")
			}
		case !l.vars[v.Var]:
			l.addLine(line, field, CheckUnknownVariable, "{{%s}} is not in %s", v.Var, known)
		}
		if v.Filter != "" && !slices.Contains(filters, v.Filter) {
			l.addLine(line, field, CheckUnknownFilter, "{{%s | %s}}: unknown filter (have %s)", v.Var, v.Filter, strings.Join(filters, ", "))
		}
	}
}

// template checks a state's prompt and compiles it.
func (l *linter) template(st *State, field string) {
	f := join(field, "say")
	t, err := ParseTemplate(st.Say)
	if err != nil {
		l.addLine(st.SayLine, f, CheckTemplate, "%v", err)
		return
	}
	st.say = t
	l.templateVars(t, st.SayLine, f, "requires ("+strings.Join(l.b.Requires, ", ")+")")
}

// edges lists the states st can move to (global intents excluded).
func (b *Bot) edges(st *State) []string {
	var out []string
	if ls := st.Listen; ls != nil {
		for _, br := range ls.Intents {
			out = append(out, br.Target)
		}
		for _, br := range ls.DTMF {
			out = append(out, br.Target)
		}
		out = append(out, ls.noInputTarget(st.Name), ls.noMatchTarget(st.Name), ls.lowConfidenceTarget(st.Name))
		if ls.Exhausted != "" {
			out = append(out, ls.Exhausted)
		}
		if ls.Capture != nil && ls.Capture.Next != "" {
			out = append(out, ls.Capture.Next)
		}
	}
	if st.Next != "" {
		out = append(out, st.Next)
	}
	return out
}

// graph checks reachability from start and that every state can end the call.
func (l *linter) graph() {
	b := l.b
	if b.States[b.Start] == nil {
		return
	}
	reach := map[string]bool{b.Start: true}
	queue := []string{b.Start}
	globalsAdded := false
	for len(queue) > 0 {
		st := b.States[queue[0]]
		queue = queue[1:]
		next := b.edges(st)
		if st.listens() && !globalsAdded {
			globalsAdded = true
			for _, g := range b.Global {
				next = append(next, g.Target)
			}
			for _, k := range b.Knowledge {
				next = append(next, k.Next)
			}
		}
		for _, n := range next {
			if b.States[n] != nil && !reach[n] {
				reach[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, name := range b.Order {
		if !reach[name] {
			st := b.States[name]
			l.addLine(st.Line, join("states", name), CheckUnreachable, "no path from start (%s) reaches this state", b.Start)
		}
	}
	// Every reachable state must have a path to a state that ends the call.
	ends := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, name := range b.Order {
			st := b.States[name]
			if ends[name] {
				continue
			}
			ok := st.Hangup || st.Transfer != ""
			for _, n := range b.edges(st) {
				ok = ok || ends[n]
			}
			if st.listens() {
				for _, g := range b.Global {
					ok = ok || ends[g.Target]
				}
			}
			if ok {
				ends[name] = true
				changed = true
			}
		}
	}
	for _, name := range b.Order {
		st := b.States[name]
		if reach[name] && !ends[name] && (st.Listen != nil || st.Next != "") {
			l.addLine(st.Line, join("states", name), CheckNoWayOut, "no path from this state ever hangs up or transfers")
		}
	}
}

// compliance applies the policy's start requirements.
func (l *linter) compliance() {
	b := l.b
	req := l.policy.StartRequirements(b.Purpose, b.Locale)
	rules := strings.Join(req.Rules, ", ")
	start := b.States[b.Start]
	if req.Disclosure {
		switch {
		case b.Disclosure == "":
			l.addLine(l.topLine("purpose"), "disclosure", CheckDisclosure,
				"purpose %s in %s needs a disclosure spoken at the start of the call (%s)", b.Purpose, b.Locale, rules)
		case start != nil && !speaksDisclosure(start, b.Disclosure):
			l.addLine(start.Line, join("states", start.Name)+".say", CheckDisclosure,
				"the first prompt must speak the disclosure ({{disclosure}}) for purpose %s (%s)", b.Purpose, rules)
		case start != nil && start.Listen != nil:
			// A caller who answered over the first prompt cut the disclosure short;
			// the re-prompt is then the call's only chance to say it.
			if r := start.Listen.repromptOf(); r != nil && !templateSpeaks(r.t, r.raw, b.Disclosure) {
				l.addLine(r.line, join(join("states", start.Name), r.field), CheckDisclosure,
					"the first prompt's re-prompt must speak the disclosure ({{disclosure}}) too: a caller who answered over the prompt has not heard it (purpose %s, %s)", b.Purpose, rules)
			}
		}
	}
	optOutStates := map[string]bool{}
	for _, name := range b.Order {
		st := b.States[name]
		if st.Action == ActionOptOut {
			optOutStates[name] = true
			if st.Listen != nil || st.Transfer != "" || st.Next != "" {
				l.addLine(st.Line, join("states", name), CheckOptOutOffer, "an opt-out state must end the call (hangup), without asking again or transferring (US-4)")
			}
		}
	}
	if req.OptOutAnywhere {
		global := false
		for _, g := range b.Global {
			global = global || optOutStates[g.Target]
		}
		if !global {
			l.addLine(l.topLine("global"), "global", CheckOptOutOffer,
				"purpose %s needs a global intent that reaches an opt-out state (action: opt_out), so that \"stop calling\" works anywhere (%s)", b.Purpose, rules)
		}
	}
	if req.OptOutOffer && start != nil {
		opening := b.opening(start)
		first := opening[len(opening)-1]
		key, voice := false, false
		if first != nil && first.Listen != nil {
			for _, br := range first.Listen.DTMF {
				key = key || optOutStates[br.Target]
			}
			for _, br := range first.Listen.Intents {
				voice = voice || optOutStates[br.Target]
			}
			for _, g := range b.Global {
				voice = voice || optOutStates[g.Target]
			}
		}
		if !key || !voice {
			l.addLine(start.Line, join("states", start.Name), CheckOptOutOffer,
				"purpose %s needs an opt-out offered at the start, by key and by voice, in the first listening state (%s)", b.Purpose, rules)
		}
	}
	if req.PrivateUntilIdentified && start != nil {
		l.privateUntilIdentified(start)
	}
}

// privateUntilIdentified warns about contact variables other than the person's name
// spoken before the caller can have said who they are: in the prompts from the start
// up to the first listening state, and in the knowledge answers given there (Reg F
// 1006.6(d): nothing about the debt to a third party).
func (l *linter) privateUntilIdentified(start *State) {
	b := l.b
	contact := map[string]bool{}
	for _, r := range b.Requires {
		contact[r] = !isNameVar(r)
	}
	private := func(t *Template) []string {
		var out []string
		if t != nil {
			for _, v := range t.Vars() {
				if contact[v.Var] && !slices.Contains(out, v.Var) {
					out = append(out, v.Var)
				}
			}
		}
		return out
	}
	opening := b.opening(start)
	for _, st := range opening {
		if vs := private(st.say); len(vs) > 0 {
			l.warn(st.SayLine, join("states", st.Name)+".say", CheckThirdParty,
				"speaks {{%s}} before the caller has said who they are: whoever answers hears it (purpose %s, Reg F 1006.6(d)); say it after the identity question",
				strings.Join(vs, "}}, {{"), b.Purpose)
		}
	}
	st := opening[len(opening)-1]
	if st.Listen == nil {
		return
	}
	if r := st.Listen.repromptOf(); r != nil {
		if vs := private(r.t); len(vs) > 0 {
			l.warn(r.line, join(join("states", st.Name), r.field), CheckThirdParty,
				"speaks {{%s}} before the caller has said who they are: whoever answers hears it (purpose %s, Reg F 1006.6(d)); say it after the identity question",
				strings.Join(vs, "}}, {{"), b.Purpose)
		}
	}
	for _, k := range b.Knowledge {
		if vs := private(k.answer); len(vs) > 0 && k.answersIn(st.Name) {
			l.warn(k.AnswerLine, join("knowledge", k.Name)+".answer", CheckThirdParty,
				"speaks {{%s}} and is answered in %s, before the caller has said who they are: whoever answers may ask (purpose %s, Reg F 1006.6(d)); list the states it answers in with states: [...]",
				strings.Join(vs, "}}, {{"), st.Name, b.Purpose)
		}
	}
}

// opening is the states a call passes through from start (not nil) along next up to
// the first one that listens, included; a chain that never listens ends where it
// stops or comes round again.
func (b *Bot) opening(start *State) []*State {
	out := []*State{start}
	seen := map[string]bool{start.Name: true}
	for st := start; !st.listens() && st.Next != ""; {
		if st = b.States[st.Next]; st == nil || seen[st.Name] {
			break
		}
		seen[st.Name] = true
		out = append(out, st)
	}
	return out
}

// isNameVar reports whether a contact variable is the person's name, which the bot
// must say to ask for them (first_name, last_name, name, surname).
func isNameVar(v string) bool {
	v = strings.ToLower(v)
	return strings.Contains(v, "name") || v == "surname"
}

func speaksDisclosure(st *State, disclosure string) bool {
	return templateSpeaks(st.say, st.Say, disclosure)
}

// templateSpeaks reports whether a prompt (compiled t, as written raw) speaks the
// disclosure: {{disclosure}} or its words.
func templateSpeaks(t *Template, raw, disclosure string) bool {
	if t != nil {
		for _, v := range t.Vars() {
			if v.Var == DisclosureVar {
				return true
			}
		}
	}
	return disclosure != "" && strings.Contains(raw, disclosure)
}

func validTransferTarget(s string) bool {
	switch {
	case strings.HasPrefix(s, "sip:") || strings.HasPrefix(s, "sips:"):
		rest := strings.TrimPrefix(strings.TrimPrefix(s, "sips:"), "sip:")
		return rest != "" && !strings.ContainsAny(rest, " \t<>\"")
	case strings.HasPrefix(s, "tel:"):
		return len(s) > 4 && !strings.ContainsAny(s, " \t<>\"")
	case strings.HasPrefix(s, "+"):
		if len(s) < 3 || len(s) > 16 {
			return false
		}
		for _, r := range s[1:] {
			if r < '0' || r > '9' {
				return false
			}
		}
		return true
	}
	return false
}

// Report is a lint result as the CLI (`voxdial script lint --json`) and the API
// (POST /api/scripts/lint) print it: the script's outline and every problem (an empty
// list, not null, when there are none).
type Report struct {
	File     string    `json:"file"`
	OK       bool      `json:"ok"`
	Name     string    `json:"name,omitempty"`
	Locale   string    `json:"locale,omitempty"`
	Purpose  string    `json:"purpose,omitempty"`
	States   int       `json:"states"`
	Intents  int       `json:"intents"`
	Problems []Problem `json:"problems"`
	// Warnings do not fail the lint (a high-stakes intent without a confirm step).
	Warnings []Problem `json:"warnings"`
}

// LintReport lints data (named name in problems) and summarises it as a Report.
func LintReport(data []byte, name string, opts LintOptions) Report {
	b, ps := Lint(data, name, opts)
	rep := Report{File: name, OK: len(ps) == 0, Problems: ps}
	if b != nil {
		rep.Name, rep.Locale, rep.Purpose, rep.States, rep.Intents = b.Name, b.Locale, b.Purpose, len(b.Order), len(b.Intents)
	}
	if rep.Problems == nil {
		rep.Problems = []Problem{}
	}
	rep.Warnings = []Problem{}
	if b != nil && len(b.Warnings) > 0 {
		rep.Warnings = b.Warnings
	}
	return rep
}
