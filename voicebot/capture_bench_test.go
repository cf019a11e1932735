package voicebot

import (
	"context"
	"testing"
	"time"
)

// BenchmarkCaptureTurn is the cost of one caller turn in a capture state: the
// intent classifier, the knowledge classifier and the slot parser (a date), through
// the machine (no re-prompt: each iteration starts in ask_date).
//
//	go test ./voicebot -run '^$' -bench 'CaptureTurn|KnowledgeTurn' -benchmem -cpu 1
func BenchmarkCaptureTurn(b *testing.B) {
	benchTurn(b, "en", "ask_date", "I think I can pay next Friday")
}

// BenchmarkKnowledgeTurn: a question answered from the knowledge section.
func BenchmarkKnowledgeTurn(b *testing.B) {
	benchTurn(b, "en", "ask_date", "sorry, what are your opening hours?")
}

func BenchmarkCaptureTurnZh(b *testing.B) {
	benchTurn(b, "zh", "ask_date", "我下周五还吧")
}

func benchTurn(b *testing.B, lang, state, text string) {
	bot, err := LoadBot("testdata/payment-capture." + lang + ".yaml")
	if err != nil {
		b.Fatal(err)
	}
	vars := capEnVars
	if lang == "zh" {
		vars = capZhVars
	}
	ctx := context.Background()
	m, err := NewMachine(bot, MachineOptions{Vars: vars, Today: captureToday})
	if err != nil {
		b.Fatal(err)
	}
	st := bot.States[state]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Put the machine back in the state, listening, with a fresh transcript.
		m.res.Transcript = m.res.Transcript[:0]
		m.res.Knowledge, m.res.Unanswered = m.res.Knowledge[:0], m.res.Unanswered[:0]
		m.cur, m.ph, m.retries, m.knowledgeReturn = st, phaseListening, 0, ""
		m.Handle(ctx, Event{Kind: EvUtterance, Text: text, Confidence: 1, At: time.Second})
	}
}
