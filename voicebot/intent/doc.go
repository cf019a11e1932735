// Package intent matches what a caller said to a script's intents on the words, so that
// answers phrased as people say them ("I want you to stop phoning me") route like the
// phrases the script lists ("stop calling"), and negated ones ("I don't need an agent")
// do not.
//
// Text is normalised (case, full-width forms, contractions, hesitations), multi-word
// expressions are folded ("uh huh" is yes, "call back" is call later, "no one" is a
// negated person), English words are stemmed (calling, called → call) and synonyms
// folded into one concept (phone, ring, call); Mandarin is rewritten word by word into
// the same concepts (客服, 真人 → 人工) and then compared character by character.
//
// A phrase matches when enough of its weight is found among the utterance's words
// (content words weigh 1, function words ¼), in any order. Negation: a cue (not, never,
// n't, 不, 别, 没) governs the next two content words (three characters in Mandarin), not
// past a clause break ("and", "but", "，"); before a verb of opinion it governs the
// clause after the verb up to its answer ("I don't think I can" is a no). A phrase without its own cue whose words
// are governed by one does not match its intent; it counts instead for the script's
// negative answer (the intent listing "no" or "不是"), or is void when that intent is
// not listened for. A phrase with its own cue ("do not call", "不要再打") needs the
// negation in the utterance. A key word that phrases of two intents share ("call" in
// "call back" and "stop calling") is no evidence on its own: such a half match never
// wins ("that's calling", a misheard "stop calling", is not a request to call later),
// though it still narrows the winner's lead. Part of a phrase amid three or more words
// it does not explain is no evidence either ("the rain finally stopped last night" is
// not "stop calling"), and a person's title in a sentence that asks for no one ("the
// operator at the hotel was lovely") is not a request for an agent
// (testdata/en.decoy.txt holds such sentences).
//
// The best match's features (coverage of the phrase, matched weight, share of the
// utterance explained, lead over the next intent, exact order, a question, position)
// go through a logistic Model fitted on the language's tuning split
// (testdata/en.tune.txt with en.tune2.txt, testdata/zh.tune.txt: one model per
// language, as the features of words and of characters mean different things), so
// the score is a calibrated probability that the intent is right: a routed score ≥
// 0.95 was right 220 times of 221 on the held-out sets (testdata/*.heldout.txt, never
// fitted on) and 307 of 316 on the two English blind sets (testdata/en.blind*.txt,
// written by writers who saw no set and no lexicon). Some words take their sense from
// the sentence: "paid" after "will" is a promise ("I'll have it paid by Friday"), paid
// for something else is no payment, a refusal of the machine asks for a person, and a
// question about the speaker or about how to pay asks rather than answers.
//
// Each intent has a routing threshold (MinConfidence); a best score under it is
// low_confidence (ask again), and under Options.NoMatchBelow it is no_match
// (off-topic).
//
// That calibration holds for what callers say, not for what a recogniser wrote down:
// a misheard "i can't do that" is a perfect "no". ClassifyHeard scores words from an
// open-vocabulary search with the search's own doubt as well — the share of its
// N-best readings that read the same intent and its word confidence — through a
// SpokenModel fitted on recognised speech of the tuning split
// (testdata/en.spoken.tsv), and the verdict follows that score.
//
// The classifier reads no clock and keeps no state between calls; one is built per
// script and shared by every call.
package intent
