package campaign

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/store"
)

// spoolWrite is one store write of the call path, as it is parked in the spool: exactly
// one of the params is set. Each carries its own holder, so a write parked by a process
// that died is replayed as that holder's by the next one.
type spoolWrite struct {
	AttemptFinish *store.AttemptFinishParams       `json:"attempt_finish,omitempty"`
	Reschedule    *store.ContactRescheduleParams   `json:"reschedule,omitempty"`
	Finish        *store.ContactFinishParams       `json:"finish,omitempty"`
	Release       *store.ContactLeaseReleaseParams `json:"release,omitempty"`
	Event         *store.CallEventAppendParams     `json:"event,omitempty"`
}

// op names the write (logs).
func (w *spoolWrite) op() string {
	switch {
	case w.AttemptFinish != nil:
		return "finish attempt"
	case w.Reschedule != nil:
		return "reschedule contact"
	case w.Finish != nil:
		return "finish contact"
	case w.Release != nil:
		return "release lease"
	case w.Event != nil:
		return "append event " + w.Event.Type
	}
	return "empty write"
}

// contactID is the contact the write is about (0: none).
func (w *spoolWrite) contactID() int64 {
	switch {
	case w.AttemptFinish != nil:
		return w.AttemptFinish.ContactID
	case w.Reschedule != nil:
		return w.Reschedule.ContactID
	case w.Finish != nil:
		return w.Finish.ContactID
	case w.Release != nil && len(w.Release.ContactIDs) == 1:
		return w.Release.ContactIDs[0]
	case w.Event != nil:
		return w.Event.ContactID
	}
	return 0
}

// apply runs the write on the store.
func (w *spoolWrite) apply(ctx context.Context, db *store.DB) error {
	switch {
	case w.AttemptFinish != nil:
		return db.AttemptFinish(ctx, w.AttemptFinish)
	case w.Reschedule != nil:
		return db.ContactReschedule(ctx, w.Reschedule)
	case w.Finish != nil:
		return db.ContactFinish(ctx, w.Finish)
	case w.Release != nil:
		_, err := db.ContactLeaseRelease(ctx, w.Release)
		return err
	case w.Event != nil:
		return db.CallEventAppend(ctx, w.Event)
	}
	return nil
}

// Spool file names in the spool directory: per runner (its holder) a data file and a lock
// file, flock'd while the runner lives; writes the store refused for good are kept beside.
const (
	spoolPrefix  = "spool-"
	spoolSuffix  = ".jsonl"
	lockSuffix   = ".lock"
	rejectedName = "rejected.jsonl"
)

// spool is the runner's local durable queue of store writes that could not be made while
// the store was unavailable: one JSON document per line, appended and fsync'd before the
// worker lets go of the call, replayed in order on start and whenever the store is back.
// With no directory it holds the writes in memory only (a crash loses them).
type spool struct {
	dir    string
	path   string // data file
	log    *zap.Logger
	mu     sync.Mutex
	lock   *os.File // our lock file, flock'd; nil in memory only
	f      *os.File // data file, append-only
	writes []spoolWrite
}

// openSpool opens (creating) the runner's spool in dir and takes over the files of runners
// that are gone (their lock is free): their writes are replayed first, then ours.
func openSpool(dir, holder string, log *zap.Logger) (*spool, error) {
	s := &spool{dir: dir, log: log}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("spool directory: %w", err)
	}
	base := filepath.Join(dir, spoolPrefix+safeName(holder))
	s.path = base + spoolSuffix
	lock, err := flockFile(base + lockSuffix)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", s.path, err)
	}
	s.lock = lock
	names, err := filepath.Glob(filepath.Join(dir, spoolPrefix+"*"+spoolSuffix))
	if err != nil {
		s.close()
		return nil, fmt.Errorf("spool directory: %w", err)
	}
	var taken []string
	var takenLocks []*os.File
	defer func() {
		for _, l := range takenLocks {
			l.Close()
		}
	}()
	read := func(name string) error {
		ws, err := readSpoolFile(name, log)
		if err != nil {
			return fmt.Errorf("spool %s: %w", name, err)
		}
		if len(ws) > 0 && name != s.path {
			log.Warn("replaying store writes parked by an earlier run", zap.String("file", name), zap.Int("writes", len(ws)))
		}
		s.writes = append(s.writes, ws...)
		return nil
	}
	for _, name := range names {
		if name == s.path {
			continue
		}
		l, err := flockFile(strings.TrimSuffix(name, spoolSuffix) + lockSuffix)
		if err != nil {
			continue // a live runner's
		}
		takenLocks = append(takenLocks, l)
		taken = append(taken, name)
		if err := read(name); err != nil {
			s.close()
			return nil, err
		}
	}
	if err := read(s.path); err != nil {
		s.close()
		return nil, err
	}
	// Everything in our file now; then the taken-over files can go.
	if err := s.rewrite(); err != nil {
		s.close()
		return nil, err
	}
	for i, name := range taken {
		_ = os.Remove(name)
		_ = os.Remove(takenLocks[i].Name())
	}
	return s, nil
}

// flockFile opens (creating) path and takes an exclusive flock on it without waiting.
func flockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("in use by another runner: %w", err)
	}
	return f, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == os.PathSeparator || r == 0 {
			return '_'
		}
		return r
	}, s)
}

// readSpoolFile reads a spool file. A torn last line (the process died while appending
// it; the write was then never acknowledged to the call) is dropped. A missing file is empty.
func readSpoolFile(path string, log *zap.Logger) ([]spoolWrite, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []spoolWrite
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var w spoolWrite
		if err := json.Unmarshal(b, &w); err != nil {
			log.Error("spool: unreadable line dropped", zap.String("file", path), zap.Int("line", line), zap.Error(err))
			continue
		}
		out = append(out, w)
	}
	return out, sc.Err()
}

// park appends a write and syncs it to disk before returning.
func (s *spool) park(w spoolWrite) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		b, err := json.Marshal(w)
		if err != nil {
			return fmt.Errorf("spool %s: %w", w.op(), err)
		}
		if _, err := s.f.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
	}
	s.writes = append(s.writes, w)
	return nil
}

// SpooledWrites is how many attempt results wait on local disk for the store (0
// without a data dir): the gauge an operator watches during a store outage.
func (r *Runner) SpooledWrites() int {
	sp := r.spool.Load()
	if sp == nil {
		return 0
	}
	return sp.pending()
}

// pending is how many writes wait for the store.
func (s *spool) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.writes)
}

// contacts are the contacts with a parked write: their leases stay extended until it is in.
func (s *spool) contacts(into map[int64]struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.writes {
		if id := s.writes[i].contactID(); id != 0 {
			into[id] = struct{}{}
		}
	}
}

// replay applies the parked writes in order until one fails because the store is still
// unavailable; writes the store refuses for good (the lease was lost meanwhile, …) are
// logged and kept in rejected.jsonl. It returns how many were applied and how many remain.
func (s *spool) replay(ctx context.Context, db *store.DB) (applied, left int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.writes) == 0 {
		return 0, 0, nil
	}
	done := 0
	for done < len(s.writes) {
		w := &s.writes[done]
		werr := w.apply(ctx, db)
		if werr != nil && (errors.Is(werr, store.ErrUnavailable) || ctx.Err() != nil) {
			err = werr
			break
		}
		if werr != nil {
			s.log.Error("parked store write refused: kept in "+rejectedName, zap.String("op", w.op()),
				zap.Int64("contact_id", w.contactID()), zap.Error(werr))
			s.reject(*w)
		} else {
			applied++
		}
		done++
	}
	if done > 0 {
		s.writes = append(s.writes[:0], s.writes[done:]...)
		if rerr := s.rewrite(); rerr != nil && err == nil {
			err = rerr
		}
	}
	return applied, len(s.writes), err
}

// reject keeps a write the store refused for good, for an operator to look at.
func (s *spool) reject(w spoolWrite) {
	if s.dir == "" {
		return
	}
	b, _ := json.Marshal(w)
	f, err := os.OpenFile(filepath.Join(s.dir, rejectedName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		s.log.Error("spool: keep rejected write", zap.Error(err))
		return
	}
	_, _ = f.Write(append(b, '\n'))
	_ = f.Sync()
	f.Close()
}

// rewrite replaces the data file with the writes still parked: a temporary file, synced,
// renamed over it (atomic), the directory synced. Caller holds mu (or owns s alone).
func (s *spool) rewrite() error {
	if s.lock == nil {
		return nil
	}
	var buf bytes.Buffer
	for i := range s.writes {
		b, err := json.Marshal(&s.writes[i])
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	tmp := s.path + ".tmp"
	if err := writeSynced(tmp, buf.Bytes()); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if d, err := os.Open(s.dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if s.f != nil {
		s.f.Close()
	}
	s.f = f
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// close lets go of the files (and the lock); an empty spool is removed.
func (s *spool) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	if s.lock == nil {
		return
	}
	if len(s.writes) == 0 {
		_ = os.Remove(s.path)
		_ = os.Remove(s.lock.Name())
	}
	s.lock.Close()
	s.lock = nil
}
