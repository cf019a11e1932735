package asr_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/asr/evalset"
)

// fakeServer speaks the Vosk or FunASR websocket protocol with scripted behaviour:
// partials as audio arrives, a fixed final text at the end marker, and failures on
// demand. It is the "local server speaking the same protocol" the engines are tested
// against.
type fakeServer struct {
	proto string // "vosk" or "funasr"
	text  string // what the caller "said"

	dropFirstAfter int           // close the first connection abruptly after this many audio bytes
	finalDelay     time.Duration // wait before the final result
	garbageFirst   bool          // the first connection answers its first chunk with invalid JSON

	conns    atomic.Int64
	bytes    atomic.Int64 // audio bytes on all connections
	mu       sync.Mutex
	configs  []map[string]any
	lastConn atomic.Int64 // audio bytes on the latest connection
	srv      *httptest.Server
}

func (f *fakeServer) start(t *testing.T) string {
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return "ws" + strings.TrimPrefix(f.srv.URL, "http")
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	n := f.conns.Add(1)
	ctx := r.Context()
	_, cfg, err := c.Read(ctx)
	if err != nil {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(cfg, &m); err != nil {
		return // not a config: drop the connection, as a real server would
	}
	f.mu.Lock()
	f.configs = append(f.configs, m)
	f.mu.Unlock()
	var got int64
	sentPartials := 0
	words := strings.Fields(f.text)
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			got += int64(len(data))
			f.bytes.Add(int64(len(data)))
			f.lastConn.Store(got)
			if n == 1 && f.dropFirstAfter > 0 && got >= int64(f.dropFirstAfter) {
				return // abrupt: no close frame
			}
			if n == 1 && f.garbageFirst {
				_ = c.Write(ctx, websocket.MessageText, []byte(`{"partial": 42`)) // the client's side sees any failure
				return
			}
			// A partial per 0.25 s of audio, one more word each time.
			if int(got/4000) > sentPartials && sentPartials < len(words) {
				sentPartials++
				f.partial(ctx, c, words, sentPartials)
			}
			continue
		}
		// The end marker.
		if f.finalDelay > 0 {
			select {
			case <-time.After(f.finalDelay):
			case <-ctx.Done():
				return
			}
		}
		f.final(ctx, c, got)
		c.Close(websocket.StatusNormalClosure, "")
		return
	}
}

func (f *fakeServer) partial(ctx context.Context, c *websocket.Conn, words []string, k int) {
	var msg []byte
	if f.proto == "vosk" {
		msg, _ = json.Marshal(map[string]string{"partial": strings.Join(words[:k], " ")})
	} else {
		piece := words[k-1]
		if len(f.text) == len([]rune(f.text)) && k > 1 {
			piece = " " + piece
		}
		msg, _ = json.Marshal(map[string]any{"mode": "2pass-online", "text": piece, "wav_name": "voxdial", "is_final": false})
	}
	_ = c.Write(ctx, websocket.MessageText, msg) // the client may be gone; its side of the test sees that
}

func (f *fakeServer) final(ctx context.Context, c *websocket.Conn, got int64) {
	var msg []byte
	if f.proto == "vosk" {
		type word struct {
			Word  string  `json:"word"`
			Start float64 `json:"start"`
			End   float64 `json:"end"`
			Conf  float64 `json:"conf"`
		}
		var ws []word
		dur := float64(got) / 16000
		for i, w := range strings.Fields(f.text) {
			ws = append(ws, word{w, 0.5 + float64(i)*0.3, 0.5 + float64(i)*0.3 + 0.25, 0.9})
		}
		_ = dur
		msg, _ = json.Marshal(map[string]any{"result": ws, "text": f.text})
	} else {
		text := f.text
		if len(text) != len([]rune(text)) { // Chinese comes back unspaced
			text = strings.ReplaceAll(text, " ", "")
		}
		msg, _ = json.Marshal(map[string]any{"mode": "2pass-offline", "text": text, "wav_name": "voxdial", "is_final": true})
	}
	_ = c.Write(ctx, websocket.MessageText, msg) // the client may be gone; its side of the test sees that
}

func newNet(t *testing.T, proto, url string, mod func(*asr.NetOptions)) asr.Engine {
	t.Helper()
	o := asr.NetOptions{URL: url, FinalTimeout: 2 * time.Second}
	if mod != nil {
		mod(&o)
	}
	var e asr.Engine
	var err error
	if proto == "vosk" {
		e, err = asr.NewVosk(o)
	} else {
		e, err = asr.NewFunASR(o)
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// speech is 1.5 s of audio (a tone: the fake server does not listen to it).
func speech() []int16 {
	pcm := make([]int16, 12000)
	for i := range pcm {
		pcm[i] = int16(3000 * ((i/20)%2*2 - 1))
	}
	return pcm
}

func finals(all []asr.Result) []asr.Result {
	var out []asr.Result
	for _, r := range all {
		if r.Kind == asr.KindFinal {
			out = append(out, r)
		}
	}
	return out
}

func TestVoskBasic(t *testing.T) {
	t.Parallel()
	f := &fakeServer{proto: "vosk", text: "yes that's me"}
	eng := newNet(t, "vosk", f.start(t), nil)
	r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar()})
	if err != nil {
		t.Fatal(err)
	}
	res := collect(r)
	feed(t, r, speech())
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	all := <-res
	fs := finals(all)
	if len(fs) != 1 || fs[0].Intent != "yes" || fs[0].Text != "yes that's me" || fs[0].Err != nil {
		t.Fatalf("finals %+v (all %+v)", fs, all)
	}
	if fs[0].Confidence < 0.89 || fs[0].Start != 500*time.Millisecond || fs[0].End != 1350*time.Millisecond {
		t.Errorf("final %+v", fs[0])
	}
	if all[0].Kind != asr.KindSpeechStart {
		t.Errorf("first event %v", all[0].Kind)
	}
	partials := 0
	for _, r := range all {
		if r.Kind == asr.KindPartial {
			partials++
		}
	}
	if partials == 0 {
		t.Error("no partials")
	}
	f.mu.Lock()
	cfg := f.configs[0]["config"].(map[string]any)
	f.mu.Unlock()
	if cfg["sample_rate"].(float64) != 8000 {
		t.Errorf("config %v", cfg)
	}
	pl := cfg["phrase_list"].([]any)
	if pl[len(pl)-1] != "[unk]" || len(pl) < 20 {
		t.Errorf("phrase list %v", pl)
	}
	if got := f.bytes.Load(); got != 24000 {
		t.Errorf("server got %d audio bytes, want 24000", got)
	}
}

func TestFunASRBasic(t *testing.T) {
	t.Parallel()
	f := &fakeServer{proto: "funasr", text: "不 是 打 错 了"}
	eng := newNet(t, "funasr", f.start(t), nil)
	g := &asr.Grammar{Name: "greet", Intents: []asr.Intent{{Name: "yes", Phrases: []string{"是的", "对"}}, {Name: "no", Phrases: []string{"不是", "打错了"}}}}
	r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: g})
	if err != nil {
		t.Fatal(err)
	}
	res := collect(r)
	feed(t, r, speech())
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	all := <-res
	fs := finals(all)
	if len(fs) != 1 || fs[0].Intent != "no" || fs[0].Text != "不是打错了" {
		t.Fatalf("finals %+v", fs)
	}
	var lastPartial string
	for _, r := range all {
		if r.Kind == asr.KindPartial {
			lastPartial = r.Text
		}
	}
	if lastPartial != "不是打错了" && !strings.HasPrefix("不是打错了", lastPartial) {
		t.Errorf("partials do not accumulate: %q", lastPartial)
	}
	f.mu.Lock()
	cfg := f.configs[0]
	f.mu.Unlock()
	if cfg["mode"] != "2pass" || cfg["audio_fs"].(float64) != 8000 || !strings.Contains(cfg["hotwords"].(string), "打错了") {
		t.Errorf("open message %v", cfg)
	}
}

// TestNetDisconnectMidUtterance: the server drops the connection half-way through;
// the client reconnects and replays the utterance so the final is still complete.
func TestNetDisconnectMidUtterance(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"vosk", "funasr"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			f := &fakeServer{proto: proto, text: "stop calling", dropFirstAfter: 8000}
			eng := newNet(t, proto, f.start(t), nil)
			r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar()})
			if err != nil {
				t.Fatal(err)
			}
			res := collect(r)
			feed(t, r, speech())
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			r.Close()
			fs := finals(<-res)
			if len(fs) != 1 || fs[0].Err != nil || fs[0].Intent != "opt_out" {
				t.Fatalf("finals %+v", fs)
			}
			if f.conns.Load() < 2 {
				t.Errorf("%d connections", f.conns.Load())
			}
			// The second connection heard the whole utterance from its start.
			if f.bytes.Load() < 24000+8000 {
				t.Errorf("server got %d bytes in all; the utterance was not replayed", f.bytes.Load())
			}
		})
	}
}

func TestNetBadMessageReconnects(t *testing.T) {
	t.Parallel()
	f := &fakeServer{proto: "vosk", text: "agent", garbageFirst: true}
	eng := newNet(t, "vosk", f.start(t), nil)
	r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar()})
	if err != nil {
		t.Fatal(err)
	}
	res := collect(r)
	feed(t, r, speech())
	r.Flush()
	r.Close()
	fs := finals(<-res)
	if len(fs) != 1 || fs[0].Intent != "agent" {
		t.Fatalf("finals %+v", fs)
	}
}

func TestNetSlowFinal(t *testing.T) {
	t.Parallel()
	f := &fakeServer{proto: "vosk", text: "call me later", finalDelay: 5 * time.Second}
	eng := newNet(t, "vosk", f.start(t), func(o *asr.NetOptions) { o.FinalTimeout = 150 * time.Millisecond })
	r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar()})
	if err != nil {
		t.Fatal(err)
	}
	// The partials are read as they come; the flush waits for the last one, so
	// that what the timeout keeps does not depend on how loaded the machine is.
	heard := make(chan struct{})
	res := make(chan []asr.Result, 1)
	go func(heard chan struct{}) {
		var all []asr.Result
		for x := range r.Results() {
			if x.Kind == asr.KindPartial && x.Text == "call me later" && heard != nil {
				close(heard)
				heard = nil
			}
			all = append(all, x)
		}
		res <- all
	}(heard)
	feed(t, r, speech())
	select {
	case <-heard:
	case <-time.After(20 * time.Second):
		t.Fatal("no partial with every word")
	}
	start := time.Now()
	r.Flush()
	if d := time.Since(start); d > 3*time.Second { // the server would take 5 s
		t.Errorf("flush took %v with a 150 ms final timeout", d)
	}
	r.Close()
	fs := finals(<-res)
	if len(fs) != 1 || !errors.Is(fs[0].Err, asr.ErrTimeout) {
		t.Fatalf("finals %+v", fs)
	}
	// The partial text so far is kept, with its intent.
	if fs[0].Text != "call me later" || fs[0].Intent != "later" {
		t.Errorf("timed-out final %+v", fs[0])
	}
}

// TestNetServerGone: the server disappears mid-utterance; reconnects fail, the
// recogniser reports ErrDisconnected on a final result and closes, and meanwhile Write
// pushes back with ErrOverrun instead of blocking.
func TestNetServerGone(t *testing.T) {
	t.Parallel()
	f := &fakeServer{proto: "vosk", text: "yes", dropFirstAfter: 4000}
	url := f.start(t)
	eng := newNet(t, "vosk", url, func(o *asr.NetOptions) { o.Reconnects = 3 })
	r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar()})
	if err != nil {
		t.Fatal(err)
	}
	res := collect(r)
	f.srv.Config.SetKeepAlivesEnabled(false)
	pcm := speech()
	if err := r.Write(pcm[:4000]); err != nil {
		t.Fatal(err)
	}
	f.srv.CloseClientConnections()
	f.srv.Listener.Close()
	overruns, closed := 0, false
	// Bursts: while the worker is stuck in its reconnect backoff (≥ 50 ms) the
	// three-second queue (150 frames) fills and the rest of a burst is refused at once.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline) && !closed && overruns == 0; {
		for range 160 {
			switch err := r.Write(pcm[:160]); {
			case errors.Is(err, asr.ErrOverrun):
				overruns++
			case errors.Is(err, asr.ErrClosed):
				closed = true
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	all := <-res
	fs := finals(all)
	if len(fs) != 1 || !errors.Is(fs[0].Err, asr.ErrDisconnected) {
		t.Fatalf("finals %+v", fs)
	}
	if overruns == 0 {
		t.Error("writes never pushed back while the engine was stuck reconnecting")
	}
	r.Close()
	if _, err := asr.NewVosk(asr.NetOptions{URL: "http://x"}); err == nil {
		t.Error("http:// URL accepted")
	}
	if _, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{}); !errors.Is(err, asr.ErrDisconnected) {
		t.Errorf("dial a dead server: %v", err)
	}
}

// TestNetParallel: 64 recognisers against one server, under -race.
func TestNetParallel(t *testing.T) {
	t.Parallel()
	f := &fakeServer{proto: "funasr", text: "转 人工"}
	// Generous timeouts: 64 streams under -race on a shared 2-core machine.
	eng := newNet(t, "funasr", f.start(t), func(o *asr.NetOptions) {
		o.DialTimeout, o.FinalTimeout, o.WriteTimeout = 10*time.Second, 10*time.Second, 10*time.Second
	})
	g := &asr.Grammar{Name: "g", Intents: []asr.Intent{{Name: "agent", Phrases: []string{"转人工"}}}}
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: g})
			if err != nil {
				t.Error(err)
				return
			}
			res := collect(r)
			feed(t, r, speech()[:8000])
			r.Flush()
			r.Close()
			if fs := finals(<-res); len(fs) == 1 && fs[0].Intent == "agent" {
				ok.Add(1)
			} else {
				t.Logf("finals %+v", fs)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 64 {
		t.Errorf("%d of 64 recognisers got their intent", ok.Load())
	}
}

// TestNetNoRedirect: the engine reaches the server it was configured with
// and nothing a redirect points to (here another loopback server).
func TestNetNoRedirect(t *testing.T) {
	t.Parallel()
	f := &fakeServer{proto: "vosk", text: "yes"}
	inner := f.start(t)
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http"+strings.TrimPrefix(inner, "ws"), http.StatusFound)
	}))
	t.Cleanup(outer.Close)
	eng := newNet(t, "vosk", "ws"+strings.TrimPrefix(outer.URL, "http"), nil)
	r, err := eng.NewRecognizer(context.Background(), asr.StreamOptions{Grammar: evalset.Grammar()})
	if err == nil {
		r.Close()
		t.Fatal("connected through a redirect")
	}
	if f.conns.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}
