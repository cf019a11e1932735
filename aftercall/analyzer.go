package aftercall

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/campaign"
	"github.com/voxdial/voxdial/dialer"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot"
)

// PaymentLinkVar is the template variable of a follow-up that holds the signed payment
// link (Options.PayLink).
const PaymentLinkVar = "payment_link"

// Options configure an Analyzer.
type Options struct {
	Store *store.DB // required for follow-ups
	// LLM, when set, writes the summary of answered calls (the deterministic summary stays
	// when it fails or times out); LLMTimeout bounds it (default 5s: the attempt's record
	// waits for it).
	LLM        *voicebot.LLMChat
	LLMTimeout time.Duration
	// PayLink signs {{payment_link}}; a follow-up that uses it without one fails.
	PayLink *PayLink
	// Captured and Sentiment read what other analyses found in a call; nil: Captured is
	// the variables the call set, Sentiment unknown.
	Captured  func(res *dialer.Result) map[string]string
	Sentiment func(res *dialer.Result) *Sentiment
	// LoadBot loads a campaign's script (default voicebot.LoadScript; step scripts have no
	// bot: built-in grades, no follow-ups).
	LoadBot func(path string) (*voicebot.Bot, error)
	Logger  *zap.Logger
}

// Analyzer grades and summarises finished calls and queues their follow-ups; it is the
// campaign runner's AfterCall. Safe for concurrent use.
type Analyzer struct {
	opts Options
	log  *zap.Logger

	mu      sync.Mutex
	scripts map[string]*scriptEntry
}

type scriptEntry struct {
	bot     *voicebot.Bot // nil for a step script or one that failed to load
	mod     time.Time
	grading map[string]*Grading // by purpose
}

var _ campaign.AfterCall = (*Analyzer)(nil)

// New returns an Analyzer.
func New(opts Options) *Analyzer {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.LLMTimeout <= 0 {
		opts.LLMTimeout = 5 * time.Second
	}
	if opts.LoadBot == nil {
		opts.LoadBot = func(path string) (*voicebot.Bot, error) {
			s, err := voicebot.LoadScript(path)
			if err != nil {
				return nil, err
			}
			return s.Bot, nil
		}
	}
	return &Analyzer{opts: opts, log: opts.Logger, scripts: map[string]*scriptEntry{}}
}

// script returns the script's entry, reloading a file that changed.
func (a *Analyzer) script(path string) *scriptEntry {
	var mod time.Time
	if path != "" && !strings.HasPrefix(path, "asset:") {
		if st, err := os.Stat(path); err == nil {
			mod = st.ModTime()
		}
	}
	a.mu.Lock()
	e, ok := a.scripts[path]
	a.mu.Unlock()
	if ok && e.mod.Equal(mod) {
		return e
	}
	e = &scriptEntry{mod: mod, grading: map[string]*Grading{}}
	if path != "" {
		bot, err := a.opts.LoadBot(path)
		if err != nil {
			a.log.Warn("after call: script not loaded: built-in grades, no follow-ups", zap.String("script", path), zap.Error(err))
		}
		e.bot = bot
	}
	a.mu.Lock()
	a.scripts[path] = e
	a.mu.Unlock()
	return e
}

func (a *Analyzer) gradingOf(e *scriptEntry, purpose string) *Grading {
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := e.grading[purpose]
	if !ok {
		var sg *voicebot.Grading
		if e.bot != nil {
			sg = e.bot.Grading
		}
		g = NewGrading(sg, purpose)
		e.grading[purpose] = g
	}
	return g
}

func (a *Analyzer) facts(c *campaign.AfterCallInfo, res *dialer.Result) Facts {
	f := NewFacts(res, c.Vars, c.Outcome)
	if a.opts.Captured != nil {
		if m := a.opts.Captured(res); m != nil {
			f.Captured = m
		}
	}
	if a.opts.Sentiment != nil {
		f.Sentiment = a.opts.Sentiment(res)
	}
	return f
}

// matching lists the script's follow-ups for a call.
func matching(bot *voicebot.Bot, disposition, outcome string) []*voicebot.FollowUp {
	if bot == nil {
		return nil
	}
	var out []*voicebot.FollowUp
	for i := range bot.FollowUps {
		f := &bot.FollowUps[i]
		if f.Matches(disposition) || (outcome != "answered" && f.Matches(outcome)) {
			out = append(out, f)
		}
	}
	return out
}

// Analyze implements campaign.AfterCall: res.Insight gets the grade and summary.
func (a *Analyzer) Analyze(ctx context.Context, c *campaign.AfterCallInfo, res *dialer.Result) {
	e := a.script(c.Script)
	f := a.facts(c, res)
	grade, rule, why := a.gradingOf(e, c.Purpose).Grade(&f)
	locale := "en-US"
	var names []string
	if e.bot != nil {
		locale = e.bot.Locale
		for _, fu := range matching(e.bot, res.Disposition, c.Outcome) {
			names = append(names, fu.Name)
		}
	}
	s := Summarize(&f, grade, locale, names)
	ins := &dialer.Insight{Grade: grade, GradeRule: rule, GradeReasons: why, Summary: s.Text, SummaryLocale: s.Locale,
		SummarySource: "rules", NextStep: s.NextStep, FollowUps: len(names)}
	if a.opts.LLM != nil && (f.Outcome == "answered") && len(f.Transcript) > 0 {
		if text, err := a.llmSummary(ctx, &f, s); err != nil {
			a.log.Warn("after call: LLM summary failed; the rule-based summary stays", zap.Error(err))
		} else {
			ins.Summary, ins.SummarySource = text, "llm"
		}
	}
	res.Insight = ins
}

func (a *Analyzer) llmSummary(ctx context.Context, f *Facts, s Summary) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, a.opts.LLMTimeout)
	defer cancel()
	lang := "English"
	if s.Locale == "zh-CN" {
		lang = "Mandarin Chinese (简体中文)"
	}
	system := "You summarise an outbound phone call for the person who follows it up. Write at most three sentences in " + lang +
		": who was reached, what was agreed, and the next step. Use only facts from the call."
	var u strings.Builder
	for _, t := range f.Transcript {
		if t.Text == "" && t.DTMF == "" {
			continue
		}
		u.WriteString(t.Role)
		u.WriteString(": ")
		if t.Text != "" {
			u.WriteString(t.Text)
		} else {
			u.WriteString("[pressed " + t.DTMF + "]")
		}
		u.WriteString("\n")
	}
	fmt.Fprintf(&u, "Disposition: %s\n", f.Disposition)
	keys := make([]string, 0, len(f.Captured))
	for k := range f.Captured {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&u, "Captured %s: %s\n", k, f.Captured[k])
	}
	fmt.Fprintf(&u, "Next step (decided by policy): %s\n", s.NextStep)
	return a.opts.LLM.Complete(ctx, system, u.String(), 200)
}

// FollowUp implements campaign.AfterCall: the script's follow-ups for the call's
// disposition are rendered and queued in the store. One that cannot be rendered (a
// missing variable, no payment link configured) is stored as failed, with the reason.
func (a *Analyzer) FollowUp(ctx context.Context, c *campaign.AfterCallInfo, res *dialer.Result) {
	e := a.script(c.Script)
	fus := matching(e.bot, res.Disposition, c.Outcome)
	if len(fus) == 0 || a.opts.Store == nil {
		return
	}
	vars := make(map[string]string, len(c.Vars)+len(res.Variables)+4)
	for k, v := range c.Vars {
		vars[k] = v
	}
	for k, v := range res.Variables {
		vars[k] = v
	}
	vars["disposition"] = res.Disposition
	if res.Insight != nil {
		vars["grade"] = res.Insight.Grade
	}
	var ps []*store.FollowUpEnqueueParams
	for _, fu := range fus {
		p := &store.FollowUpEnqueueParams{CampaignID: c.CampaignID, ContactID: c.ContactID, AttemptID: c.AttemptID,
			CallID: res.CallID, Name: fu.Name, Channel: "sms", To: c.Phone, TimeZone: c.TimeZone,
			NotBefore: c.Now.Add(fu.Delay), Now: c.Now}
		body, err := a.render(fu, e.bot.Locale, vars, c)
		if err != nil {
			p.Body, p.Failed = fu.SMS, err.Error()
		} else {
			p.Body = body
		}
		ps = append(ps, p)
	}
	if _, err := a.opts.Store.FollowUpEnqueue(ctx, ps); err != nil {
		a.log.Error("after call: follow-ups not queued", zap.Int64("attempt_id", c.AttemptID), zap.Error(err))
	}
}

func (a *Analyzer) render(fu *voicebot.FollowUp, locale string, vars map[string]string, c *campaign.AfterCallInfo) (string, error) {
	t := fu.Template()
	if t == nil {
		return "", fmt.Errorf("follow-up %s: no template", fu.Name)
	}
	for _, p := range t.Vars() {
		if p.Var != PaymentLinkVar {
			continue
		}
		if a.opts.PayLink == nil {
			return "", fmt.Errorf("follow-up %s uses {{%s}} but no payment link is configured (aftercall.payment_link)", fu.Name, PaymentLinkVar)
		}
		vars[PaymentLinkVar] = a.opts.PayLink.Sign(fmt.Sprintf("%d-%d-%d", c.CampaignID, c.ContactID, c.AttemptID), c.Now)
		break
	}
	out, err := t.Render(locale, vars)
	if err != nil {
		return "", fmt.Errorf("follow-up %s: %w", fu.Name, err)
	}
	return out, nil
}
