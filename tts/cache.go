package tts

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// CacheOptions configures NewCache; zero values take the defaults.
type CacheOptions struct {
	Synthesizer Synthesizer // required
	// MaxBytes bounds the prompts held in memory (LRU by bytes); 0 means 64 MiB, which
	// is ~70 minutes of G.711 audio.
	MaxBytes int64
	// Dir persists every prompt as one file; "" keeps prompts in memory only.
	Dir string
	// MaxDiskBytes bounds the files in Dir: when a new prompt would exceed it, the least
	// recently used files go first. Recency survives restarts: it is the files'
	// modification time, which a disk hit refreshes. 0 means 1 GiB (~18 hours of G.711
	// audio); negative means no bound.
	MaxDiskBytes int64
	// Codec and Rate of cached frames; "" / 0 mean PCMU at 8 kHz.
	Codec string
	Rate  int
	// WarmParallelism bounds concurrent syntheses in Warm; 0 means 2.
	WarmParallelism int
	Logger          *zap.Logger
	// OnSynthesize, when set, gets the time of every synthesis the cache had to do
	// (a miss; hits cost nothing) and its error (metrics).
	OnSynthesize func(d time.Duration, err error)
}

// CacheStats are cumulative counters.
type CacheStats struct {
	Hits, DiskHits, Misses, Evictions, Syntheses int64
	Bytes                                        int64 // in memory now
	Prompts                                      int   // in memory now
	DiskEvictions                                int64
	DiskBytes                                    int64 // in Dir now
	DiskPrompts                                  int   // in Dir now
}

// Cache holds synthesised prompts as pre-encoded frames. Safe for concurrent use.
type Cache struct {
	synth    Synthesizer
	maxBytes int64
	dir      string
	codec    string
	rate     int
	par      int
	log      *zap.Logger

	mu      sync.Mutex
	lru     *list.List // of *Prompt, most recent at the front
	entries map[Key]*list.Element
	bytes   int64
	flights map[Key]*flight

	disk *diskIndex // nil without Dir

	hits, diskHits, misses, evictions, syntheses, diskEvictions atomic.Int64
	onSynth                                                     func(time.Duration, error)
}

type flight struct {
	done chan struct{}
	p    *Prompt
	err  error
}

// NewCache validates opts and creates Dir if needed.
func NewCache(opts CacheOptions) (*Cache, error) {
	if opts.Synthesizer == nil {
		return nil, errors.New("tts: new cache: Synthesizer is required")
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.Codec == "" {
		opts.Codec = CodecPCMU
	}
	if opts.Rate == 0 {
		opts.Rate = 8000
	}
	if opts.WarmParallelism <= 0 {
		opts.WarmParallelism = 2
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if _, _, err := frameGeometry(opts.Codec, opts.Rate); err != nil {
		return nil, fmt.Errorf("new cache: %w", err)
	}
	if opts.MaxDiskBytes == 0 {
		opts.MaxDiskBytes = 1 << 30
	}
	c := &Cache{
		synth: opts.Synthesizer, maxBytes: opts.MaxBytes, dir: opts.Dir, codec: opts.Codec,
		rate: opts.Rate, par: opts.WarmParallelism, log: opts.Logger, onSynth: opts.OnSynthesize,
		lru: list.New(), entries: make(map[Key]*list.Element), flights: make(map[Key]*flight),
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("new cache: %w", err)
		}
		d, err := openDiskIndex(opts.Dir, opts.MaxDiskBytes)
		if err != nil {
			return nil, fmt.Errorf("new cache: %w", err)
		}
		c.disk = d
		// A directory over its bound (a smaller limit than last run's) shrinks now.
		c.diskEvict("")
	}
	return c, nil
}

// KeyFor is the cache key of req in this cache's engine, codec and rate.
func (c *Cache) KeyFor(req Request) Key {
	return Key{Engine: c.synth.Name(), Voice: req.Voice, Text: req.Text, Codec: c.codec, Rate: c.rate, Speed: req.Speed}.normalized()
}

// Lookup returns a cached prompt from memory or disk without synthesising.
func (c *Cache) Lookup(key Key) (*Prompt, bool) {
	key = key.normalized()
	if p := c.memGet(key); p != nil {
		c.hits.Add(1)
		return p, true
	}
	if p := c.diskGet(key); p != nil {
		c.diskHits.Add(1)
		c.memPut(p)
		return p, true
	}
	return nil, false
}

// Get returns req's prompt, synthesising it on a miss (once, however many calls ask at
// the same time) and storing it in memory and on disk.
func (c *Cache) Get(ctx context.Context, req Request) (*Prompt, error) {
	norm, err := req.normalize()
	if err != nil {
		return nil, fmt.Errorf("prompt cache: %w", err)
	}
	req.Text = norm.Text
	key := c.KeyFor(req)
	if p, ok := c.Lookup(key); ok {
		return p, nil
	}
	c.mu.Lock()
	if f := c.flights[key]; f != nil {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.p, f.err
		case <-ctx.Done():
			return nil, fmt.Errorf("prompt cache: %w", ctx.Err())
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[key] = f
	c.mu.Unlock()

	c.misses.Add(1)
	f.p, f.err = c.synthesize(ctx, key, req)
	c.mu.Lock()
	delete(c.flights, key)
	c.mu.Unlock()
	close(f.done)
	return f.p, f.err
}

func (c *Cache) synthesize(ctx context.Context, key Key, req Request) (*Prompt, error) {
	c.syntheses.Add(1)
	req.Rate = c.rate
	var pcm []int16
	start := time.Now()
	err := c.synth.Synthesize(ctx, req, func(chunk []int16) error {
		pcm = append(pcm, chunk...)
		return nil
	})
	if c.onSynth != nil {
		c.onSynth(time.Since(start), err)
	}
	if err != nil {
		return nil, fmt.Errorf("prompt cache: %w", err)
	}
	p, err := newPrompt(key, pcm)
	if err != nil {
		return nil, fmt.Errorf("prompt cache: %w", err)
	}
	c.memPut(p)
	if c.dir != "" {
		if err := c.diskPut(p); err != nil {
			// The prompt still plays from memory; the next process synthesises again.
			c.log.Warn("persist prompt", zap.String("text", key.Text), zap.Error(err))
		}
	}
	return p, nil
}

// Warm synthesises every request not already cached, a few at a time, so a campaign's
// static prompts are ready before the first call. It stops at the first error.
func (c *Cache) Warm(ctx context.Context, reqs []Request) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, c.par)
	var wg sync.WaitGroup
	for _, r := range reqs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := c.Get(ctx, r); err != nil {
				cancel(fmt.Errorf("warm %q: %w", r.Text, err))
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// Stats returns the counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	b, n := c.bytes, c.lru.Len()
	c.mu.Unlock()
	st := CacheStats{Hits: c.hits.Load(), DiskHits: c.diskHits.Load(), Misses: c.misses.Load(),
		Evictions: c.evictions.Load(), Syntheses: c.syntheses.Load(), Bytes: b, Prompts: n,
		DiskEvictions: c.diskEvictions.Load()}
	if c.disk != nil {
		st.DiskBytes, st.DiskPrompts = c.disk.usage()
	}
	return st
}

func (c *Cache) memGet(key Key) *Prompt {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil {
		return nil
	}
	c.lru.MoveToFront(e)
	return e.Value.(*Prompt)
}

func (c *Cache) memPut(p *Prompt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[p.Key]; e != nil {
		c.lru.MoveToFront(e)
		return
	}
	size := int64(p.Size())
	if size > c.maxBytes {
		return // larger than the whole budget: serve it, do not keep it
	}
	c.entries[p.Key] = c.lru.PushFront(p)
	c.bytes += size
	for c.bytes > c.maxBytes {
		last := c.lru.Back()
		old := last.Value.(*Prompt)
		c.lru.Remove(last)
		delete(c.entries, old.Key)
		c.bytes -= int64(old.Size())
		c.evictions.Add(1)
	}
}

// On-disk format, one file per prompt, named by the SHA-256 of the canonical key:
//
//	magic "VXP1" | u32 key length | key | u32 frame bytes | u32 samples | u32 data length | data | u32 CRC-32 (IEEE) of everything before
//
// The key is stored in full so that a hash collision or a foreign file is detected, and
// the CRC catches truncated writes (files are also written to a temp name and renamed).
var promptMagic = []byte("VXP1")

func (c *Cache) path(key Key) string {
	sum := sha256.Sum256([]byte(key.canonical()))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:16])+".vxp")
}

func (c *Cache) diskPut(p *Prompt) error {
	var b bytes.Buffer
	canon := p.Key.canonical()
	b.Write(promptMagic)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(canon)))
	b.WriteString(canon)
	_ = binary.Write(&b, binary.LittleEndian, [3]uint32{uint32(p.frameBytes), uint32(p.samples), uint32(len(p.data))})
	b.Write(p.data)
	_ = binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	final := c.path(p.Key)
	tmp, err := os.CreateTemp(c.dir, ".prompt-*")
	if err != nil {
		return fmt.Errorf("write prompt: %w", err)
	}
	_, werr := tmp.Write(b.Bytes())
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write prompt %s: %w", final, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write prompt: %w", err)
	}
	name := filepath.Base(final)
	c.disk.add(name, int64(b.Len()))
	c.diskEvict(name)
	return nil
}

// diskEvict removes least recently used files until the directory fits its bound,
// never keep (the file just written: a prompt larger than the whole bound is kept
// until the next one arrives rather than written and deleted at once).
func (c *Cache) diskEvict(keep string) {
	for _, name := range c.disk.overflow(keep) {
		err := os.Remove(filepath.Join(c.dir, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.log.Warn("evict prompt file", zap.String("file", name), zap.Error(err))
			continue
		}
		c.diskEvictions.Add(1)
	}
}

func (c *Cache) diskGet(key Key) *Prompt {
	if c.dir == "" {
		return nil
	}
	path := c.path(key)
	data, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.log.Warn("read prompt", zap.String("path", path), zap.Error(err))
		}
		return nil
	}
	p, err := decodePrompt(data, key)
	if err != nil {
		c.log.Warn("discard cached prompt", zap.String("path", path), zap.Error(err))
		os.Remove(path)
		c.disk.remove(filepath.Base(path))
		return nil
	}
	c.disk.touch(filepath.Base(path), int64(len(data)))
	return p
}

// errBadPromptFile marks a cache file that does not hold the expected prompt.
var errBadPromptFile = errors.New("bad prompt file")

func decodePrompt(data []byte, key Key) (*Prompt, error) {
	if len(data) < len(promptMagic)+4+12+4 || !bytes.Equal(data[:4], promptMagic) {
		return nil, errBadPromptFile
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("checksum: %w", errBadPromptFile)
	}
	r := body[4:]
	klen := int(binary.LittleEndian.Uint32(r))
	r = r[4:]
	if klen > len(r) || string(r[:klen]) != key.canonical() {
		return nil, fmt.Errorf("key mismatch: %w", errBadPromptFile)
	}
	r = r[klen:]
	if len(r) < 12 {
		return nil, errBadPromptFile
	}
	fb := int(binary.LittleEndian.Uint32(r))
	samples := int(binary.LittleEndian.Uint32(r[4:]))
	dlen := int(binary.LittleEndian.Uint32(r[8:]))
	r = r[12:]
	_, wantFB, err := frameGeometry(key.Codec, key.Rate)
	if err != nil || fb != wantFB || dlen != len(r) || dlen%fb != 0 || samples > dlen/fb*(key.Rate/50) {
		return nil, fmt.Errorf("geometry: %w", errBadPromptFile)
	}
	return &Prompt{Key: key, frameBytes: fb, samples: samples, data: bytes.Clone(r)}, nil
}
