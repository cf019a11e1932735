package voicebot

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a script, at a line of its file.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field"` // path of the field: states.greet.listen.no_input
	Check   string `json:"check"` // stable name of the check that fired (the Check constants below)
	Message string `json:"message"`
	// Warning: the finding does not stop the script from loading.
	Warning bool `json:"warning,omitempty"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in a script; as an error it lists them all, one per
// line, and matches ErrInvalidScript with errors.Is.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%s: %d problem(s):\n  %s", ErrInvalidScript, len(ps), strings.Join(lines, "\n  "))
}

// Is makes errors.Is(problems, ErrInvalidScript) true.
func (ps Problems) Is(target error) bool { return target == ErrInvalidScript }

// sorted orders problems by line, then column, then check, and drops exact duplicates.
func (ps Problems) sorted() Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Check, b.Check), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}

// Names of the checks, stable for --json consumers and tests.
const (
	CheckSyntax          = "syntax"           // not YAML, or a field of the wrong type
	CheckUnknownField    = "unknown_field"    // a key the format does not have
	CheckMissingField    = "missing_field"    // a required field is absent or empty
	CheckBadValue        = "bad_value"        // a value out of range or of an unknown kind
	CheckUnknownState    = "unknown_state"    // a branch names a state that does not exist
	CheckUnreachable     = "unreachable"      // no path from start reaches the state
	CheckNoWayOut        = "no_way_out"       // a state neither listens, transfers, hangs up nor moves on
	CheckRetriesExhaust  = "no_exhausted"     // re-prompts can run out with nowhere to go
	CheckUnknownIntent   = "unknown_intent"   // a branch names an intent that is not defined
	CheckNoPhrases       = "no_phrases"       // an intent without phrases
	CheckDTMF            = "dtmf"             // a bad or conflicting DTMF key
	CheckTemplate        = "template"         // a malformed template
	CheckUnknownVariable = "unknown_variable" // a template names a variable not in requires
	CheckUnknownFilter   = "unknown_filter"   // a template names a filter that does not exist
	CheckDisclosure      = "disclosure"       // the purpose needs a disclosure at the start and there is none
	CheckOptOutOffer     = "opt_out_offer"    // the purpose needs an opt-out offer at the start
	CheckVoicemail       = "voicemail"        // the voicemail branch listens or transfers
	CheckPhraseConflict  = "phrase_conflict"  // one phrase belongs to two intents
	CheckNoConfirm       = "no_confirm"       // warning: a high-stakes intent routes without a confirm question
	// CheckThirdParty (a warning): a collections script speaks contact data other than
	// the person's name before the caller has said who they are.
	CheckThirdParty = "third_party"
	// CheckKnowledgeOverlap: a knowledge phrase is also an intent's or another entry's
	// (a problem), or reads as one with a high score (a warning).
	CheckKnowledgeOverlap = "knowledge_overlap"
)
