package repocheck

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// forbidden are the references to paths outside the repository. They are built from
// pieces so that this file does not match itself.
var forbidden = []string{
	"../" + "shared",
	"shared/" + "DESIGN",
	"shared/" + "notes/",
	"shared/" + "examples/",
	"shared/" + "contracts/",
	"notes/" + "measured-facts",
	"notes/" + "compliance-rules",
	"notes/" + "style-by-example",
	// The same documents cited by bare name.
	"DESIGN" + ".md",
	"compliance-rules" + ".md",
	"contracts/" + "compliance-check",
}

// skipDirs are never walked: git's own data, npm installs and build output.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "bin": true}

// hit is one forbidden reference at a line of a file.
type hit struct {
	line int
	ref  string
}

// scan returns the forbidden references in data, one per line at most. It reports
// ok=false for binary data (a NUL byte in the first 8 KiB), which is not checked.
func scan(data []byte) (hits []hit, ok bool) {
	head := data
	if len(head) > 8<<10 {
		head = head[:8<<10]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		for _, ref := range forbidden {
			if strings.Contains(line, ref) {
				hits = append(hits, hit{n, ref})
				break
			}
		}
	}
	return hits, true
}

func TestScan(t *testing.T) {
	for _, tc := range []struct {
		name  string
		data  string
		lines []int
		text  bool
	}{
		{"clean", "package x\n// see docs/design.md\n", nil, true},
		{"relative link", "intro\nSee [design](../" + "shared/" + "DESIGN" + ".md).\n", []int{2}, true},
		{"notes path", "// measured (notes/" + "measured-facts.md)\n", []int{1}, true},
		{"each line once", "a ../" + "shared/" + "notes/x ../" + "shared/y\nb\nc shared/" + "examples/z\n", []int{1, 3}, true},
		{"no final newline", "x\n../" + "shared", []int{2}, true},
		{"bare name", "// (compliance-rules" + ".md §3)\n", []int{1}, true},
		{"binary", "RIFF\x00\x00../" + "shared", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits, text := scan([]byte(tc.data))
			if text != tc.text {
				t.Fatalf("text = %v, want %v", text, tc.text)
			}
			var lines []int
			for _, h := range hits {
				lines = append(lines, h.line)
			}
			if len(lines) != len(tc.lines) {
				t.Fatalf("hits on lines %v, want %v", lines, tc.lines)
			}
			for i := range lines {
				if lines[i] != tc.lines[i] {
					t.Fatalf("hits on lines %v, want %v", lines, tc.lines)
				}
			}
		})
	}
}

// repoRoot is the module root: two directories above this file, where go.mod is.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller: no file")
	}
	root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s: %v", root, err)
	}
	return root
}

// repoFiles lists the repository's files relative to root: what git tracks plus new files
// it does not ignore (so that a reference is caught before it is committed), or, outside
// a git checkout, every file under root. Directories in skipDirs are left out either way.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	keep := func(rel string) bool {
		for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
			if skipDirs[part] {
				return false
			}
		}
		return true
	}
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	if list, err := cmd.Output(); err == nil {
		for _, rel := range strings.Split(string(list), "\x00") {
			if rel != "" && keep(rel) {
				out = append(out, filepath.FromSlash(rel))
			}
		}
		return out
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we walked (another package's test output)
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path != root && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && keep(rel) {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return out
}

// TestNoReferencesOutsideRepository fails for every line of a text file in the repository
// that points at a path outside it. Write the thing in docs/ and link that instead.
func TestNoReferencesOutsideRepository(t *testing.T) {
	root := repoRoot(t)
	texts := 0
	for _, rel := range repoFiles(t, root) {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, or removed since it was listed
		}
		if err != nil {
			t.Fatalf("read %s: %v", rel, err)
		}
		hits, text := scan(data)
		if !text {
			continue
		}
		texts++
		for _, h := range hits {
			t.Errorf("%s:%d: refers to %q, a path outside the repository; describe it in docs/ and link that", rel, h.line, h.ref)
		}
	}
	// The check must have seen the repository, not an empty directory.
	if texts < 50 {
		t.Fatalf("only %d text files under %s: the root is wrong", texts, root)
	}
}
