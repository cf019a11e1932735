// Package adapt fits the telephone-channel transform of the embedded English
// recogniser: a global MLLR mean transform of pocketsphinx's en-US acoustic model,
// estimated with sphinxtrain (bw, mllr_solve) on tuning sentences spoken through
// G.711 µ-law and the recogniser's own front end (noise suppression, comfort noise,
// 8 → 16 kHz). The model was trained on wideband speech; telephone audio has nothing
// above 4 kHz, and the transform moves the model's means to where such audio lands.
// `voxdial bench asr --adapt DIR` runs it; the result ships in asr/telephony.mllr.
package adapt
