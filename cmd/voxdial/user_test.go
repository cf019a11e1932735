package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func runUserCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newUserCmd()
	var out, errb bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestUserCmd(t *testing.T) {
	t.Parallel()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "u.db")
	if _, err := runUserCmd(t, "s3cret-password\n", "add", "ana", "--role", "marketing", "--database-url", dbURL); err != nil {
		t.Fatal(err)
	}
	if _, err := runUserCmd(t, "s3cret-password\n", "add", "ana", "--role", "marketing", "--database-url", dbURL); exitCode(err) != exitUsage {
		t.Fatalf("duplicate user: %v", err)
	}
	if _, err := runUserCmd(t, "short\n", "add", "bob", "--role", "manager", "--database-url", dbURL); exitCode(err) != exitUsage {
		t.Fatalf("short password: %v", err)
	}
	if _, err := runUserCmd(t, "long enough pw\n", "add", "bob", "--role", "boss", "--database-url", dbURL); exitCode(err) != exitUsage {
		t.Fatalf("bad role: %v", err)
	}
	out, err := runUserCmd(t, "", "token", "ana", "--name", "crm", "--json", "--database-url", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Secret string `json:"secret"`
	}
	if json.Unmarshal([]byte(out), &tok) != nil || !strings.HasPrefix(tok.Secret, "vxd_") {
		t.Fatalf("token output %q", out)
	}
	if _, err := runUserCmd(t, "", "disable", "ana", "--database-url", dbURL); err != nil {
		t.Fatal(err)
	}
	out, err = runUserCmd(t, "", "list", "--json", "--database-url", dbURL)
	if err != nil || !strings.Contains(out, `"disabled": true`) || strings.Contains(out, "password") {
		t.Fatalf("list = %q %v", out, err)
	}
	if _, err := runUserCmd(t, "", "token", "ana", "--database-url", dbURL); exitCode(err) != exitUsage {
		t.Fatalf("token for a disabled user: %v", err)
	}
	if _, err := runUserCmd(t, "", "disable", "nobody", "--database-url", dbURL); exitCode(err) != exitUsage {
		t.Fatalf("disable nobody: %v", err)
	}
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	if ee, ok := err.(*exitError); ok {
		return ee.code
	}
	return -1
}
