package tts

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// The HTTP synthesis protocol (version 1). A self-hosted TTS server implements it, or
// sits behind a thin adapter that does; NewHTTPHandler serves it over any Synthesizer.
//
//	POST {base}/v1/synthesize
//	Content-Type: application/json
//	{"text": "Hello.", "voice": "slt", "sample_rate": 8000, "speed": 1.0}
//
//	200 OK
//	Content-Type: audio/x-s16le; rate=8000
//	<mono signed 16-bit little-endian PCM at the requested rate, streamed as it is
//	 synthesised (chunked transfer encoding); an error after the headers aborts the
//	 connection, so a truncated body is a failure, never a short prompt>
//
//	4xx/5xx
//	Content-Type: application/json
//	{"error": {"code": "unknown_voice", "message": "voice \"x\" not found"}}
//
// Error codes: empty_text, text_too_long, unknown_voice, unsupported_rate (400 or
// 422), bad_request (400), internal (500), overloaded (503: the client may retry). "voice"
// may be empty for the server's default; "speed" may be omitted (1.0).
const (
	httpSynthesizePath = "/v1/synthesize"
	httpAudioType      = "audio/x-s16le"
)

type httpRequest struct {
	Text       string  `json:"text"`
	Voice      string  `json:"voice,omitempty"`
	SampleRate int     `json:"sample_rate"`
	Speed      float64 `json:"speed,omitempty"`
}

type httpError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

var httpCodes = []struct {
	code   string
	err    error
	status int
}{
	{"empty_text", ErrEmptyText, http.StatusBadRequest},
	{"text_too_long", ErrTextTooLong, http.StatusBadRequest},
	{"unknown_voice", ErrUnknownVoice, http.StatusUnprocessableEntity},
	{"unsupported_rate", ErrUnsupportedRate, http.StatusUnprocessableEntity},
}

// HTTPOptions configures NewHTTP.
type HTTPOptions struct {
	BaseURL string // e.g. "http://tts.internal:8080"; required
	// Client: default one that reaches BaseURL's host:port and follows no
	// redirect (internal/safehttp).
	Client *http.Client
	// Timeout bounds a whole synthesis (connect to last byte); 0 means 30 s.
	Timeout time.Duration
	// FirstByteTimeout bounds the wait for the first audio; 0 means 5 s. A server that
	// accepts the request and then stalls must not hold a call in silence.
	FirstByteTimeout time.Duration
	// Name is the engine name in cache keys; "" means "http". Give each server (model)
	// its own name so their prompts do not mix.
	Name   string
	Logger *zap.Logger
}

// HTTP is a Synthesizer speaking the protocol above. Safe for concurrent use.
type HTTP struct {
	base     string
	client   *http.Client
	timeout  time.Duration
	firstTTL time.Duration
	name     string
	log      *zap.Logger
}

// NewHTTP returns a client; it does not contact the server.
func NewHTTP(opts HTTPOptions) (*HTTP, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("tts: new http: BaseURL is required")
	}
	if opts.Client == nil {
		// The configured server, even on a private address, and nothing a
		// redirect points to (internal/safehttp).
		opts.Client = safehttp.ForEndpoint(opts.BaseURL, nil, safehttp.Options{})
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.FirstByteTimeout == 0 {
		opts.FirstByteTimeout = 5 * time.Second
	}
	if opts.Name == "" {
		opts.Name = "http"
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &HTTP{base: strings.TrimRight(opts.BaseURL, "/"), client: opts.Client, timeout: opts.Timeout,
		firstTTL: opts.FirstByteTimeout, name: opts.Name, log: opts.Logger}, nil
}

// Name implements Synthesizer.
func (h *HTTP) Name() string { return h.name }

// Synthesize implements Synthesizer, emitting audio in ~100 ms chunks as it arrives.
func (h *HTTP) Synthesize(ctx context.Context, req Request, emit func([]int16) error) error {
	req, err := req.normalize()
	if err != nil {
		return fmt.Errorf("http tts: %w", err)
	}
	if req.Rate <= 0 {
		return fmt.Errorf("http tts: %d Hz: %w", req.Rate, ErrUnsupportedRate)
	}
	body, _ := json.Marshal(httpRequest{Text: req.Text, Voice: req.Voice, SampleRate: req.Rate, Speed: req.Speed})
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+httpSynthesizePath, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("http tts: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", httpAudioType)

	// The first-byte timer covers the response headers and the first audio bytes.
	first := time.AfterFunc(h.firstTTL, cancel)
	resp, err := h.client.Do(hreq)
	if err != nil {
		if !first.Stop() {
			return fmt.Errorf("http tts: no response within %v: %w", h.firstTTL, ErrEngine)
		}
		return fmt.Errorf("http tts: %w: %w", ErrEngine, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		first.Stop()
		return decodeHTTPError(resp)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != httpAudioType {
		first.Stop()
		return fmt.Errorf("http tts: content type %q: %w", resp.Header.Get("Content-Type"), ErrEngine)
	}
	if rate, _ := strconv.Atoi(params["rate"]); rate != req.Rate {
		first.Stop()
		return fmt.Errorf("http tts: server sent %s Hz, asked for %d: %w", params["rate"], req.Rate, ErrEngine)
	}
	chunk := make([]byte, req.Rate/10*2) // 100 ms
	pcm := make([]int16, len(chunk)/2)
	var carry []byte
	gotFirst := false
	for {
		n, rerr := resp.Body.Read(chunk)
		if n > 0 && !gotFirst {
			gotFirst = true
			if !first.Stop() {
				return fmt.Errorf("http tts: no audio within %v: %w", h.firstTTL, ErrEngine)
			}
		}
		data := chunk[:n]
		if len(carry) > 0 {
			data = append(carry, data...)
			carry = nil
		}
		if len(data)%2 == 1 {
			carry = []byte{data[len(data)-1]}
			data = data[:len(data)-1]
		}
		if len(data) > 0 {
			if cap(pcm) < len(data)/2 {
				pcm = make([]int16, len(data)/2)
			}
			out := pcm[:len(data)/2]
			for i := range out {
				out[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
			}
			if err := emit(out); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) {
			if len(carry) > 0 {
				return fmt.Errorf("http tts: odd byte count: %w", ErrEngine)
			}
			if !gotFirst {
				first.Stop()
				return fmt.Errorf("http tts: empty audio: %w", ErrEngine)
			}
			return nil
		}
		if rerr != nil {
			if !gotFirst && !first.Stop() {
				return fmt.Errorf("http tts: no audio within %v: %w", h.firstTTL, ErrEngine)
			}
			return fmt.Errorf("http tts: body: %w: %w", ErrEngine, rerr)
		}
	}
}

func decodeHTTPError(resp *http.Response) error {
	var he httpError
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err := json.Unmarshal(raw, &he); err != nil || he.Error.Code == "" {
		return fmt.Errorf("http tts: status %d: %w", resp.StatusCode, ErrEngine)
	}
	for _, c := range httpCodes {
		if c.code == he.Error.Code {
			return fmt.Errorf("http tts: %s: %w", he.Error.Message, c.err)
		}
	}
	return fmt.Errorf("http tts: status %d %s: %s: %w", resp.StatusCode, he.Error.Code, he.Error.Message, ErrEngine)
}

// NewHTTPHandler serves the HTTP synthesis protocol over s, for a test server or a
// sidecar that exposes the embedded engine to other nodes.
func NewHTTPHandler(s Synthesizer, log *zap.Logger) http.Handler {
	if log == nil {
		log = zap.NewNop()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+httpSynthesizePath, func(w http.ResponseWriter, r *http.Request) {
		var req httpRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 2*MaxTextBytes+1024))
		if err := dec.Decode(&req); err != nil {
			writeHTTPError(w, http.StatusBadRequest, "bad_request", err.Error())
			return
		}
		// Drain to EOF: only then does net/http watch the connection and cancel
		// r.Context() when the client hangs up mid-synthesis.
		_, _ = io.Copy(io.Discard, r.Body)
		started := false
		err := s.Synthesize(r.Context(), Request{Text: req.Text, Voice: req.Voice, Rate: req.SampleRate, Speed: req.Speed}, func(pcm []int16) error {
			if !started {
				started = true
				w.Header().Set("Content-Type", httpAudioType+"; rate="+strconv.Itoa(req.SampleRate))
				w.WriteHeader(http.StatusOK)
			}
			buf := make([]byte, 2*len(pcm))
			for i, v := range pcm {
				binary.LittleEndian.PutUint16(buf[2*i:], uint16(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			return nil
		})
		if err == nil {
			return
		}
		if started {
			log.Warn("synthesis failed mid-stream", zap.Error(err))
			panic(http.ErrAbortHandler) // abort the connection: the client must see a failure
		}
		for _, c := range httpCodes {
			if errors.Is(err, c.err) {
				writeHTTPError(w, c.status, c.code, err.Error())
				return
			}
		}
		writeHTTPError(w, http.StatusInternalServerError, "internal", err.Error())
	})
	return mux
}

func writeHTTPError(w http.ResponseWriter, status int, code, msg string) {
	var he httpError
	he.Error.Code, he.Error.Message = code, msg
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(he)
}
