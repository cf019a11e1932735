package dialer

// Insight is the post-call analysis the campaign adds to a call result (package aftercall):
// the lead grade and the summary. Nil when no analysis ran (`voxdial call`, a call with
// no script). docs/call-result.md, "insight".
type Insight struct {
	// Grade is A, B, C or D (A: the hottest lead); GradeRule names the rule that gave it
	// ("rules[0]", "default", or the built-in set's rule) and GradeReasons say why in words.
	Grade        string   `json:"grade"`
	GradeRule    string   `json:"grade_rule"`
	GradeReasons []string `json:"grade_reasons"`
	// Summary says who was reached, what was agreed and the next step, in the script's
	// language (en or zh); SummarySource is "rules" (deterministic) or "llm".
	Summary       string `json:"summary"`
	SummaryLocale string `json:"summary_locale"`
	SummarySource string `json:"summary_source"`
	NextStep      string `json:"next_step"`
	// FollowUps counts the follow-up messages queued for the call (docs/follow-ups.md).
	FollowUps int `json:"follow_ups"`
}
