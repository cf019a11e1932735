package campaign

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/store/storetest"
)

// fullFile is a file on a disk that fills up after left bytes: writes past it are cut
// short with ENOSPC, as the kernel does, leaving a truncated file behind.
type fullFile struct {
	*os.File
	left int
}

func (f *fullFile) Write(b []byte) (int, error) {
	if len(b) <= f.left {
		f.left -= len(b)
		return f.File.Write(b)
	}
	n, _ := f.File.Write(b[:f.left])
	f.left = 0
	return n, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
}

// A recording directory that cannot be written (read-only, or a full disk) costs the
// recordings, never the calls: every call is placed, its result has no recording path and
// says why, no truncated file is left behind, and a directory that cannot be written at
// all is reported at start-up.
func TestFaultRecordingDir(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the fault suite runs campaigns")
	}
	t.Parallel()
	for _, tc := range []struct {
		name    string
		create  func(path string) (media.RecordFile, error)
		startup bool   // reported at start-up
		want    string // in each result's recording_error
	}{
		{"read-only", func(path string) (media.RecordFile, error) {
			return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EROFS}
		}, true, "read-only file system"},
		{"full disk, truncated file", func(path string) (media.RecordFile, error) {
			f, err := os.Create(path)
			if err != nil {
				return nil, err
			}
			return &fullFile{File: f, left: 16 << 10}, nil
		}, false, "no space left on device"},
		{"/dev/full", func(string) (media.RecordFile, error) {
			return os.OpenFile("/dev/full", os.O_WRONLY, 0)
		}, true, "no space left on device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const contacts = 10
			db := storetest.OpenPostgres(t)
			b := setupClusterWith(t, "fault-profile", faultProfile, "long.yaml", faultScript)
			c := faultCampaign(t, db, b, contacts, 5, time.Now())
			dir := t.TempDir()
			core, logs := observer.New(zap.WarnLevel)
			gate := newDecisionLog()
			n := b.startNode(t, "node-a", db, NewLocalPacer(nil), gate, TrunkLimits{CPS: 20, Channels: 5}, zap.New(core), nil,
				func(o *RunnerOptions) { o.RecordDir, o.CreateRecording = dir, tc.create })
			waitCompleted(t, db, c.ID, 90*time.Second)
			n.stop(t)

			s := checkSettled(t, db, c, b.far, gate)
			if len(s.calls) != contacts {
				t.Fatalf("%d calls for %d contacts: a recording failure stopped calls", len(s.calls), contacts)
			}
			for _, a := range s.attempts {
				var res struct {
					Outcome        string `json:"outcome"`
					Recording      string `json:"recording"`
					RecordingError string `json:"recording_error"`
				}
				if err := json.Unmarshal(a.Result, &res); err != nil {
					t.Fatal(err)
				}
				if res.Outcome != "answered" || res.Recording != "" || !strings.Contains(res.RecordingError, tc.want) {
					t.Errorf("attempt %d: outcome %s, recording %q, recording_error %q; want answered, none, %q",
						a.ID, res.Outcome, res.Recording, res.RecordingError, tc.want)
				}
			}
			left, _ := filepath.Glob(filepath.Join(dir, "*"))
			if len(left) != 0 {
				t.Errorf("files left in the recording directory: %v", left)
			}
			reported := logs.FilterMessage("recordings cannot be written: calls are placed without them").Len() > 0
			if reported != tc.startup {
				t.Errorf("reported at start-up: %v, want %v", reported, tc.startup)
			}
		})
	}
}
