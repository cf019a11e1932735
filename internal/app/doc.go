// Package app is voxdial's composition root: one Config (YAML file, then the
// environment, then the command's flags), one logger, and a Node built once
// from them that `serve`, `demo` and `call` run.
//
// # Where to make the common changes
//
//   - A new setting: add the field (with its yaml tag) to the section struct
//     in config.go, its default to Defaults (zero always means the default),
//     its checks to Validate, a line to docs/config.md (a test fails when a key
//     is missing there) and, if the example should show it,
//     docs/voxdial.example.yaml. The environment variable comes for free
//     (EnvName: VOXDIAL_ and the key's path in capitals, dots as underscores).
//     A flag for it is a configFlags binding in cmd/voxdial (serve.go).
//   - A new part of a node (a component with goroutines): build it in New
//     (node.go), release what it holds through n.closers, and start its
//     goroutines in Run in the stage that matches when it must stop — state
//     (stops last), delivery, or web — never with a bare `go`.
//   - A speech engine for live calls: HostOptions in engines.go is the seam
//     between engines.* and the script host (voicebot/live): it answers the
//     host's per-locale question (live.Options.Engines) with the locale's
//     recogniser, synthesiser and classifier, and refuses (a ConfigError
//     naming the key) what cannot run. Engines that go out over HTTP or
//     websockets get their client from newEngineClient, the one place to
//     change how they connect. Engine flags: addEngineFlags in cmd/voxdial.
//   - A codec: Config.Codecs maps rtp.codecs names to media codecs.
//
// # Shutdown order
//
// Run starts the state stage (live feed, do-not-call refresh and fan-out),
// then delivery (webhooks), then web (dashboard), then the work (the campaign
// runner). On SIGTERM the runner stops taking work and drains its calls while
// /healthz answers 503; then webhooks stop, the HTTP server shuts down, the
// state stage stops, and the user agent, Redis and the store close.
package app
