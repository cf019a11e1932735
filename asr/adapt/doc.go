// Package adapt fits the telephone-channel adaptation of the embedded English
// recogniser: a global MLLR mean transform of pocketsphinx's en-US acoustic model,
// then MAP adaptation of the transformed means and variances, estimated with
// sphinxtrain (bw, mllr_solve, mllr_transform, map_adapt) on tuning sentences spoken
// by many synthetic voices (what it should learn is the line, not a voice) through
// G.711 µ-law and the recogniser's own front end (noise suppression, comfort
// noise, 8 → 16 kHz). The model was trained on wideband speech; telephone audio has
// nothing above 4 kHz, and the adaptation moves the model's Gaussians to where such
// audio lands. `voxdial bench asr --adapt DIR` runs it; the result ships in
// asr/telephony/ (means, variances).
package adapt
