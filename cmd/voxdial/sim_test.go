package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/spf13/cobra"
)

// runSimCLI runs `voxdial sim ...` in-process like run does, registering the
// sim command on the root if main.go does not (yet).
func runSimCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	if !hasCommand(root, "sim") {
		root.AddCommand(newSimCmd())
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	_, _ = io.WriteString(stderr, "voxdial: "+err.Error()+"\n") // best effort, as fmt.Fprint to a terminal
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}

func hasCommand(root *cobra.Command, name string) bool {
	for _, c := range root.Commands() {
		if c.Name() == name {
			return true
		}
	}
	return false
}

func TestSimBadProfileExits2(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(p, []byte("behaviours:\n  a:\n    kind: busy\n    colour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := runSimCLI(context.Background(), []string{"sim", "--listen", "127.0.0.1:0", "--profile", p}, &out, &errb)
	if code != exitUsage {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "bad.yaml:4") || !strings.Contains(errb.String(), "colour") {
		t.Fatalf("message does not name file, line and field: %s", errb.String())
	}
	if out.Len() != 0 {
		t.Fatalf("stdout not empty: %q", out.String())
	}
}

func TestSimPrintProfile(t *testing.T) {
	var out, errb strings.Builder
	if code := runSimCLI(context.Background(), []string{"sim", "--print-profile"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "behaviours:") {
		t.Fatalf("no profile printed: %s", out.String())
	}
}

func TestSimJSONLines(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		code := runSimCLI(runCtx, []string{"sim", "--listen", "127.0.0.1:0", "--json"}, pw, &errb)
		pw.Close()
		done <- code
	}()
	lines := bufio.NewScanner(pr)
	next := func() map[string]any {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stdout ended; stderr: %s", errb.String())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q", lines.Text())
		}
		return m
	}
	first := next()
	if first["event"] != "listening" {
		t.Fatalf("first line %v", first)
	}
	addr := first["sip"].(string)

	// One busy call (default profile: +15550100002 → 486).
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := sip.ParseAddr(addr)
	dua := sipgo.DialogUA{Client: client, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "t", Host: "127.0.0.1"}}}
	req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "+15550100002", Host: host, Port: port})
	req.SetTransport("TCP") // a stream: no socket of ours outlives the test
	dlg, err := dua.WriteInvite(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var de *sipgo.ErrDialogResponse
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); !errors.As(err, &de) || de.Res.StatusCode != 486 {
		t.Fatalf("want 486, got %v", err)
	}

	call := next()
	if call["event"] != "call" || call["final_status"] != float64(486) || call["behaviour"] != "busy" {
		t.Fatalf("call line %v", call)
	}
	stop()
	sum := next()
	if sum["event"] != "summary" || sum["calls"] != float64(1) {
		t.Fatalf("summary line %v", sum)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "listening on "+addr) {
		t.Fatalf("stderr lacks the address: %s", errb.String())
	}
}
