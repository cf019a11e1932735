package dashboard_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/voxdial/voxdial/dashboard"
	"github.com/voxdial/voxdial/store"
	"github.com/voxdial/voxdial/store/storetest"
)

// EnvSkipBrowser=1 lets the browser test skip when node, Chromium or
// playwright-core is missing; CI never sets it.
const EnvSkipBrowser = "VOXDIAL_SKIP_BROWSER"

// TestBrowserUpload drives the embedded UI in headless Chromium
// (playwright-core): log in, create a campaign with the wizard, upload a
// CSV and see its bad rows, start it and see the live event. Screenshots go
// to testdata/e2e/screenshots.
func TestBrowserUpload(t *testing.T) {
	e2e, _ := filepath.Abs("testdata/e2e")
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node (Debian nodejs)"
	} else if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv("CHROMIUM") == "" {
		missing = "/usr/bin/chromium (Debian chromium)"
	} else if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		missing = "playwright-core (npm ci --prefix dashboard/testdata/e2e)"
	}
	if missing != "" {
		if os.Getenv(EnvSkipBrowser) == "1" {
			t.Skip("SKIPPED: " + missing + " is missing")
		}
		t.Fatalf("%s is missing; install it or set %s=1", missing, EnvSkipBrowser)
	}
	db := storetest.OpenSQLite(t)
	scripts := t.TempDir()
	if err := os.WriteFile(filepath.Join(scripts, "reminder.yaml"), []byte(readFile(t, "payment-reminder.en.yaml")), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := dashboard.New(dashboard.Options{Store: db, ScriptDir: scripts, BcryptCost: bcrypt.MinCost, Poll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Run(ctx)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if _, err := dashboard.UserAdd(ctx, db, "mia", store.RoleCollections, password, bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(e2e, "screenshots")
	_ = os.MkdirAll(shots, 0o755)
	csv, _ := filepath.Abs("testdata/contacts.csv")
	cctx, ccancel := context.WithTimeout(ctx, 2*time.Minute)
	defer ccancel()
	out, err := exec.CommandContext(cctx, "node", filepath.Join(e2e, "upload.mjs"), ts.URL, "mia", password, csv, shots).CombinedOutput()
	t.Logf("node: %s", out)
	if err != nil {
		t.Fatalf("browser test: %v", err)
	}
}
