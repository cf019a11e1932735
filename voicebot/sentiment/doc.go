// Package sentiment scores a caller's turn: how negative or positive its words are
// (text), how agitated the voice sounds (acoustic arousal), and how angry the two
// together make it. It is embedded (no network, no model files): hand-written
// lexicons for English and Mandarin, and three cheap acoustic features.
//
// # Text
//
// Score reads a turn's words against a lexicon (lexicon_en.go, lexicon_zh.go): each
// entry has a valence (-4 … +4) and an anger weight (0 … 3). English is split into
// words (contractions with n't are negators) and up to three-word phrases are looked
// up first ("sick and tired", "no problem"); Mandarin is matched longest entry first,
// character by character. Negation: a negator (not, never, no, n't, 不, 没, 别, 未, …)
// flips the valence of the next entry within three words (three characters in
// Mandarin) and cancels its anger ("not angry", 不生气); a negated positive is
// negative (不满意, "not happy"), a negated negative is mildly positive ("not bad",
// 不错 is its own entry). Intensifiers (very, so, 非常, 太, …) scale the next entry
// by 1.5; each "!" adds to the anger of an already negative turn.
//
// Valence = s / sqrt(s² + 6) over the summed entries s, in (-1, 1); text anger =
// a / sqrt(a² + 2) over the summed anger weights a, raised to at least 0.6 × the
// negative valence (a turn that is very negative is at least a little angry).
//
// # Voice
//
// Acoustic keeps per-20 ms-frame features of the caller's audio in a ring (30 s),
// fed from the media receive path with no allocation per frame: the frame's energy
// (dBFS), its pitch (normalised autocorrelation over 40 ms, 70–500 Hz; voiced when
// the peak ≥ 0.5) and whether it is voiced. Turn(start, end) summarises one turn:
// the mean level of its voiced frames, its pitch range (10th to 90th percentile, in
// semitones, from a fixed histogram) and its speaking rate (energy peaks ≥ 100 ms
// apart per second: syllable nuclei). Arousal in [0, 1] is a weighted sum of the
// three through logistic curves centred on calm telephone speech (-22 dBFS, 7
// semitones, 5 syllables/s): loudness 0.45, pitch range 0.35, rate 0.2.
//
// # Anger
//
// Anger = clamp(text anger + 0.4 × (arousal - 0.5)) when the turn's audio was
// measured, else the text anger: a loud, high, fast voice raises the words' anger
// by up to 0.2, a calm one lowers it as much; the voice alone cannot make a turn
// angry, so a caller shouting "yes!" across a noisy room is not. The voice bot's
// on_anger hook compares it with its threshold (docs/script-format.md).
//
// Where to change things: words go in the lexicon files (each entry one line; the
// labelled turns in testdata measure the effect: TestAgreement prints the
// figures); the weights of the anger mix are constants in score.go; the acoustic
// centres and weights are constants in acoustic.go.
package sentiment
