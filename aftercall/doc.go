// Package aftercall is what happens when a campaign call ends: conversation intelligence
// (a lead grade and a summary) and follow-ups (texts sent after the call).
//
//	call result ─► Facts (disposition, outcome, captured variables, sentiment, caller
//	               turns, barge-ins, talk time, transcript)
//	   ├─► Grading: the script's `grading:` rules in order, first match wins, else its
//	   │   default, else the built-in rules of the campaign's purpose (builtin.go) ─► A–D
//	   ├─► Summarize: who, what was agreed, next step, in the script's language (en, zh),
//	   │   deterministic; with an LLM configured, the model's summary of answered calls
//	   │   replaces the text (the rule-based one stays when it fails)
//	   │   ─► Result.Insight: stored with the attempt, in the API and webhooks
//	   └─► the script's `follow_ups:` for the disposition, rendered (voicebot templates,
//	       {{payment_link}} signed by PayLink) ─► store follow_ups (pending)
//
//	Sender (one per serve node, leases from the store, so the queue survives restarts):
//	   due ─► compliance gate (Gate.CheckSMS: consent, opt-out, quiet hours)
//	       ─► Gateway (generic JSON or Twilio's Messages API, through internal/safehttp)
//	       ─► sent | retried with back-off | failed | blocked, each step in the log
//
// Analyzer implements campaign.AfterCall (the runner calls Analyze before it records the
// attempt, FollowUp after). Captured variables and sentiment are read through
// Options.Captured and Options.Sentiment when another analysis provides them; without
// them, Captured is what the call set and Sentiment is unknown.
//
// Delivery is at least once: a text the gateway accepted whose record then failed is sent
// again when the lease expires (the gateway sees the same reference, fu-<id>).
//
// # Where to make the common changes
//
//   - A built-in grade rule or purpose: builtin.go. A grading condition: the GradeRule
//     field and its parsing in voicebot/aftercall.go, its test in match (grade.go).
//   - Summary wording or a known disposition or variable: the tables in summary.go (both
//     languages in one row).
//   - A gateway: a Gateway in gateway.go and its kind in NewGateway; errors that must not
//     be retried are a *GatewayError with a 4xx Status.
//   - The follow-up states and log events: store/followup.go; the sender's decisions:
//     Sender.handle.
//   - Configuration: internal/app (the aftercall section, docs/config.md).
package aftercall
