// Package dashboard is voxdial's HTTP face: a JSON API over campaigns,
// contacts, scripts and calls, authentication and roles, live events over
// Server-Sent Events, Prometheus metrics and the embedded web UI.
//
// # Requests
//
//	request ─► Server.Handler: /healthz, /metrics, /api/openapi.json and the UI are public
//	   │
//	   ├─ authenticate: "Authorization: Bearer vxd_…" (API token, SHA-256 at rest)
//	   │                 or the voxdial_session cookie (SHA-256 at rest; HttpOnly,
//	   │                 Secure, SameSite=Strict) + X-CSRF-Token on every unsafe method
//	   ├─ authorise: each route names the roles it admits; campaign changes also
//	   │             need ownership (admin manages every campaign)
//	   └─ handler ─► store / campaign / voicebot ─► JSON (errors: {"error": "…"})
//
// Roles: admin does everything; marketing and collections create campaigns
// and manage their own; compliance reads everything (full numbers and
// recordings) and edits DNC and consent; manager reads everything, changes
// nothing and sees masked numbers and no recordings. Owners see full numbers
// and recordings of their own campaigns only.
//
// # Live events and metrics
//
// A Live tails the store's call_events (every node's attempts and gate
// decisions: the shared event log, so a dashboard on any node shows the whole
// cluster), fans them out to SSE subscribers (/api/events) and feeds the
// event-derived metrics; store gauges (hopper depth, leased and expired
// leases, calls in progress) are refreshed on the same tick. With a feed
// (Options.Feed: livefeed, over Redis in a cluster) events arrive as any node
// writes them and the poll only catches up on what the feed lost; Live shows
// and counts each event once, by id, whichever path brings it first. A runner in the
// same process may also report through Metrics.ObserveAttempt (its
// RunnerOptions.OnAttempt), which counts this node's own attempts.
//
// # Webhooks and charts
//
// Webhooks on call end are rows of the store (admin: deployment-wide;
// campaign managers: their campaigns'); package webhook enqueues, signs,
// sends and retries them on every node, and the API shows each delivery's
// tries. Charts over time come from GET /api/campaigns/{id}/series, which
// counts the event log per bucket in the database.
//
// Conversation intelligence (inspection.go, ui/inspection.js): GET
// /api/inspection lists calls that failed their post-call inspection (admin and
// compliance), GET /api/campaigns/{id}/quality gives a campaign's sentiment and
// inspection figures (docs/inspection.md).
// # A campaign's life
//
// lifecycle.go (with ui/lifecycle.js, the #/c/ID/manage and #/archived
// screens) edits, clones, archives and recycles a campaign through package
// campaign's Edit, Clone, Archive and Recycle: owners and admins only, an
// archived campaign read-only (refuseArchived, 409). GET /api/campaigns/{id}
// carries the gate summary (why the gate blocked contacts, in words).
// # Results
//
// results.go serves the managers' screens (overview, report and funnel, comparison,
// search by number, a contact's history, pages of contacts, the goal) from the store's
// pre-aggregated counters; export.go streams the CSV export page by page; imports.go
// records contact uploads as import jobs and keeps a running one's progress in memory.
// Definitions (answered, human, goal) are in docs/results.md: to add a key figure, add
// it to figures in results.go (and to the counters in store migration 0013 if it needs a
// new count). The UI of these screens is ui/results.js.
//
// Logins are rate-limited per client address and per user name; a draining
// node answers /healthz with 503 and "X-Voxdial-Draining: true".
//
// # Where to change things
//
// A new endpoint: a route in Server.routes (with the roles it admits), its
// handler in the file of its subject (sellers.go: sellers and registry copies;
// users.go and users_manage.go: users and tokens; scripts.go and scripts_try.go:
// scripts, their text and "try it" sessions; compliance.go: DNC, consent,
// audit), its entry in openapi.yaml (tests check every response against it),
// and an API test. A new screen: ui/<name>.js registering vox.screen, a nav link
// and a <script defer> tag in ui/index.html, a browser flow in
// testdata/e2e/flows. The narrow-screen rules (menu button, tables that scroll)
// are the @media block at the end of ui/app.css.
package dashboard
