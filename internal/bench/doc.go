// Package bench runs the whole-system benchmarks behind `voxdial bench`: calls, media,
// gate (in memory and store-backed), import, asr, tts, bot, pacing and campaign (the whole
// node built by internal/app). asr --live (asrlive.go) evaluates recognition on live
// calls to the simulator: its callers, voices, noise and conditions are at the top of
// that file, and the floors TestASRLiveQuick holds are the quick set's. Each bench is a
// function that takes an Options struct, writes progress and warnings to an io.Writer
// and returns a typed report whose JSON keys are the ones `voxdial bench <x> --json`
// prints (BENCHMARKS.md and scripts read them: renaming a key breaks them). Every report
// embeds Common, the keys every bench carries.
//
// Adding a bench: write <name>.go here with <Name>Options, <Name>Report (embedding
// Common, json tags on every field) and func <Name>(ctx, opts, progress) (*<Name>Report,
// error); return a *UsageError for bad options (the CLI exits 2) and any other error for
// a run that failed (exit 1). Then add cmd/voxdial/bench_<name>.go, which only parses
// flags into the options, calls the function and prints the report, and a key test in
// report_test.go. World building a bench needs belongs here or in a package beside the
// code it exercises (compliance/compliancebench, asr/evalset), never in the production
// package itself; test helpers (…test packages) must not be imported: the binary links
// this package.
package bench
