// Package tts turns text into telephone audio: a Synthesizer interface that streams PCM
// chunks at a requested sample rate, its engines, and the prompt cache that makes a
// campaign's static prompts cost nothing per call.
//
// # Engines
//
//   - Flite (embedded default, cgo against Debian's libflite1): BSD-style licence, and
//     thread-safe when goroutines share one voice, so one process-wide voice serves every
//     call. Voices: slt (default, 16 kHz clustergen; ~53x real time per core including
//     the resampling to 8 kHz), kal (8 kHz diphone, ~380x, robotic), kal16, rms, awb.
//     Output is resampled to the requested rate with libspeexdsp (BENCHMARKS.md).
//   - HTTP: a small JSON-over-HTTP protocol (see http.go and HTTPHandler) that a
//     self-hosted neural TTS server can front; NewHTTPHandler serves the same protocol
//     over any Synthesizer, which is how the tests run the client against a real server.
//   - ESpeak: espeak-ng as a subprocess, never linked (GPL-3 and not thread-safe). It
//     is there for languages flite lacks and as a third, very different voice for the
//     recognition test set. Mandarin: espeak-ng 1.51's cmn voice looks characters up
//     as numbered pinyin and then reads the pinyin with English rules ("你好" → "nee
//     three hey-oh three"), so for the cmn voice hanzi are converted to numbered pinyin
//     first (espeak-ng's own per-character readings plus a table of polyphones such as
//     银行 yin2 hang2 and 还款 huan2 kuan3) and spoken by cmn-latn-pinyin.
//
// Engines synthesise per sentence, so the first chunk arrives after the first sentence
// rather than after the whole prompt.
//
// # Prompt cache
//
// Cache maps Key{Engine, Voice, Text, Codec, Rate} to a Prompt: the audio already cut
// into 20 ms frames and encoded (G.711 µ-law or A-law, or linear). Memory is bounded by
// an LRU over bytes; every prompt is also persisted on disk, so a restart or another
// process finds it without synthesising again. The directory is bounded too
// (MaxDiskBytes, LRU): recency is each file's modification time, refreshed on every
// disk hit, so the eviction order survives restarts without an index file to go stale. Concurrent misses for the same key
// synthesise once. Warm fills the cache for a campaign's script before dialling starts.
// A templated prompt ("Your payment of {{amount | currency}} ...") is split by
// ParseTemplate into static segments, which are cached, and variable segments,
// verbalised (package speech/verbal) and synthesised per call; Cache.Render plays them
// in order as one media.Source, synthesising the variable parts in the background while
// the first static part is already playing. A cached prompt's first frame is ready
// in ~0.3 µs from memory and ~25 µs from disk (BenchmarkCacheHitFirstFrame); the
// budget is 1 ms.
//
// # Builds without cgo
//
// flite and speexdsp are C libraries: flite.go and resample.go carry the `cgo`
// build constraint. With CGO_ENABLED=0, flite_nocgo.go makes NewFlite fail with an
// error wrapping ErrNotBuiltIn (FliteBuiltIn is false), and resample_nocgo.go
// resamples in pure Go (resample_go.go: windowed sinc, tested in every build), so
// espeak-ng and the HTTP engine keep working. A new C call goes into the cgo file
// with its stand-in beside it (`CGO_ENABLED=0 go build ./...` in `make test`
// catches a missing one).
package tts
