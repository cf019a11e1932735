package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testOnlyPackage reports why a package must not be linked into the shipped binary: the
// module's test helpers (a path element ending in "test", such as store/storetest,
// sim/simtest, internal/redistest, internal/sipptest, or internal/testclock) and the
// standard library's testing packages. "" means it may be linked.
func testOnlyPackage(module, path string) string {
	switch {
	case path == "testing" || strings.HasPrefix(path, "testing/") || path == "net/http/httptest":
		return "a standard-library testing package"
	case path != module && !strings.HasPrefix(path, module+"/"):
		return "" // other modules' and the standard library's own internals (internal/synctest is the runtime's)
	}
	for _, el := range strings.Split(strings.TrimPrefix(path, module), "/") {
		if strings.HasSuffix(el, "test") || el == "testclock" || el == "testutil" {
			return "a test helper of this module"
		}
	}
	return ""
}

func TestTestOnlyPackage(t *testing.T) {
	const mod = "github.com/voxdial/voxdial"
	for _, tc := range []struct {
		path string
		bad  bool
	}{
		{mod + "/store/storetest", true},
		{mod + "/sim/simtest", true},
		{mod + "/internal/redistest", true},
		{mod + "/internal/sipptest", true},
		{mod + "/asr/asrtest", true},
		{mod + "/internal/testclock", true},
		{mod + "/internal/testclock/sub", true},
		{"testing", true},
		{"testing/iotest", true},
		{"net/http/httptest", true},
		{mod + "/internal/bench", false},
		{mod + "/asr/evalset", false},
		{mod + "/compliance/compliancebench", false},
		{mod + "/sim", false},
		{"internal/synctest", false},
		{"github.com/other/thingtest", false},
	} {
		if got := testOnlyPackage(mod, tc.path) != ""; got != tc.bad {
			t.Errorf("testOnlyPackage(%q) = %v, want %v", tc.path, got, tc.bad)
		}
	}
}

// The shipped binary links no test helper: a benchmark or a command that needs a test
// helper's code needs it moved to a package of its own (as asr/evalset, the recognition
// test set, and compliance/compliancebench, the gate's bench world). Checked with and
// without cgo, whose builds pick different files.
func TestBinaryLinksNoTestHelpers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the whole dependency graph")
	}
	// The test binary runs where it was built (under go test), so the build's root is
	// this machine's toolchain.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go") //nolint:staticcheck // see above
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	modOut, err := exec.Command(goBin, "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	module := strings.TrimSpace(string(modOut))
	for _, cgo := range []string{"1", "0"} {
		cmd := exec.Command(goBin, "list", "-deps", ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("CGO_ENABLED=%s go list -deps .: %v\n%s", cgo, err, stderr)
		}
		pkgs := strings.Fields(string(out))
		if len(pkgs) < 50 {
			t.Fatalf("CGO_ENABLED=%s: only %d packages listed: %s", cgo, len(pkgs), out)
		}
		for _, p := range pkgs {
			if why := testOnlyPackage(module, p); why != "" {
				t.Errorf("CGO_ENABLED=%s: cmd/voxdial links %s, %s; the binary must not (go list -deps ./cmd/voxdial)", cgo, p, why)
			}
		}
	}
}
