package intent

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// OffTopic is the label of utterances that belong to no intent.
const OffTopic = "none"

// Labelled is one utterance of an evaluation set with the intent it means.
type Labelled struct {
	Intent string // OffTopic for speech that fits no intent
	Text   string
	Line   int
	// Recording is the audio file of a person saying Text (a third field), for
	// evaluations that play recordings instead of synthesising; "" for none.
	Recording string
	// Heard, for words a recogniser wrote, is its readings and doubt (ClassifyHeard).
	Heard *Heard
}

// FindRecording is where l's recording is: the path itself when absolute, else in
// dir, or, when dir is "", beside the set file setPath. A recording that is not a
// regular file is an error naming the set's line.
func (l Labelled) FindRecording(setPath, dir string) (string, error) {
	rec := l.Recording
	if rec == "" {
		return "", fmt.Errorf("%s:%d: no recording (third field)", setPath, l.Line)
	}
	if !filepath.IsAbs(rec) {
		if dir == "" {
			dir = filepath.Dir(setPath)
		}
		rec = filepath.Join(dir, rec)
	}
	if st, err := os.Stat(rec); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s:%d: recording %s: not a readable file", setPath, l.Line, rec)
	}
	return rec, nil
}

// ReadSet reads an evaluation set: one "intent | text" a line, or "intent | text |
// recording" where a recording of the text exists (a path, as the file gives it);
// blank lines and lines starting with # are skipped. name is used in errors.
func ReadSet(r io.Reader, name string) ([]Labelled, error) {
	var out []Labelled
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Split(s, "|")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if len(fields) < 2 || len(fields) > 3 || fields[0] == "" || fields[1] == "" {
			return nil, fmt.Errorf("%s:%d: want \"intent | text\" or \"intent | text | recording\", got %q", name, line, s)
		}
		l := Labelled{Intent: fields[0], Text: fields[1], Line: line}
		if len(fields) == 3 {
			if fields[2] == "" {
				return nil, fmt.Errorf("%s:%d: the recording (third field) is empty", name, line)
			}
			l.Recording = fields[2]
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// Report is the outcome of an evaluation (text level: every intent allowed at once,
// which is harder than a state that listens for a few).
type Report struct {
	Utterances int `json:"utterances"`
	InDomain   int `json:"in_domain"`
	OffTopic   int `json:"off_topic"`
	// Right: in-domain utterances routed to their intent. Wrong: utterances (off-topic
	// included) routed to another intent. Low: not routed, asked again.
	Right int `json:"right"`
	Wrong int `json:"wrong"`
	Low   int `json:"low_confidence"`
	// WrongHighStakes: utterances routed to a high-stakes intent they do not mean.
	WrongHighStakes int `json:"wrong_high_stakes"`
	// OffTopicNoMatch: off-topic utterances classified no_match (not even low).
	OffTopicNoMatch int `json:"off_topic_no_match"`
	// Sure: routed with score ≥ 0.95; SureRight: of those, right.
	Sure      int `json:"sure"`
	SureRight int `json:"sure_right"`
	// Calibration error: mean |score − accuracy| over ten score bins, weighted.
	ECE float64 `json:"ece"`

	RightRate           float64 `json:"right_rate"`             // Right / InDomain
	WrongHighStakesRate float64 `json:"wrong_high_stakes_rate"` // WrongHighStakes / Utterances
	OffTopicNoMatchRate float64 `json:"off_topic_no_match_rate"`
	Misses              []Miss  `json:"misses,omitempty"`
}

// Miss is one utterance the classifier did not route to its label.
type Miss struct {
	Line    int     `json:"line"`
	Text    string  `json:"text"`
	Want    string  `json:"want"`
	Got     string  `json:"got"`
	Verdict Verdict `json:"verdict"`
	Score   float64 `json:"score"`
}

// Evaluate classifies every utterance with every intent allowed and scores the result.
// highStakes names the intents a wrong route to is costly.
func Evaluate(c *Classifier, set []Labelled, highStakes []string) Report {
	return evaluate(func(int) *Classifier { return c }, set, highStakes)
}

// evaluate is Evaluate with the classifier of each utterance (by its index in set)
// chosen by pick: a fold's model, for a cross-validated score.
func evaluate(pick func(i int) *Classifier, set []Labelled, highStakes []string) Report {
	var rep Report
	var bins [10]struct {
		n, right int
		score    float64
	}
	for i, s := range set {
		rep.Utterances++
		r := pick(i).ClassifyHeard(s.Text, s.Heard, nil)
		if s.Intent == OffTopic {
			rep.OffTopic++
			if r.Verdict == VerdictNoMatch {
				rep.OffTopicNoMatch++
			}
		} else {
			rep.InDomain++
		}
		routed := r.Verdict == VerdictMatch
		right := r.Intent == s.Intent
		switch {
		case routed && right:
			rep.Right++
		case routed:
			rep.Wrong++
			if slices.Contains(highStakes, r.Intent) {
				rep.WrongHighStakes++
			}
		case r.Verdict == VerdictLow:
			rep.Low++
		}
		if routed && r.Score >= 0.95 {
			rep.Sure++
			if right {
				rep.SureRight++
			}
		}
		if r.Intent != "" {
			b := min(int(r.Score*10), 9)
			bins[b].n++
			bins[b].score += r.Score
			if right {
				bins[b].right++
			}
		}
		if !(routed && right) && !(s.Intent == OffTopic && r.Verdict == VerdictNoMatch) {
			got := r.Intent
			if got == "" {
				got = "-"
			}
			rep.Misses = append(rep.Misses, Miss{Line: s.Line, Text: s.Text, Want: s.Intent, Got: got, Verdict: r.Verdict, Score: r.Score})
		}
	}
	total := 0
	for _, b := range bins {
		total += b.n
	}
	for _, b := range bins {
		if b.n > 0 {
			acc := float64(b.right) / float64(b.n)
			mean := b.score / float64(b.n)
			rep.ECE += float64(b.n) / float64(total) * abs(mean-acc)
		}
	}
	rep.ECE = round3(rep.ECE)
	if rep.InDomain > 0 {
		rep.RightRate = round3(float64(rep.Right) / float64(rep.InDomain))
	}
	if rep.Utterances > 0 {
		rep.WrongHighStakesRate = round3(float64(rep.WrongHighStakes) / float64(rep.Utterances))
	}
	if rep.OffTopic > 0 {
		rep.OffTopicNoMatchRate = round3(float64(rep.OffTopicNoMatch) / float64(rep.OffTopic))
	}
	return rep
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// Samples labels the best intent of every utterance of set, for Fit.
//
// The best match is taken before the veto of ambiguous matches ("calling" half
// matching both "call back" and "stop calling"): the veto only ever removes wrong
// routes of this kind from the tuning sets, and fitting without them leaves the
// model surer of every other match (its margin weight, learnt mostly from them,
// falls from 1.2 to 0.2); with them it stays on the cautious side.
func Samples(c *Classifier, set []Labelled) []Sample {
	// Whether an answer particle gives way to the answer after it reads a score: the
	// language's own calibration decides it here, never the one being fitted or
	// replaced, so the samples of a set are the same whatever calibration c has.
	d := *c
	d.opts.Model = nil
	var out []Sample
	for _, s := range set {
		r := d.classify(s.Text, nil, false)
		if r.Intent == "" {
			continue
		}
		out = append(out, Sample{F: r.Features, Right: r.Intent == s.Intent})
	}
	return out
}
