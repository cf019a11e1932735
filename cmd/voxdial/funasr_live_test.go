package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/zap"

	"github.com/voxdial/voxdial/media"
	"github.com/voxdial/voxdial/sim/simtest"
	"github.com/voxdial/voxdial/tts"
)

// funasrServer is a FunASR runtime server on loopback that speaks the
// server's websocket protocol (a JSON opening, binary 16-bit PCM, {"mode":
// "2pass-offline", "text": ...} when its voice activity detection ends a
// sentence, a final on {"is_speaking": false}) and "recognises" by matching
// the received audio against the utterances it was given: each one's
// energy envelope correlated with the sentence's, at the best lag. Audio that
// matches none (the wrong words, noise) is answered with empty text.
type funasrServer struct {
	t     *testing.T
	url   string
	refs  map[string][]float64 // text → energy envelope
	mu    sync.Mutex
	heard []string // what it recognised, in order
	opens []map[string]any
}

// funasr VAD: 20 ms frames; speech at this RMS; a sentence ends after this
// much silence (or after this long without audio at all).
const (
	funasrFrame      = media.SampleRate / 50
	funasrSpeechRMS  = 250.0
	funasrEndSilence = 400 * time.Millisecond
)

// startFunASR synthesises utterances (text → espeak-ng voice, as the
// simulator speaks them) and serves on a loopback port.
func startFunASR(t *testing.T, voice string, utterances ...string) *funasrServer {
	t.Helper()
	s := &funasrServer{t: t, refs: map[string][]float64{}}
	syn, err := tts.NewESpeak(tts.ESpeakOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range utterances {
		var pcm []int16
		err := syn.Synthesize(context.Background(), tts.Request{Text: u, Voice: voice, Rate: media.SampleRate}, func(p []int16) error {
			pcm = append(pcm, p...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s.refs[u] = envelope(trimSilence(pcm))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(s.serve)}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close() })
	s.url = "ws://" + ln.Addr().String() + "/"
	return s
}

func (s *funasrServer) recognised() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.heard...)
}

func (s *funasrServer) serve(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := r.Context()
	typ, data, err := conn.Read(ctx)
	var open map[string]any
	if err != nil || typ != websocket.MessageText || json.Unmarshal(data, &open) != nil || open["wav_format"] != "pcm" {
		conn.Close(websocket.StatusPolicyViolation, "want the FunASR opening message first")
		return
	}
	s.mu.Lock()
	s.opens = append(s.opens, open)
	s.mu.Unlock()

	type message struct {
		typ  websocket.MessageType
		data []byte
	}
	msgs := make(chan message)
	go func() {
		defer close(msgs)
		for {
			typ, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			msgs <- message{typ, data}
		}
	}()
	var (
		sentence   []int16 // from the first speech frame
		lastSpeech time.Time
		carry      []int16 // part of a frame
	)
	final := func() error {
		text := s.transcribe(trimSilence(sentence))
		sentence, lastSpeech = nil, time.Time{}
		b, _ := json.Marshal(map[string]any{"mode": "2pass-offline", "text": text, "wav_name": open["wav_name"], "is_final": false})
		return conn.Write(ctx, websocket.MessageText, b)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return
			}
			if m.typ == websocket.MessageText {
				var end struct {
					IsSpeaking *bool `json:"is_speaking"`
				}
				if json.Unmarshal(m.data, &end) == nil && end.IsSpeaking != nil && !*end.IsSpeaking {
					if final() != nil {
						return
					}
				}
				continue
			}
			for i := 0; i+1 < len(m.data); i += 2 {
				carry = append(carry, int16(binary.LittleEndian.Uint16(m.data[i:])))
			}
			for len(carry) >= funasrFrame {
				f := carry[:funasrFrame]
				if rms(f) >= funasrSpeechRMS {
					lastSpeech = time.Now()
				}
				if !lastSpeech.IsZero() {
					sentence = append(sentence, f...)
				}
				carry = carry[funasrFrame:]
			}
			carry = append([]int16(nil), carry...)
		case <-tick.C:
		}
		if !lastSpeech.IsZero() && time.Since(lastSpeech) >= funasrEndSilence {
			if final() != nil {
				return
			}
		}
	}
}

// transcribe is the utterance whose envelope best matches pcm's ("" if none
// does well).
func (s *funasrServer) transcribe(pcm []int16) string {
	env := envelope(pcm)
	best, bestScore := "", 0.0
	for text, ref := range s.refs {
		if sc := similarity(env, ref); sc > bestScore {
			best, bestScore = text, sc
		}
	}
	s.t.Logf("funasr: %.2f s of speech recognised as %q (score %.2f)", float64(len(pcm))/media.SampleRate, best, bestScore)
	for text, ref := range s.refs {
		if text != best {
			s.t.Logf("funasr:   against %q: %.2f", text, similarity(env, ref))
		}
	}
	if bestScore < 0.6 {
		best = ""
	}
	s.mu.Lock()
	s.heard = append(s.heard, best)
	s.mu.Unlock()
	return best
}

func rms(pcm []int16) float64 {
	var ss float64
	for _, v := range pcm {
		ss += float64(v) * float64(v)
	}
	return math.Sqrt(ss / float64(max(len(pcm), 1)))
}

// trimSilence cuts pcm to its first through last speech frame.
func trimSilence(pcm []int16) []int16 {
	first, last := -1, -1
	for i := 0; i+funasrFrame <= len(pcm); i += funasrFrame {
		if rms(pcm[i:i+funasrFrame]) >= funasrSpeechRMS {
			if first < 0 {
				first = i
			}
			last = i + funasrFrame
		}
	}
	if first < 0 {
		return nil
	}
	return pcm[first:last]
}

// envelope is the log energy of pcm's 10 ms frames that carry sound: pauses
// (a gap the line inserted, or the speaker's own) are left out, so that
// timing on the line does not change it.
func envelope(pcm []int16) []float64 {
	const n = media.SampleRate / 100
	out := make([]float64, 0, len(pcm)/n)
	for i := 0; i+n <= len(pcm); i += n {
		if e := rms(pcm[i : i+n]); e >= funasrSpeechRMS/4 {
			out = append(out, math.Log1p(e))
		}
	}
	return out
}

// similarity of two envelopes, 0..1: one minus the mean distance along the
// best time warping (dynamic time warping within a band) of the two, each
// normalised to zero mean and unit variance, scaled by the ratio of their
// lengths (a short word does not match a long sentence that starts like it).
// The warping absorbs what the phone line does to timing: jitter, a late
// packet's gap filled with silence, an edge frame more or less.
func similarity(a, b []float64) float64 {
	if len(a) < 5 || len(b) < 5 {
		return 0
	}
	a, b = znorm(a), znorm(b)
	n, m := len(a), len(b)
	band := 30 + abs(n-m) // frames: 300 ms beyond the length difference
	inf := math.Inf(1)
	prev, cur := make([]float64, m+1), make([]float64, m+1)
	prevLen, curLen := make([]int, m+1), make([]int, m+1)
	for j := range prev {
		prev[j] = inf
	}
	prev[0] = 0
	for i := 1; i <= n; i++ {
		for j := range cur {
			cur[j], curLen[j] = inf, 0
		}
		for j := max(1, i*m/n-band); j <= min(m, i*m/n+band); j++ {
			d := math.Abs(a[i-1] - b[j-1])
			best, bl := prev[j-1], prevLen[j-1]
			if prev[j] < best {
				best, bl = prev[j], prevLen[j]
			}
			if cur[j-1] < best {
				best, bl = cur[j-1], curLen[j-1]
			}
			cur[j], curLen[j] = best+d, bl+1
		}
		prev, cur = cur, prev
		prevLen, curLen = curLen, prevLen
	}
	if math.IsInf(prev[m], 1) {
		return 0
	}
	score := max(0, 1-prev[m]/float64(prevLen[m]))
	return score * float64(min(n, m)) / float64(max(n, m))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func znorm(x []float64) []float64 {
	var mean, sq float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		sq += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(sq / float64(len(x)))
	if sd == 0 {
		sd = 1
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = (v - mean) / sd
	}
	return out
}

// The Mandarin callee: answers the zh payment reminder in speech (espeak-ng's
// Mandarin voice), "是的" to the greeting and "已经还了" to the reminder.
const zhSpeechProfile = `
defaults:
  end_of_speech: 700ms
  max_wait: 20s
  max_duration: 2m
behaviours:
  paid_zh:
    kind: person
    answer_after: 50ms
    turns: [{text: "是的", voice: "espeak:cmn"}, {text: "已经还了", voice: "espeak:cmn"}]
    after_turns: wait
  # The second answer is not one of the script's phrases: the classifier's.
  paid_zh_free:
    kind: person
    answer_after: 50ms
    turns: [{text: "是的", voice: "espeak:cmn"}, {text: "钱我上周就转过去了", voice: "espeak:cmn"}]
    after_turns: wait
routes:
  - {match: '9$', behaviour: paid_zh_free}
  - {match: '.*', behaviour: paid_zh}
`

// zhFunASRConfig is a config whose zh-CN scripts recognise through the FunASR
// server at url (English scripts keep pocketsphinx).
func zhFunASRConfig(t *testing.T, extra, url string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "voxdial.yaml")
	cfg := fmt.Sprintf(`%s
engines:
  asr:
    default: pocketsphinx
    locales:
      zh-CN: {engine: funasr, url: "%s"}
log: {level: warn}
`, extra, url)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkSpokenPaid: the call went greet → reminder → already_paid on the
// callee's words (two recognised turns), not on keys.
func checkSpokenPaid(t *testing.T, r liveResult, asrSrv *funasrServer, want string) {
	t.Helper()
	if r.Disposition != "claims_paid" {
		t.Fatalf("disposition %q, want claims_paid; transcript %+v", r.Disposition, r.Transcript)
	}
	var spoken []string
	for _, turn := range r.Transcript {
		if turn.Role == "caller" {
			if turn.DTMF != "" {
				t.Fatalf("caller pressed keys: %+v", r.Transcript)
			}
			spoken = append(spoken, turn.Text+"→"+turn.Intent)
		}
	}
	if strings.Join(spoken, " ") != want {
		t.Fatalf("caller turns %q; transcript %+v", spoken, r.Transcript)
	}
	if got := asrSrv.recognised(); len(got) < 2 {
		t.Fatalf("the FunASR server recognised %q", got)
	}
}

// TestCallZhFunASR: `call --config` with engines.asr.locales.zh-CN set to a
// FunASR server runs the zh-CN script on a live SIP/RTP call to the
// simulator; the callee speaks Mandarin and the call routes on the words the
// server returns.
func TestCallZhFunASR(t *testing.T) {
	t.Parallel()
	far := simtest.Start(t, "zh-speech-profile.yaml", zhSpeechProfile)
	asrSrv := startFunASR(t, "cmn", "是的", "已经还了", "不是", "转人工")
	cfg := zhFunASRConfig(t, "", asrSrv.url)
	code, out, errOut := runCLI(t, "call", "--config", cfg, "--to", "+8613800000001", "--trunk", "sip:"+far.Addr().String(),
		"--script", zhScript, "--var", "surname=王", "--var", "amount=1200", "--var", "due_date=2026-12-01", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var r liveResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	checkSpokenPaid(t, r, asrSrv, "是的→yes 已经还了→paid")
	// Each listening state's phrases reached the server as FunASR hotwords: the
	// greeting's (yes/no and the global ones) and then the reminder's (paid).
	hot := asrSrv.hotwords()
	state := func(want ...string) bool {
		for _, h := range hot {
			ok := true
			for _, w := range want {
				ok = ok && h[w] > 0
			}
			if ok {
				return true
			}
		}
		return false
	}
	if !state("是的", "不是", "转人工", "别再打了") || !state("已经还了", "晚点再打", "是的", "别再打了") {
		t.Fatalf("hotwords the server received: %v", hot)
	}
}

// hotwords are the hotword lists the server received, one per connection
// opening that carried any.
func (s *funasrServer) hotwords() []map[string]float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]float64
	for _, o := range s.opens {
		raw, ok := o["hotwords"].(string)
		if !ok {
			continue
		}
		var h map[string]float64
		if err := json.Unmarshal([]byte(raw), &h); err != nil {
			s.t.Errorf("hotwords %q: %v", raw, err)
			continue
		}
		out = append(out, h)
	}
	return out
}

// TestServeZhFunASR: `voxdial serve --config` (a child process) runs a zh-CN
// campaign whose recogniser is the FunASR server of the config's zh-CN
// locale; the one contact answers in Mandarin and ends claims_paid.
func TestServeZhFunASR(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a serve process and a whole live call")
	}
	t.Parallel()
	far := simtest.Start(t, "zh-speech-profile.yaml", zhSpeechProfile)
	asrSrv := startFunASR(t, "cmn", "是的", "已经还了", "不是", "转人工")
	cfg := zhFunASRConfig(t, fmt.Sprintf("sip: {listen: 127.0.0.1:0}\ntrunks:\n  - {name: sim, uri: 'sip:%s'}", far.Addr()), asrSrv.url)
	dir := t.TempDir()
	script, err := filepath.Abs(zhScript)
	if err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "contacts.csv")
	if err := os.WriteFile(csvPath, []byte("phone,surname,amount,due_date\n+8613800000002,王,1200,2026-12-01\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := []string{"--database-url", "sqlite:" + filepath.Join(dir, "voxdial.db")}
	for _, args := range [][]string{
		{"campaign", "create", "zh", "--script", script, "--trunk", "sim", "--region", "CN", "--time-zone", "Asia/Shanghai", "--purpose", "collections"},
		{"campaign", "import", "zh", csvPath},
		{"campaign", "start", "zh"},
	} {
		if code, out, errOut := runCLI(t, append(args, db...)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errOut)
		}
	}
	node := startServe(t, "serve.log", append([]string{"--config", cfg, "--no-compliance-gate", "--http="}, db...)...)
	var res struct {
		State        string
		Dispositions map[string]int
		Rows         []struct{ Disposition, LastOutcome string } `json:"rows"`
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		code, out, _ := runCLI(t, append([]string{"campaign", "results", "zh", "--contacts", "--json"}, db...)...)
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("campaign results: exit %d: %s", code, out)
		}
		if len(res.Rows) == 1 && res.Rows[0].Disposition != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no disposition after 2 minutes: %+v", res)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err := node.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_ = node.Wait()
	if res.Rows[0].Disposition != "claims_paid" {
		t.Fatalf("results %+v: want claims_paid", res)
	}
	if got := asrSrv.recognised(); len(got) < 2 || got[0] != "是的" || got[1] != "已经还了" {
		t.Fatalf("the FunASR server recognised %q", got)
	}
}

// TestCallZhEngineFlags: the engines chosen by flags alone — FunASR for
// zh-CN (--asr-locale), an HTTP TTS server for zh-CN (--tts-locale) and the
// LLM classifier (--classifier-url) — all serve one live zh-CN call: the
// prompts come from the TTS server, the Mandarin answers from the FunASR
// server, and the answer that is none of the script's phrases is classified
// by the LLM.
func TestCallZhEngineFlags(t *testing.T) {
	t.Parallel()
	far := simtest.Start(t, "zh-speech-profile.yaml", zhSpeechProfile)
	asrSrv := startFunASR(t, "cmn", "是的", "已经还了", "钱我上周就转过去了", "不是")

	es, err := tts.NewESpeak(tts.ESpeakOptions{DefaultVoice: "cmn"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var spokenByServer []string
	ttsH := tts.NewHTTPHandler(es, zap.NewNop())
	ttsSrv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct{ Text string }
		_ = json.Unmarshal(body, &req)
		mu.Lock()
		spokenByServer = append(spokenByServer, req.Text)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		ttsH.ServeHTTP(w, r)
	}))

	var asked []string
	llm := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string
			Messages []struct{ Role, Content string }
		}
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || req.Model != "intent-zh" || len(req.Messages) != 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		said := req.Messages[1].Content
		mu.Lock()
		asked = append(asked, said)
		mu.Unlock()
		answer := `{"intent": "none", "confidence": 0}`
		if strings.Contains(said, "转过去了") {
			answer = `{"intent": "paid", "confidence": 0.9}`
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": answer}}}})
	}))

	code, out, errOut := runCLI(t, "call", "--to", "+8613800000009", "--trunk", "sip:"+far.Addr().String(),
		"--asr-locale", "zh-CN=funasr,"+asrSrv.url, "--tts-locale", "zh-CN=http,"+ttsSrv,
		"--classifier-url", llm+"/v1", "--classifier-model", "intent-zh",
		"--script", zhScript, "--var", "surname=王", "--var", "amount=1200", "--var", "due_date=2026-12-01", "--json", "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	var r liveResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	checkSpokenPaid(t, r, asrSrv, "是的→yes 钱我上周就转过去了→paid")
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(strings.Join(spokenByServer, "|"), "安可金融") {
		t.Errorf("the TTS server was asked for %q: want the greeting", spokenByServer)
	}
	if len(asked) != 1 || asked[0] != "钱我上周就转过去了" {
		t.Errorf("the classifier was asked about %q: want only the answer that is no phrase", asked)
	}
}

// TestEngineSelectionErrors: an engine choice that cannot run stops call,
// serve and demo before anything is dialled (exit 2), naming the key and the flag.
func TestEngineSelectionErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--asr", "whisper"}, `flag --asr: engines.asr.default: engine "whisper"`},
		{[]string{"--asr-locale", "zh-CN=funasr"}, "engines.asr.locales.zh-CN.engine: engine funasr needs a url"},
		{[]string{"--asr-locale", "zh-CN"}, `--asr-locale: "zh-CN": want LOCALE=ENGINE[,URL]`},
		{[]string{"--tts", "http"}, "flag --tts: engines.tts.default: engine http needs a url"},
		{[]string{"--tts-locale", "zh-CN=flite"}, "engines.tts.locales.zh-CN: flite has no Mandarin voice"},
		{[]string{"--asr", "vosk", "--asr-url", "http://127.0.0.1:1"}, "want scheme ws or wss"},
		{[]string{"--classifier-url", "http://127.0.0.1:1/v1"}, "engines.classifier.model: required"},
	} {
		for _, cmd := range [][]string{
			{"call", "--to", "+15550100001", "--trunk", "sip:127.0.0.1:9"},
			{"serve", "--database-url", "sqlite:" + filepath.Join(t.TempDir(), "x.db"), "--http="},
			{"demo", "--calls"},
			{"demo", "--database-url", "sqlite:" + filepath.Join(t.TempDir(), "y.db")},
		} {
			code, _, errOut := runCLI(t, append(cmd, c.args...)...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("%s %v: exit %d, stderr %q; want 2 naming %s", cmd[0], c.args, code, errOut, c.want)
			}
		}
	}
}

// httptestServer serves h on loopback and returns its base URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String()
}

// The test server's matcher recognises an utterance after the phone line:
// G.711 companding and a gap of silence inserted mid-sentence (a late
// packet's place filled on the media clock), and tells utterances apart.
func TestFunASRMatcher(t *testing.T) {
	t.Parallel()
	utts := []string{"是的", "已经还了", "钱我上周就转过去了", "不是", "转人工"}
	srv := startFunASR(t, "cmn", utts...)
	syn, err := tts.NewESpeak(tts.ESpeakOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range utts {
		var pcm []int16
		if err := syn.Synthesize(context.Background(), tts.Request{Text: u, Voice: "cmn", Rate: media.SampleRate}, func(p []int16) error {
			pcm = append(pcm, p...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		law := make([]byte, len(pcm))
		media.MulawEncode(law, pcm)
		media.MulawDecode(pcm, law)
		cut := len(pcm) / 3
		var line []int16
		if i%2 == 0 {
			line = append(append(append(line, pcm[:cut]...), make([]int16, 160*(4+i))...), pcm[cut:]...) // 80-160 ms of silence
		} else {
			line = pcm
		}
		if got := srv.transcribe(trimSilence(line)); got != u {
			t.Errorf("%q heard as %q", u, got)
		}
	}
	noise := make([]int16, 8000)
	for i := range noise {
		noise[i] = int16((i*7919)%2001 - 1000)
	}
	if got := srv.transcribe(trimSilence(noise)); got != "" {
		t.Errorf("noise heard as %q", got)
	}
}
