package tts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/voxdial/voxdial/media"
)

func newHTTPPair(t *testing.T, h http.Handler, opts HTTPOptions) *HTTP {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL
	c, err := NewHTTP(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHTTPAgainstFliteServer runs the client against NewHTTPHandler over flite: the
// protocol end to end with a real engine behind it.
func TestHTTPAgainstFliteServer(t *testing.T) {
	t.Parallel()
	c := newHTTPPair(t, NewHTTPHandler(newFlite(t), nil), HTTPOptions{})
	for _, rate := range []int{8000, 16000} {
		pcm := synthAll(t, c, Request{Text: "Thank you. We will call you back tomorrow.", Rate: rate, Voice: "kal"})
		if d := time.Duration(len(pcm)) * time.Second / time.Duration(rate); d < time.Second || media.RMS(pcm) < 300 {
			t.Errorf("%d Hz: %v of audio, RMS %.0f", rate, d, media.RMS(pcm))
		}
	}
	cases := []struct {
		req  Request
		want error
	}{
		{Request{Text: "hi", Voice: "nobody"}, ErrUnknownVoice},
		{Request{Text: "hi", Rate: 11025}, ErrUnsupportedRate},
		{Request{Text: ""}, ErrEmptyText},
	}
	for _, cs := range cases {
		err := c.Synthesize(context.Background(), cs.req, func([]int16) error { return nil })
		if !errors.Is(err, cs.want) {
			t.Errorf("%+v: got %v want %v", cs.req, err, cs.want)
		}
	}
	// The server validates too (a client that skips normalisation).
	resp, err := http.Post(c.base+httpSynthesizePath, "application/json", strings.NewReader(`{"text":"  ","sample_rate":8000}`))
	if err != nil {
		t.Fatal(err)
	}
	var he httpError
	if err := json.NewDecoder(resp.Body).Decode(&he); err != nil {
		t.Errorf("server's error body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || he.Error.Code != "empty_text" {
		t.Errorf("server: %d %+v", resp.StatusCode, he)
	}
}

func TestHTTPSlowAndBrokenServers(t *testing.T) {
	t.Parallel()
	audioHeader := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "audio/x-s16le; rate=8000")
		w.WriteHeader(200)
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"stalls before headers", func(w http.ResponseWriter, r *http.Request) {
			// Reading the body to EOF lets the server notice the client leaving.
			_, _ = io.Copy(io.Discard, r.Body) // a failed read ends the same way: the client left
			<-r.Context().Done()
		}, "no response within"},
		{"stalls after headers", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // a failed read ends the same way: the client left
			audioHeader(w)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, "no audio within"},
		{"aborts mid-stream", func(w http.ResponseWriter, r *http.Request) {
			audioHeader(w)
			w.Write(make([]byte, 3200))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, "body"},
		{"wrong rate", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/x-s16le; rate=16000")
			w.Write(make([]byte, 320))
		}, "server sent 16000 Hz"},
		{"wrong type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>"))
		}, "content type"},
		{"odd byte count", func(w http.ResponseWriter, r *http.Request) {
			audioHeader(w)
			w.Write(make([]byte, 321))
		}, "odd byte count"},
		{"empty body", func(w http.ResponseWriter, r *http.Request) { audioHeader(w) }, "empty audio"},
		{"500 without JSON", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, "status 500"},
		{"503 overloaded", func(w http.ResponseWriter, r *http.Request) {
			writeHTTPError(w, 503, "overloaded", "busy")
		}, "overloaded"},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			t.Parallel()
			// Only the stalling servers need the short first-byte timeout; the others
			// must not trip it on a loaded machine.
			fbt := 5 * time.Second
			if strings.HasPrefix(cs.name, "stalls") {
				fbt = 200 * time.Millisecond
			}
			c := newHTTPPair(t, cs.handler, HTTPOptions{FirstByteTimeout: fbt, Timeout: 10 * time.Second})
			start := time.Now()
			err := c.Synthesize(context.Background(), Request{Text: "hello"}, func([]int16) error { return nil })
			if !errors.Is(err, ErrEngine) || !strings.Contains(err.Error(), cs.want) {
				t.Fatalf("got %v, want ErrEngine with %q", err, cs.want)
			}
			if time.Since(start) > 8*time.Second { // a timeout fired, not the 10 s one
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestHTTPStreamsBeforeTheEnd(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/x-s16le; rate=8000")
		w.Write(make([]byte, 1600))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Write(make([]byte, 1600))
	})
	c := newHTTPPair(t, h, HTTPOptions{})
	got := make(chan int, 8)
	done := make(chan error, 1)
	go func() {
		done <- c.Synthesize(context.Background(), Request{Text: "x"}, func(p []int16) error {
			got <- len(p)
			return nil
		})
	}()
	select {
	case n := <-got:
		if n != 800 {
			t.Errorf("first chunk %d samples", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("first chunk not delivered before the body ended")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestESpeak(t *testing.T) {
	t.Parallel()
	e, err := NewESpeak(ESpeakOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pcm := synthAll(t, e, Request{Text: "-n not a flag. Call me later.", Rate: 8000})
	if d := time.Duration(len(pcm)) * time.Second / 8000; d < time.Second || media.RMS(pcm) < 300 {
		t.Errorf("%v, RMS %.0f", d, media.RMS(pcm))
	}
	zh := synthAll(t, e, Request{Text: "ni3 hao3, zhe4 li3 shi4 an1 ke3 jin1 rong2.", Voice: "cmn-latn-pinyin", Rate: 16000})
	if len(zh) < 16000 {
		t.Errorf("pinyin: %d samples", len(zh))
	}
	if err := e.Synthesize(context.Background(), Request{Text: "x", Voice: "klingon"}, func([]int16) error { return nil }); !errors.Is(err, ErrUnknownVoice) {
		t.Errorf("voice: %v", err)
	}
	if _, err := NewESpeak(ESpeakOptions{Binary: "/nonexistent/espeak"}); !errors.Is(err, ErrEngine) {
		t.Errorf("binary: %v", err)
	}
}

func TestStreamFliteFirstAudio(t *testing.T) {
	t.Parallel()
	f := newFlite(t)
	src := Stream(context.Background(), f, Request{Text: "Hello. This is a longer second sentence that takes a while to say."})
	select {
	case <-src.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("no first audio")
	}
	if pcm := readAll(t, src); len(pcm) < 3*8000 {
		t.Errorf("%d samples", len(pcm))
	}
}

func FuzzHTTPErrorBody(f *testing.F) {
	f.Add(400, []byte(`{"error":{"code":"unknown_voice","message":"x"}}`))
	f.Add(500, []byte(`{"error":{}}`))
	f.Add(503, []byte(`not json`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		resp := &http.Response{StatusCode: status, Body: http.NoBody}
		if len(body) > 0 {
			resp.Body = readCloser{strings.NewReader(string(body))}
		}
		err := decodeHTTPError(resp)
		if err == nil {
			t.Fatal("nil error")
		}
		known := errors.Is(err, ErrEngine) || errors.Is(err, ErrUnknownVoice) || errors.Is(err, ErrEmptyText) ||
			errors.Is(err, ErrUnsupportedRate) || errors.Is(err, ErrTextTooLong)
		if !known {
			t.Fatalf("unclassified error %v", err)
		}
	})
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// TestHTTPNoRedirect: the engine reaches the server it was configured with
// and nothing a redirect points to (here another loopback server).
func TestHTTPNoRedirect(t *testing.T) {
	var innerHits atomic.Int32
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		innerHits.Add(1)
		w.Header().Set("Content-Type", httpAudioType+"; rate=8000")
		_, _ = w.Write(make([]byte, 1600))
	}))
	t.Cleanup(inner.Close)
	c := newHTTPPair(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}), HTTPOptions{})
	err := c.Synthesize(context.Background(), Request{Text: "hello", Rate: 8000}, func([]int16) error { return nil })
	if err == nil {
		t.Fatal("a redirected synthesis succeeded")
	}
	if innerHits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}
