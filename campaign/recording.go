package campaign

import (
	"fmt"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/media"
)

// createRecording is the runner's recording file seam (RunnerOptions.CreateRecording).
func (r *Runner) createRecording(path string) (media.RecordFile, error) {
	if r.opts.CreateRecording != nil {
		return r.opts.CreateRecording(path)
	}
	return os.Create(path)
}

// CheckRecordDir tells whether recordings can be written into dir: it creates, writes and
// removes a probe file there through create (nil: os.Create).
func CheckRecordDir(dir string, create func(path string) (media.RecordFile, error)) error {
	if create == nil {
		create = func(path string) (media.RecordFile, error) { return os.Create(path) }
	}
	path := filepath.Join(dir, ".voxdial-write-check")
	f, err := create(path)
	if err != nil {
		return fmt.Errorf("recording directory %s is not writable: %w", dir, err)
	}
	_, werr := f.Write(make([]byte, 4096))
	cerr := f.Close()
	_ = os.Remove(path)
	if werr != nil || cerr != nil {
		return fmt.Errorf("recording directory %s: cannot write: %w", dir, firstErr(werr, cerr))
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// checkRecordDir reports at start-up a recording directory that cannot be written. Calls
// are placed anyway, without recordings; each call's result says why it has none.
func (r *Runner) checkRecordDir() {
	if r.opts.RecordDir == "" {
		return
	}
	if err := CheckRecordDir(r.opts.RecordDir, r.createRecording); err != nil {
		r.log.Error("recordings cannot be written: calls are placed without them", zap.Error(err))
	}
}
