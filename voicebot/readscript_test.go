package voicebot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadScriptBound: a script file over 1 MiB is refused after reading
// 1 MiB of it, with an error naming the file, by every loader.
func TestReadScriptBound(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("states:\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(300 << 20); err != nil { // sparse: 300 MB that cost no disk
		t.Fatal(err)
	}
	f.Close()
	edge := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(edge, []byte("#"+strings.Repeat("x", MaxScriptBytes)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{huge, edge} {
		want := "script " + p + ": larger than 1 MiB"
		if _, err := ReadScript(p); !errors.Is(err, ErrScriptTooLarge) || err.Error() != want {
			t.Errorf("ReadScript(%s) = %v, want %q", p, err, want)
		}
		if _, err := LoadScript(p); !errors.Is(err, ErrScriptTooLarge) {
			t.Errorf("LoadScript(%s) = %v", p, err)
		}
		if _, err := LoadBot(p); !errors.Is(err, ErrScriptTooLarge) {
			t.Errorf("LoadBot(%s) = %v", p, err)
		}
	}
	ok := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(ok, []byte(strings.Repeat("#\n", MaxScriptBytes/2)), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadScript(ok); err != nil || len(data) != MaxScriptBytes {
		t.Errorf("a script of exactly 1 MiB: %d bytes, %v", len(data), err)
	}
}
