package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/voicebot"
)

var scriptName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.ya?ml$`)

// Scripts are versioned: PUT /api/scripts/{name} adds an immutable version (its owner or
// an admin only), and a campaign is bound to the version it was created or last updated
// with. Each version is kept in the store and written once to
// <script dir>/.versions/<name>/v<N>-<sha256 prefix>.<ext>, the file the runner loads; a
// later upload under the same name writes a new file and changes no campaign.

// boundScript is a campaign's script resolved: the file the runner loads, and the version
// it is bound to (nil for a built-in asset:NAME).
type boundScript struct {
	path    string
	version *store.ScriptVersion
}

// resolveScript finds a campaign's script: asset:NAME, or a version (0: the newest) of an
// uploaded script. A file of the script directory uploaded before scripts were versioned
// is registered as its first version, without an owner.
func (s *Server) resolveScript(ctx context.Context, name string, version int) (*boundScript, error) {
	switch {
	case name == "":
		return &boundScript{path: "asset:hello.yaml"}, nil
	case strings.HasPrefix(name, "asset:"):
		if version != 0 {
			return nil, fmt.Errorf("%q is built in: it has no versions", name)
		}
		return &boundScript{path: name}, nil
	case s.opts.ScriptDir == "":
		return nil, errors.New("no script directory is configured: use asset:NAME")
	case !scriptName.MatchString(name):
		return nil, fmt.Errorf("%q: want a file name like payment-reminder.yaml", name)
	case version < 0:
		return nil, fmt.Errorf("version %d: want 1 or more (0 or none: the newest)", version)
	}
	v, err := s.db.ScriptVersionGet(ctx, name, version)
	if errors.Is(err, store.ErrNotFound) && version <= 1 {
		// An unversioned file of the script directory becomes version 1.
		src, rerr := voicebot.ReadScript(filepath.Join(s.opts.ScriptDir, name))
		if rerr != nil {
			return nil, fmt.Errorf("%q: no such script (PUT /api/scripts/%s first)", name, name)
		}
		v, err = s.db.ScriptVersionAdd(ctx, &store.ScriptVersionAddParams{Name: name, Source: string(src), By: "script directory", Now: s.opts.Now()})
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%q version %d: no such script version", name, version)
	}
	if err != nil {
		return nil, err
	}
	path, err := s.versionFile(v)
	if err != nil {
		return nil, err
	}
	return &boundScript{path: path, version: v}, nil
}

// versionFile writes a script version to its file (once: the name carries the version and
// a prefix of its SHA-256) and returns the path.
func (s *Server) versionFile(v *store.ScriptVersion) (string, error) {
	dir := filepath.Join(s.opts.ScriptDir, ".versions", v.Name)
	p := filepath.Join(dir, fmt.Sprintf("v%d-%s%s", v.Version, v.SHA256[:12], filepath.Ext(v.Name)))
	if data, err := os.ReadFile(p); err == nil && string(data) == v.Source {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("script directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("save script: %w", err)
	}
	_, err = tmp.WriteString(v.Source)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("save script: %w", err)
	}
	return p, nil
}

// scriptInfo is a script as GET /api/scripts lists it.
type scriptInfo struct {
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	Modified  time.Time `json:"modified"`
	Version   int       `json:"version,omitempty"` // the newest; 0: a file not yet versioned
	SHA256    string    `json:"sha256,omitempty"`
	OwnerID   int64     `json:"owner_id,omitempty"`
	CanChange bool      `json:"can_change"`
}

func (s *Server) handleScriptList(w http.ResponseWriter, r *http.Request, p *principal) {
	out := []scriptInfo{}
	seen := map[string]bool{}
	scripts, err := s.db.ScriptList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	for _, sc := range scripts {
		v, err := s.db.ScriptVersionGet(r.Context(), sc.Name, 0)
		if err != nil {
			continue // registered, no version yet
		}
		seen[sc.Name] = true
		out = append(out, scriptInfo{Name: sc.Name, Size: int64(len(v.Source)), Modified: v.CreatedAt, Version: v.Version,
			SHA256: v.SHA256, OwnerID: sc.OwnerID, CanChange: canChangeScript(p, sc.OwnerID)})
	}
	if s.opts.ScriptDir != "" {
		entries, err := os.ReadDir(s.opts.ScriptDir)
		if err != nil && !os.IsNotExist(err) {
			writeError(w, http.StatusInternalServerError, "script directory: %v", err)
			return
		}
		for _, e := range entries {
			if !scriptName.MatchString(e.Name()) || seen[e.Name()] {
				continue
			}
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
				out = append(out, scriptInfo{Name: e.Name(), Size: fi.Size(), Modified: fi.ModTime().UTC(), CanChange: canChangeScript(p, 0)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, map[string]any{"scripts": out, "builtin": append([]string{"asset:hello.yaml"}, voicebot.AssetScripts()...)})
}

// canChangeScript: an admin changes every script, the other campaign roles their own and
// those nobody owns yet.
func canChangeScript(p *principal, owner int64) bool {
	switch p.User.Role {
	case store.RoleAdmin:
		return true
	case store.RoleMarketing, store.RoleCollections:
		return owner == 0 || owner == p.User.ID
	}
	return false
}

// lintRequest is POST /api/scripts/lint.
type lintRequest struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

func (s *Server) handleScriptLint(w http.ResponseWriter, r *http.Request, p *principal) {
	var req lintRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Name == "" {
		req.Name = "script.yaml"
	}
	writeJSON(w, http.StatusOK, voicebot.LintReport([]byte(req.Source), req.Name, voicebot.LintOptions{}))
}

// scriptPutDoc answers PUT /api/scripts/{name}: the lint report and the version stored.
type scriptPutDoc struct {
	voicebot.Report
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
}

// handleScriptPut adds a version of a script; it must lint clean. Only the script's owner
// (the user who first uploaded it) or an admin may; campaigns stay on their version.
func (s *Server) handleScriptPut(w http.ResponseWriter, r *http.Request, p *principal) {
	name := r.PathValue("name")
	if s.opts.ScriptDir == "" {
		writeError(w, http.StatusConflict, "no script directory is configured (voxdial serve --script-dir)")
		return
	}
	if !scriptName.MatchString(name) {
		writeError(w, http.StatusBadRequest, "%q: want a file name like payment-reminder.yaml", name)
		return
	}
	var req lintRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	rep := voicebot.LintReport([]byte(req.Source), name, voicebot.LintOptions{})
	if !rep.OK {
		writeJSON(w, http.StatusUnprocessableEntity, rep)
		return
	}
	v, err := s.db.ScriptVersionAdd(r.Context(), &store.ScriptVersionAddParams{Name: name, Source: req.Source, UserID: p.User.ID,
		AnyOwner: p.User.Role == store.RoleAdmin, By: p.User.Name, Now: s.opts.Now()})
	if errors.Is(err, store.ErrNotOwner) {
		writeError(w, http.StatusForbidden, "script %q is another user's: upload it under a name of your own", name)
		return
	}
	if err != nil {
		s.storeError(w, err)
		return
	}
	if _, err := s.versionFile(v); err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, scriptPutDoc{Report: rep, Version: v.Version, SHA256: v.SHA256})
}

// chatRequest is POST /api/scripts/chat: a script (inline or by name) and
// the caller's turns (text, "#dtmf 1", "#silence", "#hangup", "#machine").
type chatRequest struct {
	Name   string            `json:"name"`
	Source string            `json:"source"`
	Vars   map[string]string `json:"vars"`
	Input  []string          `json:"input"`
}

func (s *Server) handleScriptChat(w http.ResponseWriter, r *http.Request, p *principal) {
	var req chatRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	src := []byte(req.Source)
	if req.Source == "" {
		if req.Name == "" || strings.HasPrefix(req.Name, "asset:") {
			writeError(w, http.StatusBadRequest, "give source, or the name of an uploaded script")
			return
		}
		bs, err := s.resolveScript(r.Context(), req.Name, 0)
		if err != nil {
			writeError(w, http.StatusBadRequest, "script: %v", err)
			return
		}
		src = []byte(bs.version.Source)
	}
	bot, err := voicebot.ParseBot(src, orDefault(req.Name, "script.yaml"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "script: %v", err)
		return
	}
	for _, line := range req.Input {
		if strings.ContainsAny(line, "\r\n") {
			writeError(w, http.StatusBadRequest, "input: one caller turn per entry, without newlines")
			return
		}
	}
	res, err := voicebot.Chat(r.Context(), bot, strings.NewReader(strings.Join(req.Input, "\n")), voicebot.ChatOptions{Vars: req.Vars})
	if err != nil {
		writeError(w, http.StatusBadRequest, "chat: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
