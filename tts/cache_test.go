package tts

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/speech/verbal"
)

// toneSynth is a deterministic fake engine: a tone whose length grows with the text, so
// cache tests do not depend on flite's timing or its run-to-run variation.
type toneSynth struct {
	calls atomic.Int64
	delay time.Duration
	fail  error
}

func (s *toneSynth) Name() string { return "tone" }

func (s *toneSynth) Synthesize(ctx context.Context, req Request, emit func([]int16) error) error {
	req, err := req.normalize()
	if err != nil {
		return err
	}
	if req.Voice != "" && req.Voice != "a" {
		return ErrUnknownVoice
	}
	s.calls.Add(1)
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.fail != nil {
		return s.fail
	}
	n := len(req.Text) * req.Rate / 100 // 10 ms per byte
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(req.Rate)))
	}
	for len(pcm) > 0 {
		k := min(len(pcm), 777)
		if err := emit(pcm[:k]); err != nil {
			return err
		}
		pcm = pcm[k:]
	}
	return nil
}

func readAll(t testing.TB, src media.Source) []int16 {
	t.Helper()
	var out []int16
	frame := make([]int16, media.FrameSamples)
	for i := 0; i < 100000; i++ {
		n, err := src.ReadFrame(frame)
		out = append(out, frame[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read frame: %v", err)
		}
		if n == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	t.Fatal("source never ended")
	return nil
}

func TestCacheHitMissAndSingleflight(t *testing.T) {
	t.Parallel()
	synth := &toneSynth{delay: 20 * time.Millisecond}
	c, err := NewCache(CacheOptions{Synthesizer: synth})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Get(context.Background(), Request{Text: "hello there"})
			if err != nil || p.Frames() == 0 {
				t.Errorf("get: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := synth.calls.Load(); n != 1 {
		t.Fatalf("16 concurrent misses synthesised %d times, want 1", n)
	}
	p, err := c.Get(context.Background(), Request{Text: "  hello there "})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Duration(), 110*time.Millisecond; got != want {
		t.Errorf("duration %v want %v", got, want)
	}
	if p.Frames() != 6 { // 110 ms → 5.5 frames, padded
		t.Errorf("frames %d", p.Frames())
	}
	pcm := readAll(t, p.Source())
	if len(pcm) != 880 {
		t.Errorf("decoded %d samples, want 880", len(pcm))
	}
	st := c.Stats()
	if st.Syntheses != 1 || st.Prompts != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCacheEvictionByBytes(t *testing.T) {
	t.Parallel()
	synth := &toneSynth{}
	// Each 100-byte text is 1 s of PCMU: 8,000 bytes + overhead; room for three.
	c, err := NewCache(CacheOptions{Synthesizer: synth, MaxBytes: 3 * 8400})
	if err != nil {
		t.Fatal(err)
	}
	text := func(i int) string {
		b := make([]byte, 100)
		for j := range b {
			b[j] = byte('a' + i)
		}
		return string(b)
	}
	ctx := context.Background()
	for i := range 3 {
		if _, err := c.Get(ctx, Request{Text: text(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Touch 0 so 1 is the least recently used, then add 3.
	if _, ok := c.Lookup(c.KeyFor(Request{Text: text(0)})); !ok {
		t.Fatal("0 not cached")
	}
	if _, err := c.Get(ctx, Request{Text: text(3)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Lookup(c.KeyFor(Request{Text: text(1)})); ok {
		t.Error("1 should have been evicted")
	}
	for _, i := range []int{0, 2, 3} {
		if _, ok := c.Lookup(c.KeyFor(Request{Text: text(i)})); !ok {
			t.Errorf("%d evicted", i)
		}
	}
	st := c.Stats()
	if st.Evictions != 1 || st.Bytes > 3*8400 {
		t.Errorf("stats %+v", st)
	}
}

func TestCachePersistence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	synth := &toneSynth{}
	c1, err := NewCache(CacheOptions{Synthesizer: synth, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p1, err := c1.Get(ctx, Request{Text: "persist me"})
	if err != nil {
		t.Fatal(err)
	}
	// A second cache (a restart) over the same directory finds it without synthesising.
	c2, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir})
	p2, err := c2.Get(ctx, Request{Text: "persist me"})
	if err != nil {
		t.Fatal(err)
	}
	if synth.calls.Load() != 1 || c2.Stats().DiskHits != 1 {
		t.Fatalf("calls %d, stats %+v", synth.calls.Load(), c2.Stats())
	}
	if string(p1.data) != string(p2.data) || p1.samples != p2.samples {
		t.Fatal("persisted prompt differs")
	}
	// A different codec is a different key.
	c3, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir, Codec: CodecPCMA})
	if _, ok := c3.Lookup(c3.KeyFor(Request{Text: "persist me"})); ok {
		t.Fatal("PCMA cache found a PCMU prompt")
	}
	// Corrupt the file: the cache discards it and synthesises again.
	files, _ := filepath.Glob(filepath.Join(dir, "*.vxp"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	data, _ := os.ReadFile(files[0])
	data[len(data)/2] ^= 0xFF
	if err := os.WriteFile(files[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	c4, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir})
	if _, err := c4.Get(ctx, Request{Text: "persist me"}); err != nil {
		t.Fatal(err)
	}
	if synth.calls.Load() != 2 {
		t.Fatalf("corrupt file was used: calls %d", synth.calls.Load())
	}
}

func TestCacheBadInput(t *testing.T) {
	t.Parallel()
	if _, err := NewCache(CacheOptions{}); err == nil {
		t.Error("no synthesizer accepted")
	}
	if _, err := NewCache(CacheOptions{Synthesizer: &toneSynth{}, Codec: "opus"}); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("opus: %v", err)
	}
	if _, err := NewCache(CacheOptions{Synthesizer: &toneSynth{}, Codec: CodecPCMU, Rate: 16000}); !errors.Is(err, ErrUnsupportedRate) {
		t.Errorf("PCMU at 16k: %v", err)
	}
	c, _ := NewCache(CacheOptions{Synthesizer: &toneSynth{}})
	if _, err := c.Get(context.Background(), Request{Text: " "}); !errors.Is(err, ErrEmptyText) {
		t.Errorf("empty: %v", err)
	}
	if _, err := c.Get(context.Background(), Request{Text: "x", Voice: "zz"}); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("voice: %v", err)
	}
	// A failed synthesis is not cached.
	s := &toneSynth{fail: ErrEngine}
	c, _ = NewCache(CacheOptions{Synthesizer: s})
	for range 2 {
		if _, err := c.Get(context.Background(), Request{Text: "x"}); !errors.Is(err, ErrEngine) {
			t.Errorf("fail: %v", err)
		}
	}
	if s.calls.Load() != 2 {
		t.Errorf("failure cached: %d calls", s.calls.Load())
	}
}

func TestCacheWarm(t *testing.T) {
	t.Parallel()
	synth := &toneSynth{delay: 5 * time.Millisecond}
	c, _ := NewCache(CacheOptions{Synthesizer: synth, WarmParallelism: 3})
	reqs := []Request{{Text: "one"}, {Text: "two"}, {Text: "three"}, {Text: "one"}, {Text: "four"}}
	if err := c.Warm(context.Background(), reqs); err != nil {
		t.Fatal(err)
	}
	if synth.calls.Load() != 4 || c.Stats().Prompts != 4 {
		t.Errorf("calls %d stats %+v", synth.calls.Load(), c.Stats())
	}
	err := c.Warm(context.Background(), []Request{{Text: "ok"}, {Text: ""}})
	if !errors.Is(err, ErrEmptyText) {
		t.Errorf("warm with a bad prompt: %v", err)
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	tm, err := ParseTemplate("Thanks. Your payment of {{amount | currency}} is due on {{ due_date|date }}. {{disclosure}} Bye.")
	if err != nil {
		t.Fatal(err)
	}
	want := []Segment{{Text: "Thanks. Your payment of "}, {Var: "amount", Filter: "currency"}, {Text: " is due on "},
		{Var: "due_date", Filter: "date"}, {Text: ". "}, {Var: "disclosure"}, {Text: " Bye."}}
	if len(tm.Segments) != len(want) {
		t.Fatalf("segments %+v", tm.Segments)
	}
	for i := range want {
		if tm.Segments[i] != want[i] {
			t.Errorf("%d: %+v want %+v", i, tm.Segments[i], want[i])
		}
	}
	b := tm.Bind(map[string]string{"disclosure": "This call is recorded."})
	if got := b.Static(); len(got) != 3 || got[2] != ". This call is recorded. Bye." {
		t.Errorf("bound static %q", got)
	}
	if got := b.Vars(); len(got) != 2 || got[1] != "due_date" {
		t.Errorf("vars %q", got)
	}
	for _, bad := range []string{"{{", "a {{b", "{{}}", "{{ | date}}", "x }} y", "{{a b}}", "{{a | b | c}}", "{{a {{b}} }}"} {
		if _, err := ParseTemplate(bad); !errors.Is(err, ErrBadTemplate) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	synth := &toneSynth{}
	c, _ := NewCache(CacheOptions{Synthesizer: synth})
	tm, _ := ParseTemplate("Your payment of {{amount | currency}} is due on {{due_date | date}}.")
	ctx := context.Background()
	if err := c.Warm(ctx, []Request{{Text: "Your payment of"}, {Text: "is due on"}}); err != nil {
		t.Fatal(err)
	}
	src, err := c.Render(ctx, tm, RenderOptions{Vars: map[string]string{"amount": "125.50", "due_date": "2026-03-15"}})
	if err != nil {
		t.Fatal(err)
	}
	pcm := readAll(t, src)
	// Tone length is 10 ms per byte of each part's text (the trailing "." is skipped).
	parts := []string{"Your payment of", "one hundred twenty-five dollars and fifty cents", "is due on", "March fifteenth, twenty twenty-six"}
	want := 0
	for _, p := range parts {
		want += len(p) * 80
	}
	if len(pcm) < want || len(pcm) > want+len(parts)*media.FrameSamples {
		t.Errorf("rendered %d samples, want about %d", len(pcm), want)
	}
	if synth.calls.Load() != 4 {
		t.Errorf("%d syntheses, want 2 static + 2 variable", synth.calls.Load())
	}
	if _, err := c.Render(ctx, tm, RenderOptions{Vars: map[string]string{"amount": "1"}}); !errors.Is(err, ErrMissingVariable) {
		t.Errorf("missing var: %v", err)
	}
	if _, err := c.Render(ctx, tm, RenderOptions{Vars: map[string]string{"amount": "lots", "due_date": "2026-03-15"}}); !errors.Is(err, verbal.ErrBadValue) {
		t.Errorf("bad amount: %v", err)
	}
	// An unwarmed static part still plays (synthesised lazily, then cached).
	tm2, _ := ParseTemplate("Hello {{name}}, goodbye.")
	src, err = c.Render(ctx, tm2, RenderOptions{Vars: map[string]string{"name": "Ada"}})
	if err != nil {
		t.Fatal(err)
	}
	if pcm := readAll(t, src); len(pcm) < (len("Hello")+len("Ada")+len(", goodbye."))*80 {
		t.Errorf("lazy render: %d samples", len(pcm))
	}
	if _, ok := c.Lookup(c.KeyFor(Request{Text: "Hello"})); !ok {
		t.Error("lazily synthesised static part not cached")
	}
}

func TestStreamSourceError(t *testing.T) {
	t.Parallel()
	src := Stream(context.Background(), &toneSynth{fail: ErrEngine}, Request{Text: "x"})
	<-src.Ready()
	frame := make([]int16, media.FrameSamples)
	var err error
	for range 10 {
		if _, err = src.ReadFrame(frame); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrEngine) {
		t.Fatalf("got %v", err)
	}
}

func TestPromptSourceAndEncoded(t *testing.T) {
	t.Parallel()
	pcm := make([]int16, 400)
	for i := range pcm {
		pcm[i] = int16(i * 50)
	}
	for _, codec := range []string{CodecPCMU, CodecPCMA, CodecL16} {
		p, err := newPrompt(Key{Codec: codec, Rate: 8000}, pcm)
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, p.Source())
		if len(got) != 400 {
			t.Fatalf("%s: %d samples", codec, len(got))
		}
		if codec == CodecL16 && got[399] != pcm[399] {
			t.Errorf("L16 not lossless")
		}
		es := p.EncodedSource()
		buf := make([]byte, 320)
		frames := 0
		for {
			_, err := es.ReadEncoded(buf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			frames++
		}
		if frames != 3 {
			t.Errorf("%s: %d encoded frames", codec, frames)
		}
	}
}

// BenchmarkCacheHitFirstFrame is the ≤ 1 ms budget for a cached prompt: look it up,
// open a source and decode the first 20 ms frame.
func BenchmarkCacheHitFirstFrame(b *testing.B) {
	c, _ := NewCache(CacheOptions{Synthesizer: &toneSynth{}})
	ctx := context.Background()
	req := Request{Text: "Hello, this is Acme Finance calling. This is an automated call, on a recorded line."}
	if _, err := c.Get(ctx, req); err != nil {
		b.Fatal(err)
	}
	frame := make([]int16, media.FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		p, err := c.Get(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := p.Source().ReadFrame(frame); n != media.FrameSamples {
			b.Fatal("short frame")
		}
	}
}

// BenchmarkCacheDiskHitFirstFrame: the same after a restart, from the file.
func BenchmarkCacheDiskHitFirstFrame(b *testing.B) {
	dir := b.TempDir()
	synth := &toneSynth{}
	c, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir})
	ctx := context.Background()
	req := Request{Text: "Hello, this is Acme Finance calling. This is an automated call, on a recorded line."}
	if _, err := c.Get(ctx, req); err != nil {
		b.Fatal(err)
	}
	frame := make([]int16, media.FrameSamples)
	for b.Loop() {
		c2, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir})
		p, err := c2.Get(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := p.Source().ReadFrame(frame); n != media.FrameSamples {
			b.Fatal("short frame")
		}
	}
}

// TestCacheDiskBound: the directory stays under MaxDiskBytes, the least recently used
// file goes first, and recency (a disk hit) survives a restart.
func TestCacheDiskBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	synth := &toneSynth{}
	texts := []string{"prompt a", "prompt b", "prompt c", "prompt d", "prompt e"}
	fileOf := map[string]string{}
	probe, err := NewCache(CacheOptions{Synthesizer: synth, Dir: dir, MaxDiskBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range texts {
		fileOf[s] = probe.path(probe.KeyFor(Request{Text: s}))
	}
	if _, err := probe.Get(ctx, Request{Text: texts[0]}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(fileOf[texts[0]])
	if err != nil {
		t.Fatal(err)
	}
	size := info.Size() // every text has the same length, so every file this size
	bound := 3 * size

	c1, err := NewCache(CacheOptions{Synthesizer: synth, Dir: dir, MaxDiskBytes: bound})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range texts[1:3] {
		if _, err := c1.Get(ctx, Request{Text: s}); err != nil {
			t.Fatal(err)
		}
	}
	// Pin the ages (a coarse file-system clock must not decide the order): a oldest.
	now := time.Now()
	for i, s := range texts[:3] {
		at := now.Add(time.Duration(i-10) * time.Second)
		if err := os.Chtimes(fileOf[s], at, at); err != nil {
			t.Fatal(err)
		}
	}
	// Restart; reading a from disk makes it the most recent, so b is now the oldest.
	c2, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir, MaxDiskBytes: bound})
	if _, ok := c2.Lookup(c2.KeyFor(Request{Text: texts[0]})); !ok {
		t.Fatal("a not found on disk")
	}
	// Restart again and add d: the bound (3 files) evicts b, not a.
	c3, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir, MaxDiskBytes: bound})
	if st := c3.Stats(); st.DiskPrompts != 3 || st.DiskBytes != bound {
		t.Fatalf("reopened index %+v, want 3 files, %d bytes", st, bound)
	}
	if _, err := c3.Get(ctx, Request{Text: texts[3]}); err != nil {
		t.Fatal(err)
	}
	exists := func(s string) bool { _, err := os.Stat(fileOf[s]); return err == nil }
	for _, tc := range []struct {
		text string
		want bool
	}{{texts[0], true}, {texts[1], false}, {texts[2], true}, {texts[3], true}} {
		if got := exists(tc.text); got != tc.want {
			t.Errorf("after adding d: %q on disk = %v, want %v", tc.text, got, tc.want)
		}
	}
	if st := c3.Stats(); st.DiskEvictions != 1 || st.DiskBytes > bound {
		t.Errorf("stats %+v", st)
	}
	// A smaller bound at start-up shrinks the directory to the newest file (d). Pin d's age:
	// the kernel stamps a new file from its coarse clock, which can lag the precise time
	// a's read stamped on it by a few milliseconds.
	if at := time.Now().Add(time.Second); os.Chtimes(fileOf[texts[3]], at, at) != nil {
		t.Fatal("pin d's age")
	}
	c4, _ := NewCache(CacheOptions{Synthesizer: synth, Dir: dir, MaxDiskBytes: size})
	files, _ := filepath.Glob(filepath.Join(dir, "*.vxp"))
	if len(files) != 1 || files[0] != fileOf[texts[3]] || c4.Stats().DiskBytes != size {
		t.Errorf("after shrinking: files %v, stats %+v", files, c4.Stats())
	}
	// An evicted prompt is synthesised again on demand, and the bound still holds.
	calls := synth.calls.Load()
	if _, err := c4.Get(ctx, Request{Text: texts[1]}); err != nil {
		t.Fatal(err)
	}
	if synth.calls.Load() != calls+1 {
		t.Error("evicted prompt was not synthesised again")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.vxp")); len(files) != 1 {
		t.Errorf("files %v, want 1", files)
	}
}

// TestCacheDiskTempFiles: a new cache removes temporary files left by a crash mid-write,
// but not young ones that another process may still be writing.
func TestCacheDiskTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old, young := filepath.Join(dir, ".prompt-123"), filepath.Join(dir, ".prompt-456")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if _, err := NewCache(CacheOptions{Synthesizer: &toneSynth{}, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temp file kept: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("young temp file removed: %v", err)
	}
}

// OnSynthesize sees every synthesis a miss costs, with its time and error, and nothing
// for hits.
func TestCacheOnSynthesize(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []time.Duration
	var errs int
	synth := &toneSynth{delay: 15 * time.Millisecond}
	c, err := NewCache(CacheOptions{Synthesizer: synth, OnSynthesize: func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, d)
		if err != nil {
			errs++
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"one", "two", "one", "one"} {
		if _, err := c.Get(context.Background(), Request{Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	synth.fail = errors.New("engine down")
	if _, err := c.Get(context.Background(), Request{Text: "three"}); err == nil {
		t.Fatal("a failed synthesis was not reported")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || errs != 1 {
		t.Fatalf("observed %d syntheses (%d failed), want 3 (1 failed)", len(seen), errs)
	}
	for _, d := range seen {
		if d < 15*time.Millisecond {
			t.Errorf("synthesis time %v, shorter than the engine's delay", d)
		}
	}
}
