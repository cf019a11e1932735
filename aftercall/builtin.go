package aftercall

import (
	"time"

	"github.com/voxdial/voxdial/voicebot"
)

// The built-in grading rules, by purpose (docs/follow-ups.md, "Built-in grades"). A is a
// lead to act on now (a promise, an interested buyer), B a warm one (a call-back, a
// dispute, a long engaged conversation), C nothing decided (not reached, short calls), D
// one not to pursue (opted out, wrong party, refused, angry).

func rule(name, grade string, f func(r *voicebot.GradeRule)) namedRule {
	r := voicebot.GradeRule{Grade: grade, MinTurns: -1, MaxTurns: -1, MinBargeIns: -1, MaxBargeIns: -1, MinTalk: -1, MaxTalk: -1}
	f(&r)
	return namedRule{name: name, r: r}
}

func yes() *bool { b := true; return &b }

// Builtin returns the built-in rules of a purpose: collections, telemarketing (marketing)
// and a general set for the others.
func Builtin(purpose string) *Grading {
	optOut := rule("builtin.opted_out", "D", func(r *voicebot.GradeRule) { r.OptOut = yes() })
	angry := rule("builtin.angry", "D", func(r *voicebot.GradeRule) { r.Angry = yes() })
	callback := rule("builtin.callback", "B", func(r *voicebot.GradeRule) {
		r.Disposition = []string{"callback", "callback_requested", "call_back"}
	})
	switch purpose {
	case "collections":
		return &Grading{def: "C", rules: []namedRule{
			optOut,
			rule("collections.no_pursue", "D", func(r *voicebot.GradeRule) {
				r.Disposition = []string{"wrong_party", "wrong_number", "opted_out", "refused", "refused_to_pay", "deceased", "do_not_call"}
			}),
			rule("collections.promise", "A", func(r *voicebot.GradeRule) {
				r.Disposition = []string{"promise_to_pay", "paid", "payment_made", "payment_arranged", "paid_in_full"}
			}),
			callback,
			rule("collections.dispute", "B", func(r *voicebot.GradeRule) {
				r.Disposition = []string{"dispute", "disputed", "hardship", "needs_info"}
			}),
			angry,
			rule("collections.engaged", "B", func(r *voicebot.GradeRule) {
				r.Outcome, r.MinTurns, r.MinTalk = []string{"answered"}, 2, 30*time.Second
			}),
		}}
	case "telemarketing":
		return &Grading{def: "C", rules: []namedRule{
			optOut,
			rule("marketing.no_pursue", "D", func(r *voicebot.GradeRule) {
				r.Disposition = []string{"not_interested", "wrong_party", "wrong_number", "opted_out", "do_not_call"}
			}),
			rule("marketing.hot", "A", func(r *voicebot.GradeRule) {
				r.Disposition = []string{"interested", "appointment", "appointment_set", "sale", "qualified", "transferred"}
			}),
			callback,
			rule("marketing.warm", "B", func(r *voicebot.GradeRule) { r.Disposition = []string{"send_info", "maybe", "considering"} }),
			angry,
			rule("marketing.engaged", "B", func(r *voicebot.GradeRule) {
				r.Outcome, r.MinTurns, r.MinTalk = []string{"answered"}, 3, 45*time.Second
			}),
		}}
	}
	return &Grading{def: "C", rules: []namedRule{optOut, angry, callback,
		rule("general.engaged", "B", func(r *voicebot.GradeRule) {
			r.Outcome, r.MinTurns, r.MinTalk = []string{"answered"}, 2, 30*time.Second
		}),
	}}
}
