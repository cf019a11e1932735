package tts

import (
	"container/list"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// diskIndex tracks the prompt files of a cache directory in least-recently-used order
// so that the directory can be held under a byte bound. The order is persisted as the
// files' modification times (refreshed on every disk hit), so a restart rebuilds it
// by sorting the directory listing; no separate index file can go stale. Safe for
// concurrent use.
type diskIndex struct {
	dir      string
	maxBytes int64 // < 0: no bound

	mu    sync.Mutex
	lru   *list.List // of *diskFile, most recent at the front
	files map[string]*list.Element
	bytes int64
}

type diskFile struct {
	name string
	size int64
}

// staleTemp is how old a ".prompt-*" temporary file must be before a new cache removes
// it: younger ones may belong to another process writing into the same directory.
const staleTemp = time.Hour

func openDiskIndex(dir string, maxBytes int64) (*diskIndex, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("prompt directory: %w", err)
	}
	type found struct {
		name  string
		size  int64
		mtime time.Time
	}
	var all []found
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		switch {
		case strings.HasSuffix(e.Name(), ".vxp"):
			all = append(all, found{e.Name(), info.Size(), info.ModTime()})
		case strings.HasPrefix(e.Name(), ".prompt-") && time.Since(info.ModTime()) > staleTemp:
			os.Remove(filepath.Join(dir, e.Name())) // left by a crash mid-write
		}
	}
	// Oldest first, so pushing each to the front leaves the newest there.
	sort.Slice(all, func(i, j int) bool {
		if !all[i].mtime.Equal(all[j].mtime) {
			return all[i].mtime.Before(all[j].mtime)
		}
		return all[i].name < all[j].name
	})
	d := &diskIndex{dir: dir, maxBytes: maxBytes, lru: list.New(), files: make(map[string]*list.Element, len(all))}
	for _, f := range all {
		d.files[f.name] = d.lru.PushFront(&diskFile{f.name, f.size})
		d.bytes += f.size
	}
	return d, nil
}

// add records a file just written (or rewritten) as the most recent.
func (d *diskIndex) add(name string, size int64) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.files[name]; e != nil {
		f := e.Value.(*diskFile)
		d.bytes += size - f.size
		f.size = size
		d.lru.MoveToFront(e)
		return
	}
	d.files[name] = d.lru.PushFront(&diskFile{name, size})
	d.bytes += size
}

// touch marks a file read from disk as the most recent, in memory and in its
// modification time (which is what the next process sorts by). A file unknown to the
// index (written by another process sharing the directory) joins it.
func (d *diskIndex) touch(name string, size int64) {
	if d == nil {
		return
	}
	d.add(name, size)
	now := time.Now()
	_ = os.Chtimes(filepath.Join(d.dir, name), now, now) // best effort: only the order suffers
}

func (d *diskIndex) remove(name string) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.files[name]; e != nil {
		d.bytes -= e.Value.(*diskFile).size
		d.lru.Remove(e)
		delete(d.files, name)
	}
}

// overflow drops least recently used files from the index until it fits the bound and
// returns their names for the caller to delete; keep is never chosen.
func (d *diskIndex) overflow(keep string) []string {
	if d == nil || d.maxBytes < 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for e := d.lru.Back(); e != nil && d.bytes > d.maxBytes; {
		prev := e.Prev()
		f := e.Value.(*diskFile)
		if f.name != keep {
			d.lru.Remove(e)
			delete(d.files, f.name)
			d.bytes -= f.size
			out = append(out, f.name)
		}
		e = prev
	}
	return out
}

func (d *diskIndex) usage() (int64, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bytes, d.lru.Len()
}
