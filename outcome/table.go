package outcome

import "strings"

// Code is how an attempt ended, as stored (attempts.outcome, contacts.last_outcome)
// and reported. The reason (a SIP reason phrase, the gate's explanation) is never
// part of the code.
type Code string

// Call outcomes: the dialer's reading of the INVITE's final answer (dialer.Classify).
const (
	Answered      Code = "answered"
	Busy          Code = "busy"
	NoAnswer      Code = "no_answer"
	Rejected      Code = "rejected"
	InvalidNumber Code = "invalid_number"
	Congestion    Code = "congestion"
	Failed        Code = "failed"
)

// Campaign outcomes: the runner's reading of an answered call, and the lease rescue's.
const (
	Voicemail Code = "voicemail" // answered, AMD said machine, the script set no disposition
	Abandoned Code = "abandoned" // answered with no free bot slot: abandonment message, hang up
	Lost      Code = "lost"      // left open by a node that died; closed by the lease rescue
	Cut       Code = "cut"       // ended by this node's drain deadline (SIGTERM), not by the callee
)

// Contact outcomes: what the runner did with a leased contact when it placed no call.
const (
	GateBlock       Code = "gate_block"
	GateHold        Code = "gate_hold"
	GateError       Code = "gate_error"
	GateUnavailable Code = "gate_unavailable" // a data source of the gate was down: held a minute
	Window          Code = "window"
	Released        Code = "released"
	PacerError      Code = "pacer_error"
	TrunkError      Code = "trunk_error"
	LeaseLost       Code = "lease_lost"
	ScheduleEnded   Code = "schedule_ended"
	MaxAttempts     Code = "max_attempts"
	NumberBusy      Code = "number_busy"
	NumberError     Code = "number_error"
)

// Stage says what produced a code.
type Stage string

const (
	StageCall     Stage = "call"     // the dialer: a call was placed and ended so
	StageCampaign Stage = "campaign" // the campaign runner's reading of a placed call
	StageContact  Stage = "contact"  // no call was placed: the runner's handling of the contact
)

// Info is one row of the table.
type Info struct {
	Code  Code   `json:"code"`
	Label string `json:"label"` // in words, for people
	Color string `json:"color"` // the dashboard's colour, #rrggbb
	Stage Stage  `json:"stage"`
	// Final: the contact gets no further attempt, whatever the retry policy says.
	Final bool `json:"final"`
	// History is the compliance gate's history class of the attempt (the compliance-check
	// contract's outcome names); "" when no call was placed or whether one connected is
	// unknown (lost: the gate counts it as an attempt of unknown outcome).
	History string `json:"history,omitempty"`
}

// table is the one outcome table; everything else derives from it. See doc.go,
// "Where to add an outcome". Order is the order of docs and the dashboard's legend.
var table = [...]Info{
	{Answered, "the callee (or a machine) answered", "#1a7f37", StageCall, false, "answered"},
	{Busy, "busy (486, 600)", "#d97706", StageCall, false, "busy"},
	{NoAnswer, "rang out with no answer (408, 480, our CANCEL)", "#8c959f", StageCall, false, "no_answer"},
	{Rejected, "declined by the callee (603)", "#b42318", StageCall, false, "no_answer"},
	{InvalidNumber, "the number does not exist (404, 410, 484, 604)", "#8250df", StageCall, true, "not_connected"},
	{Congestion, "carrier or network trouble (500, 502, 503, 504)", "#9a6700", StageCall, false, "not_connected"},
	{Failed, "failed for another reason (see the reason)", "#6e2a22", StageCall, false, "failed"},
	{Voicemail, "answered by a machine; the script left no message", "#0b63c5", StageCampaign, false, "voicemail"},
	{Abandoned, "answered with no free bot slot: abandonment message played", "#bf3989", StageCampaign, false, "abandoned"},
	{Lost, "left open by a node that stopped; closed by the lease rescue", "#57606a", StageCampaign, false, ""},
	{Cut, "hung up by this node's drain deadline; retried, never completed", "#cf222e", StageCampaign, false, ""},
	{GateBlock, "blocked by the compliance gate", "#a40e26", StageContact, true, ""},
	{GateHold, "held by the compliance gate until later", "#953800", StageContact, false, ""},
	{GateError, "the compliance gate failed: not called (fail closed)", "#4c2889", StageContact, false, ""},
	{GateUnavailable, "the gate's data is unavailable: held a minute (fail closed)", "#6e7781", StageContact, false, ""},
	{Window, "outside the campaign's calling window", "#1b7c83", StageContact, false, ""},
	{Released, "lease given back (drain) before dialling", "#afb8c1", StageContact, false, ""},
	{PacerError, "the pacer failed: tried again later", "#6639ba", StageContact, false, ""},
	{TrunkError, "no usable trunk: tried again later", "#7d4e00", StageContact, false, ""},
	{LeaseLost, "another node took the contact's lease", "#424a53", StageContact, false, ""},
	{ScheduleEnded, "the campaign's schedule ended", "#116329", StageContact, true, ""},
	{MaxAttempts, "the campaign's maximum attempts were spent", "#0550ae", StageContact, true, ""},
	{NumberBusy, "another call to the number is in progress", "#e16f24", StageContact, false, ""},
	{NumberError, "the per-number guard failed: tried again later", "#8a4600", StageContact, false, ""},
}

// All returns the table, in order (a copy: callers may not change it).
func All() []Info {
	out := make([]Info, len(table))
	copy(out, table[:])
	return out
}

// Lookup returns the code's row; ok is false for a code not in the table.
func Lookup(c Code) (Info, bool) {
	for i := range table {
		if table[i].Code == c {
			return table[i], true
		}
	}
	return Info{}, false
}

// Known reports whether c is in the table.
func (c Code) Known() bool {
	_, ok := Lookup(c)
	return ok
}

// Final reports whether c ends the contact whatever the retry policy says.
func (c Code) Final() bool {
	i, _ := Lookup(c)
	return i.Final
}

// History is c's compliance history class ("" when no call was placed or c is unknown).
func (c Code) History() string {
	i, _ := Lookup(c)
	return i.History
}

// Codes returns the codes of one stage (all stages when none given), in table order.
func Codes(stages ...Stage) []Code {
	var out []Code
	for _, i := range table {
		if len(stages) == 0 || hasStage(stages, i.Stage) {
			out = append(out, i.Code)
		}
	}
	return out
}

func hasStage(ss []Stage, s Stage) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Parse reads a stored or reported outcome, including the free text older
// versions wrote in place of a code: "gate: <reason>" (a gate block whose
// reason was run into the outcome), "schedule ended", "max attempts". It
// returns the code and the reason that was carried in the text; ok is false
// for text that is neither a code nor a known legacy form.
func Parse(s string) (c Code, reason string, ok bool) {
	if r, cut := strings.CutPrefix(s, "gate: "); cut {
		return GateBlock, r, true
	}
	c = Code(strings.ReplaceAll(strings.TrimSpace(s), " ", "_"))
	if c.Known() {
		return c, "", true
	}
	return "", "", false
}

// Colors maps each code to its dashboard colour.
func Colors() map[Code]string {
	m := make(map[Code]string, len(table))
	for _, i := range table {
		m[i.Code] = i.Color
	}
	return m
}
