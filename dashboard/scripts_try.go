package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/voxdial/voxdial/voicebot"
)

// scriptDoc is GET /api/scripts/{name}: a script's text (a version of an uploaded script,
// or a built-in one), never the server's path to it.
type scriptDoc struct {
	Name      string    `json:"name"`
	Version   int       `json:"version,omitempty"`
	SHA256    string    `json:"sha256,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Source    string    `json:"source"`
	Builtin   bool      `json:"builtin"`
	CanChange bool      `json:"can_change"`
}

func (s *Server) handleScriptGet(w http.ResponseWriter, r *http.Request, p *principal) {
	name := r.PathValue("name")
	if strings.HasPrefix(name, "asset:") {
		src, err := voicebot.AssetSource(name)
		if err != nil {
			writeError(w, http.StatusNotFound, "%v", err)
			return
		}
		writeJSON(w, http.StatusOK, scriptDoc{Name: name, Source: string(src), Builtin: true})
		return
	}
	version := int(queryInt(r, "version", 0))
	bs, err := s.resolveScript(r.Context(), name, version)
	if err != nil {
		writeError(w, http.StatusNotFound, "script: %v", err)
		return
	}
	v := bs.version
	var owner int64
	if scripts, err := s.db.ScriptList(r.Context()); err == nil {
		for _, sc := range scripts {
			if sc.Name == name {
				owner = sc.OwnerID
			}
		}
	}
	writeJSON(w, http.StatusOK, scriptDoc{Name: v.Name, Version: v.Version, SHA256: v.SHA256, CreatedBy: v.CreatedBy,
		CreatedAt: v.CreatedAt, Source: v.Source, CanChange: canChangeScript(p, owner)})
}

// "Try it": a text conversation with a script, one caller turn at a time, on the machine
// `voxdial script chat` uses (voicebot.Chat). The server keeps one session per user: the
// parsed script and the caller's turns so far; each turn replays the conversation from the
// start (Chat is deterministic: the same turns give the same answers), so a session holds
// no goroutine. Bounded: tryMaxTurns turns, trySessionsMax sessions (the idlest goes),
// tryIdle idle time, tryRunTime per replay.
const (
	tryMaxTurns    = 100
	trySessionsMax = 256
	tryIdle        = 30 * time.Minute
	tryRunTime     = 5 * time.Second
)

type trySession struct {
	name  string
	bot   *voicebot.Bot
	vars  map[string]string
	input []string
	used  time.Time
	ended string // why the call ended ("": it goes on)
}

// trySessions are the users' sessions.
type trySessions struct {
	mu sync.Mutex
	by map[int64]*trySession
}

func (t *trySessions) get(user int64, now time.Time) *trySession {
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.by[user]
	if ts == nil || now.Sub(ts.used) > tryIdle {
		delete(t.by, user)
		return nil
	}
	ts.used = now
	return ts
}

func (t *trySessions) put(user int64, ts *trySession, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.by == nil {
		t.by = map[int64]*trySession{}
	}
	for id, x := range t.by {
		if now.Sub(x.used) > tryIdle {
			delete(t.by, id)
		}
	}
	if _, mine := t.by[user]; !mine && len(t.by) >= trySessionsMax {
		var idlest int64
		var at time.Time
		for id, x := range t.by {
			if at.IsZero() || x.used.Before(at) {
				idlest, at = id, x.used
			}
		}
		delete(t.by, idlest)
	}
	ts.used = now
	t.by[user] = ts
}

func (t *trySessions) end(user int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.by[user]
	delete(t.by, user)
	return ok
}

// tryDoc is the conversation so far.
type tryDoc struct {
	Name        string            `json:"name"`
	Vars        map[string]string `json:"vars"` // the variables the conversation runs with
	Turns       []voicebot.Turn   `json:"turns"`
	State       string            `json:"state"`
	Done        bool              `json:"done"` // the call ended: start again to go on
	End         string            `json:"end,omitempty"`
	Disposition string            `json:"disposition,omitempty"`
	Tags        []string          `json:"tags"`
	Variables   map[string]string `json:"variables"`
	CallerTurns int               `json:"caller_turns"`
	MaxTurns    int               `json:"max_turns"`
}

// errAwaitInput ends a replay where the caller's next turn is wanted.
var errAwaitInput = errors.New("waiting for the caller")

// turnReader gives Chat the turns so far, then errAwaitInput (not EOF, which would be a
// hang-up).
type turnReader struct {
	data []byte
	off  int
}

func (t *turnReader) Read(b []byte) (int, error) {
	if t.off >= len(t.data) {
		return 0, errAwaitInput
	}
	n := copy(b, t.data[t.off:])
	t.off += n
	return n, nil
}

// replay runs the session's conversation; done: the call ended.
func (ts *trySession) replay(ctx context.Context) (tryDoc, error) {
	ctx, cancel := context.WithTimeout(ctx, tryRunTime)
	defer cancel()
	var data []byte
	for _, l := range ts.input {
		data = append(append(data, l...), '\n')
	}
	res, err := voicebot.Chat(ctx, ts.bot, &turnReader{data: data}, voicebot.ChatOptions{Vars: ts.vars})
	done := err == nil
	if errors.Is(err, errAwaitInput) {
		err = nil
	}
	d := tryDoc{Name: ts.name, Vars: ts.vars, Turns: res.Transcript, State: res.State, Done: done, Tags: res.Tags, Variables: res.Variables,
		CallerTurns: len(ts.input), MaxTurns: tryMaxTurns}
	if done {
		d.End, d.Disposition = res.End, res.Disposition
	}
	if d.Turns == nil {
		d.Turns = []voicebot.Turn{}
	}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	if d.Variables == nil {
		d.Variables = map[string]string{}
	}
	return d, err
}

// tryStartRequest is POST /api/scripts/try: the script (its text, e.g. the editor's, or
// the name of an uploaded or built-in script and optionally a version) and its variables.
type tryStartRequest struct {
	Name    string            `json:"name"`
	Version int               `json:"version"`
	Source  string            `json:"source"`
	Vars    map[string]string `json:"vars"`
}

func (s *Server) handleTryStart(w http.ResponseWriter, r *http.Request, p *principal) {
	var req tryStartRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	src := []byte(req.Source)
	switch {
	case req.Source != "":
	case strings.HasPrefix(req.Name, "asset:"):
		b, err := voicebot.AssetSource(req.Name)
		if err != nil {
			writeError(w, http.StatusBadRequest, "%v", err)
			return
		}
		src = b
	case req.Name != "":
		bs, err := s.resolveScript(r.Context(), req.Name, req.Version)
		if err != nil {
			writeError(w, http.StatusBadRequest, "script: %v", err)
			return
		}
		src = []byte(bs.version.Source)
	default:
		writeError(w, http.StatusBadRequest, "give source, or the name of a script")
		return
	}
	if len(req.Vars) > 100 {
		writeError(w, http.StatusBadRequest, "vars: at most 100")
		return
	}
	name := orDefault(req.Name, "script.yaml")
	bot, err := voicebot.ParseBot(src, name)
	if err != nil {
		writeError(w, http.StatusBadRequest, "script: %v", err)
		return
	}
	// A variable the script requires and the request leaves out takes a sample value, so
	// that a script can be tried before any contact exists.
	vars := map[string]string{}
	for k, v := range req.Vars {
		vars[k] = v
	}
	for _, k := range bot.Requires {
		if _, ok := vars[k]; !ok {
			vars[k] = sampleValue(k, s.opts.Now())
		}
	}
	ts := &trySession{name: name, bot: bot, vars: vars}
	d, err := ts.replay(r.Context())
	if err != nil {
		writeError(w, http.StatusBadRequest, "chat: %v", err)
		return
	}
	if d.Done {
		ts.ended = orDefault(d.End, "ended")
	}
	s.tries.put(p.User.ID, ts, s.opts.Now())
	writeJSON(w, http.StatusCreated, d)
}

// tryTurnRequest is POST /api/scripts/try/turn: one caller turn (words, or "#dtmf 1",
// "#silence", "#hangup", "#machine", "#human").
type tryTurnRequest struct {
	Input string `json:"input"`
}

func (s *Server) handleTryTurn(w http.ResponseWriter, r *http.Request, p *principal) {
	var req tryTurnRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	in := strings.TrimSpace(req.Input)
	switch {
	case in == "" || strings.HasPrefix(in, "# ") || in == "#":
		writeError(w, http.StatusBadRequest, "input: say something, or #dtmf 1, #silence, #hangup")
		return
	case strings.ContainsAny(in, "\r\n"):
		writeError(w, http.StatusBadRequest, "input: one caller turn, without newlines")
		return
	case len(in) > 2000:
		writeError(w, http.StatusBadRequest, "input: at most 2000 bytes")
		return
	}
	ts := s.tries.get(p.User.ID, s.opts.Now())
	if ts == nil {
		writeError(w, http.StatusConflict, "no conversation: start one (POST /api/scripts/try)")
		return
	}
	if len(ts.input) >= tryMaxTurns {
		writeError(w, http.StatusConflict, "the conversation has %d caller turns, the most a session keeps: start again", tryMaxTurns)
		return
	}
	if ts.ended != "" {
		writeError(w, http.StatusConflict, "the call has ended (%s): start again", ts.ended)
		return
	}
	next := &trySession{name: ts.name, bot: ts.bot, vars: ts.vars, input: append(ts.input[:len(ts.input):len(ts.input)], in)}
	d, err := next.replay(r.Context())
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", fmt.Errorf("input %q: %w", in, err))
		return
	}
	if d.Done {
		next.ended = orDefault(d.End, "ended")
	}
	s.tries.put(p.User.ID, next, s.opts.Now())
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleTryEnd(w http.ResponseWriter, r *http.Request, p *principal) {
	writeJSON(w, http.StatusOK, map[string]bool{"ended": s.tries.end(p.User.ID)})
}

// sampleValue is a stand-in for a contact field the caller did not give: a number for
// amounts, a date for dates (filters such as currency and date read them), else the
// name in brackets.
func sampleValue(name string, now time.Time) string {
	n := strings.ToLower(name)
	for _, w := range []string{"amount", "balance", "total", "price", "sum", "due_amount"} {
		if strings.Contains(n, w) {
			return "100.00"
		}
	}
	if strings.Contains(n, "date") || strings.HasSuffix(n, "_on") || strings.HasSuffix(n, "_day") {
		return now.AddDate(0, 0, 7).Format(time.DateOnly)
	}
	return "[" + name + "]"
}
