package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/voxdial/voxdial/voicebot"
)

var scriptName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.ya?ml$`)

// scriptPath resolves a campaign's script: asset:NAME, or a file of the
// script directory (by base name only).
func (s *Server) scriptPath(name string) (string, error) {
	switch {
	case name == "":
		return "asset:hello.yaml", nil
	case strings.HasPrefix(name, "asset:"):
		return name, nil
	case s.opts.ScriptDir == "":
		return "", errors.New("no script directory is configured: use asset:NAME")
	case !scriptName.MatchString(name):
		return "", fmt.Errorf("%q: want a file name like payment-reminder.yaml", name)
	}
	p := filepath.Join(s.opts.ScriptDir, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%q: not in the script directory (PUT /api/scripts/%s first)", name, name)
	}
	return p, nil
}

type scriptInfo struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
}

func (s *Server) handleScriptList(w http.ResponseWriter, r *http.Request, p *principal) {
	out := []scriptInfo{}
	if s.opts.ScriptDir != "" {
		entries, err := os.ReadDir(s.opts.ScriptDir)
		if err != nil && !os.IsNotExist(err) {
			writeError(w, http.StatusInternalServerError, "script directory: %v", err)
			return
		}
		for _, e := range entries {
			if !scriptName.MatchString(e.Name()) {
				continue
			}
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
				out = append(out, scriptInfo{Name: e.Name(), Size: fi.Size(), Modified: fi.ModTime().UTC()})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, map[string]any{"scripts": out, "builtin": []string{"asset:hello.yaml"}})
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

// handleScriptPut uploads a script into the script directory; it must lint clean.
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
	if err := os.MkdirAll(s.opts.ScriptDir, 0o755); err != nil {
		writeError(w, http.StatusInternalServerError, "script directory: %v", err)
		return
	}
	tmp := filepath.Join(s.opts.ScriptDir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(req.Source), 0o644); err == nil {
		err = os.Rename(tmp, filepath.Join(s.opts.ScriptDir, name))
		if err != nil {
			writeError(w, http.StatusInternalServerError, "save script: %v", err)
			return
		}
	} else {
		writeError(w, http.StatusInternalServerError, "save script: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
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
		path, err := s.scriptPath(req.Name)
		if err != nil || strings.HasPrefix(path, "asset:") {
			writeError(w, http.StatusBadRequest, "give source, or the name of an uploaded script")
			return
		}
		if src, err = voicebot.ReadScript(path); err != nil {
			writeError(w, http.StatusBadRequest, "script: %v", err)
			return
		}
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
