package tts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/speech/verbal"
)

// Stream starts synthesising req in the background and returns a media.Source that
// plays the audio as it arrives. ReadFrame never blocks: before the first chunk (and on
// any underrun) it returns (0, nil), which the session sends as silence. A synthesis
// error is returned by the ReadFrame that reaches it. Cancel ctx to stop the synthesis
// of an abandoned prompt (barge-in).
func Stream(ctx context.Context, s Synthesizer, req Request) *StreamSource {
	if req.Rate == 0 {
		req.Rate = media.SampleRate
	}
	src := &StreamSource{ready: make(chan struct{})}
	go func() {
		err := s.Synthesize(ctx, req, func(pcm []int16) error {
			src.mu.Lock()
			src.buf = append(src.buf, pcm...)
			first := !src.started
			src.started = true
			src.mu.Unlock()
			if first {
				close(src.ready)
			}
			return ctx.Err()
		})
		src.mu.Lock()
		src.done, src.err = true, err
		started := src.started
		src.started = true
		src.mu.Unlock()
		if !started {
			close(src.ready)
		}
	}()
	return src
}

// StreamSource is the media.Source returned by Stream.
type StreamSource struct {
	mu      sync.Mutex
	buf     []int16
	pos     int
	started bool
	done    bool
	err     error
	ready   chan struct{} // closed at the first chunk or at the end
}

// Ready is closed when the first audio (or the end of synthesis) is available.
func (s *StreamSource) Ready() <-chan struct{} { return s.ready }

// ReadFrame implements media.Source.
func (s *StreamSource) ReadFrame(dst []int16) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	avail := len(s.buf) - s.pos
	if avail < len(dst) && !s.done {
		return 0, nil // underrun: wait for a whole frame rather than play a fragment
	}
	n := copy(dst, s.buf[s.pos:])
	s.pos += n
	if s.pos >= 32*1024 { // drop played audio now and then; the buffer stays small
		s.buf = append(s.buf[:0], s.buf[s.pos:]...)
		s.pos = 0
	}
	if s.done && s.pos == len(s.buf) {
		if s.err != nil {
			return n, s.err
		}
		return n, io.EOF
	}
	return n, nil
}

// RenderOptions are per-call inputs of Cache.Render.
type RenderOptions struct {
	Voice  string
	Speed  float64
	Locale verbal.Locale     // for filters; "" means en-US
	Vars   map[string]string // the call's variables (contact fields)
}

// Render plays a template for one call: static segments from the cache (synthesised now
// on a miss), variable segments verbalised through their filter and synthesised in the
// background as soon as Render is called, so they are usually ready before playback
// reaches them. A variable missing from Vars is ErrMissingVariable, a filter failure
// is returned as is (verbal.ErrBadValue, verbal.ErrUnknownFilter); both before any audio.
func (c *Cache) Render(ctx context.Context, t *Template, opts RenderOptions) (media.Source, error) {
	loc := opts.Locale
	if loc == "" {
		loc = verbal.EnUS
	}
	parts := make([]media.Source, 0, len(t.Segments))
	type pending struct {
		i   int
		req Request
	}
	var static []pending
	for _, seg := range t.Segments {
		if seg.Var == "" {
			txt := strings.TrimSpace(seg.Text)
			if txt == "" || strings.Trim(txt, ".,;:!?。，；：！？ ") == "" {
				continue // punctuation alone between two variables: nothing to say
			}
			req := Request{Text: txt, Voice: opts.Voice, Speed: opts.Speed}
			if p, ok := c.Lookup(c.KeyFor(req)); ok {
				parts = append(parts, p.Source())
				continue
			}
			static = append(static, pending{len(parts), req})
			parts = append(parts, nil)
			continue
		}
		val, ok := opts.Vars[seg.Var]
		if !ok {
			return nil, fmt.Errorf("render {{%s}}: %w", seg.Var, ErrMissingVariable)
		}
		text, err := verbal.Filter(loc, seg.Filter, val)
		if err != nil {
			return nil, fmt.Errorf("render {{%s | %s}}: %w", seg.Var, seg.Filter, err)
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		parts = append(parts, Stream(ctx, c.synth, Request{Text: text, Voice: opts.Voice, Speed: opts.Speed, Rate: c.rate}))
	}
	// Static misses (a prompt the campaign did not warm) synthesise through the cache
	// in the background, so the next call hits.
	for _, p := range static {
		lazy := &lazyPrompt{ready: make(chan struct{})}
		go func() {
			pr, err := c.Get(ctx, p.req)
			lazy.mu.Lock()
			lazy.err = err
			if err == nil {
				lazy.src = pr.Source()
			}
			lazy.mu.Unlock()
			close(lazy.ready)
		}()
		parts[p.i] = lazy
	}
	return Sequence(parts...), nil
}

// lazyPrompt plays a prompt that is still being synthesised into the cache.
type lazyPrompt struct {
	mu    sync.Mutex
	ready chan struct{}
	src   media.Source
	err   error
}

func (l *lazyPrompt) ReadFrame(dst []int16) (int, error) {
	select {
	case <-l.ready:
	default:
		return 0, nil
	}
	l.mu.Lock()
	src, err := l.src, l.err
	l.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return src.ReadFrame(dst)
}

// Sequence plays sources one after another, filling each frame across a boundary when
// the next part has audio ready, so parts join without a gap. Its ReadFrame never
// blocks beyond what the parts do and allocates nothing.
func Sequence(parts ...media.Source) media.Source { return &seqSource{parts: parts} }

type seqSource struct {
	parts []media.Source
	cur   int
}

func (s *seqSource) ReadFrame(dst []int16) (int, error) {
	n := 0
	for n < len(dst) && s.cur < len(s.parts) {
		k, err := s.parts[s.cur].ReadFrame(dst[n:])
		n += k
		if errors.Is(err, io.EOF) {
			s.cur++
			continue
		}
		if err != nil {
			return n, err
		}
		if k == 0 {
			break // underrun in this part: play what we have
		}
	}
	if s.cur >= len(s.parts) {
		return n, io.EOF
	}
	return n, nil
}
