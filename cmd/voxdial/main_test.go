package main

import (
	"os"
	"testing"

	"github.com/voxdial/voxdial/store/storetest"
)

// envRunMain makes the test binary run voxdial's main instead of the tests:
// tests start real `voxdial …` child processes from it (serve_kill_test.go).
const envRunMain = "VOXDIAL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		main()
		return
	}
	os.Exit(storetest.Main(m))
}

// pgTestURL is a fresh PostgreSQL database for one test.
func pgTestURL(t *testing.T) string { return storetest.PostgresURL(t) }
