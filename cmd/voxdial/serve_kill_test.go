package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voxdial/voxdial/sim"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// The far end for the kill test: everyone answers and stays silent; a call
// the dialer abandons (its node died) ends after max_duration, shorter than
// the lease, so that the contact is free at the simulator before its lease
// can return.
const killProfile = `
defaults: {end_of_speech: 200ms, max_wait: 1s, max_duration: 3s}
behaviours:
  person: {kind: person, answer_after: 50ms, turns: [{silence: 5s}], after_turns: wait}
routes:
  - {match: '.*', behaviour: person}
`

const killScript = `name: short
max_call: 10s
steps:
  - listen: 1500ms
  - hangup: true
`

// startServe starts `voxdial serve` as a real child process (this test
// binary running main).
func startServe(t *testing.T, logName string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	logf, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("%s log:\n%s", logName, b)
		}
	})
	return cmd
}

// TestServeNodeKilledMidCampaign: a `voxdial serve` child process is killed
// (SIGKILL) in the middle of a campaign, with calls up. Its leases return
// only after they expire, a second `voxdial serve` finishes the campaign,
// every contact ends final, and the attempts account one for one for the
// calls the simulator saw.
func TestServeNodeKilledMidCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the kill test runs two serve processes for ~30 s")
	}
	t.Parallel()
	const contacts, leaseFor = 120, 6 * time.Second
	url := storetest.PostgresURL(t)
	far := simtest.Start(t, "kill-profile", killProfile)

	dir := t.TempDir()
	script := filepath.Join(dir, "short.yaml")
	cfg := filepath.Join(dir, "voxdial.yaml")
	csvPath := filepath.Join(dir, "contacts.csv")
	var csv strings.Builder
	csv.WriteString("phone,first_name\n")
	for i := 0; i < contacts; i++ {
		fmt.Fprintf(&csv, "+1415555%04d,N%d\n", i, i)
	}
	for path, data := range map[string]string{
		script:  killScript,
		cfg:     fmt.Sprintf("sip: {listen: 127.0.0.1:0}\ntrunks:\n  - {name: sim, uri: 'sip:%s'}\nlog: {level: warn}\n", far.Addr()),
		csvPath: csv.String(),
	} {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := []string{"--database-url", url}
	if code, _, _ := runCLI(t, append([]string{"campaign", "create", "kill", "--script", script, "--trunk", "sim",
		"--max-concurrent", "12", "--max-attempts", "3", "--retry", `{"outcomes":{"lost":"100ms"}}`, "--json"}, db...)...); code != 0 {
		t.Fatalf("campaign create: exit %d", code)
	}
	code, out, _ := runCLI(t, append([]string{"campaign", "import", "kill", csvPath, "--json"}, db...)...)
	var imp struct{ Imported, Rejected int }
	if code != 0 || json.Unmarshal([]byte(out), &imp) != nil || imp.Imported != contacts {
		t.Fatalf("campaign import: exit %d, %s", code, out)
	}
	if code, _, _ := runCLI(t, append([]string{"campaign", "start", "kill"}, db...)...); code != 0 {
		t.Fatalf("campaign start: exit %d", code)
	}

	serveArgs := append([]string{"--config", cfg, "--no-compliance-gate", "--lease-for", leaseFor.String(),
		"--rescue-every", "300ms", "--max-calls", "12", "--data-dir", filepath.Join(dir, "data")}, db...)
	nodeA := startServe(t, "node-a.log", serveArgs...)
	// Kill A once it has placed a good part of the campaign and has calls up.
	deadline := time.Now().Add(90 * time.Second)
	for {
		calls, active := far.Calls(), 0
		for _, c := range calls {
			if c.Active {
				active++
			}
		}
		if len(calls) >= contacts/3 && active >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node A placed %d calls (%d up) in 90 s", len(calls), active)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := nodeA.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = nodeA.Wait()
	killedAt := time.Now()
	callsAtKill := len(far.Calls())

	nodeB := startServe(t, "node-b.log", serveArgs...)
	var res struct {
		State    string
		Contacts int
		Final    int
		Attempts int
		Outcomes map[string]int
	}
	for deadline := time.Now().Add(3 * time.Minute); ; {
		code, out, _ := runCLI(t, append([]string{"campaign", "results", "kill", "--json"}, db...)...)
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("campaign results: exit %d: %s", code, out)
		}
		if res.State == store.CampaignCompleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign not completed 3 minutes after the kill: %+v", res)
		}
		time.Sleep(250 * time.Millisecond)
	}
	// B drains on SIGTERM and exits 0.
	if err := nodeB.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := nodeB.Wait(); err != nil {
		t.Fatalf("node B after SIGTERM: %v", err)
	}
	if res.Contacts != contacts || res.Final != contacts {
		t.Fatalf("results %+v: want all %d contacts final", res, contacts)
	}

	// The attempts against the simulator's calls.
	sdb, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	c, err := sdb.CampaignGet(context.Background(), &store.CampaignGetParams{Name: "kill"})
	if err != nil {
		t.Fatal(err)
	}
	var atts []*store.Attempt
	for after := int64(0); ; {
		page, err := sdb.AttemptList(context.Background(), &store.AttemptListParams{CampaignID: c.ID, AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		atts = append(atts, page...)
		after = page[len(page)-1].ID
	}
	calls := far.Calls()
	byCallID := map[string]sim.CallRecord{}
	for _, cr := range calls {
		if _, dup := byCallID[cr.CallID]; dup {
			t.Fatalf("Call-ID %s twice at the simulator", cr.CallID)
		}
		byCallID[cr.CallID] = cr
	}
	holders := map[string]bool{}
	done, lostPlaced, lostNever := 0, 0, 0
	lostNumbers := map[string]bool{}
	var deadHolder string
	for _, a := range atts {
		holders[a.Holder] = true
		_, placed := byCallID[a.CallID]
		switch a.State {
		case store.AttemptDone:
			done++
			if !placed {
				t.Fatalf("attempt %d (%s) done but never reached the simulator", a.ID, a.CallID)
			}
		case store.AttemptLost:
			if deadHolder != "" && a.Holder != deadHolder {
				t.Fatalf("lost attempts from two holders: %s and %s", deadHolder, a.Holder)
			}
			deadHolder = a.Holder
			lostNumbers[a.Phone[1:]] = true
			if placed {
				lostPlaced++
			} else {
				lostNever++
			}
		default:
			t.Fatalf("attempt left open: %+v", a)
		}
	}
	if len(holders) != 2 || lostPlaced == 0 {
		t.Fatalf("holders %v, %d lost attempts that had reached the simulator: want two nodes and calls cut by the kill", holders, lostPlaced)
	}
	// Attempts = calls seen by the simulator, one for one.
	if done+lostPlaced != len(calls) {
		t.Fatalf("%d done + %d lost-in-call attempts, simulator saw %d calls", done, lostPlaced, len(calls))
	}
	// The dead node's contacts came back only after their leases expired
	// (the last extension was at most leaseFor/3 before the kill), and no
	// number was ever in two calls at once.
	byNumber := map[string][]sim.CallRecord{}
	for _, cr := range calls {
		byNumber[cr.To] = append(byNumber[cr.To], cr)
	}
	earliest := killedAt.Add(leaseFor - leaseFor/3 - 500*time.Millisecond)
	for num, crs := range byNumber {
		sort.Slice(crs, func(i, j int) bool { return crs[i].StartedAt.Before(crs[j].StartedAt) })
		for i := 1; i < len(crs); i++ {
			if crs[i].StartedAt.Before(crs[i-1].EndedAt) {
				t.Fatalf("%s in two calls at once: %s-%s and %s", num, crs[i-1].StartedAt, crs[i-1].EndedAt, crs[i].StartedAt)
			}
		}
		if lostNumbers[num] {
			for _, cr := range crs {
				if cr.StartedAt.After(killedAt) && cr.StartedAt.Before(earliest) {
					t.Fatalf("%s redialled %s after the kill, before its lease could expire", num, cr.StartedAt.Sub(killedAt))
				}
			}
		}
	}
	t.Logf("killed node A after %d calls; %d attempts done, %d lost in a call, %d lost before the INVITE; %d calls in all; outcomes %v",
		callsAtKill, done, lostPlaced, lostNever, len(calls), res.Outcomes)
}
