package tts

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

// ESpeakOptions configures NewESpeak.
type ESpeakOptions struct {
	// Binary is the espeak-ng executable; "" means "espeak-ng" on PATH.
	Binary string
	// DefaultVoice is used when a request names none; "" means "en-us".
	DefaultVoice string
	// Voices restricts the accepted voice names; nil accepts the common ones below.
	Voices []string
	Logger *zap.Logger
}

// defaultESpeakVoices are the voices we use: US English variants, and Mandarin: cmn
// takes Chinese characters (converted to numbered pinyin first, see pinyin.go) and
// cmn-latn-pinyin numbered pinyin ("ni3 hao3").
var defaultESpeakVoices = []string{"en-us", "en-us+f3", "en-us+m3", "en-us+f4", "en", "cmn", "cmn-latn-pinyin"}

// ESpeak runs espeak-ng as a subprocess per request. espeak-ng is GPL-3 and not
// thread-safe, so it is never linked: each synthesis is its own process (~10-20 ms of
// start-up), and concurrency is the operating system's business.
type ESpeak struct {
	bin          string
	defaultVoice string
	voices       map[string]bool
	log          *zap.Logger
	pinyin       pinyinTable
}

// NewESpeak checks that the binary exists.
func NewESpeak(opts ESpeakOptions) (*ESpeak, error) {
	if opts.Binary == "" {
		opts.Binary = "espeak-ng"
	}
	bin, err := exec.LookPath(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("new espeak: %w: %w", ErrEngine, err)
	}
	if opts.DefaultVoice == "" {
		opts.DefaultVoice = "en-us"
	}
	if opts.Voices == nil {
		opts.Voices = defaultESpeakVoices
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	e := &ESpeak{bin: bin, defaultVoice: opts.DefaultVoice, voices: make(map[string]bool), log: opts.Logger}
	for _, v := range opts.Voices {
		e.voices[v] = true
	}
	if !e.voices[opts.DefaultVoice] {
		return nil, fmt.Errorf("new espeak: default voice %q: %w", opts.DefaultVoice, ErrUnknownVoice)
	}
	return e, nil
}

// Name implements Synthesizer.
func (e *ESpeak) Name() string { return "espeak" }

// Synthesize implements Synthesizer, streaming the subprocess's output as it is written.
func (e *ESpeak) Synthesize(ctx context.Context, req Request, emit func([]int16) error) error {
	req, err := req.normalize()
	if err != nil {
		return fmt.Errorf("espeak: %w", err)
	}
	if !supportedRate(req.Rate) {
		return fmt.Errorf("espeak: %d Hz: %w", req.Rate, ErrUnsupportedRate)
	}
	voice := req.Voice
	if voice == "" {
		voice = e.defaultVoice
	}
	if !e.voices[voice] {
		return fmt.Errorf("espeak: voice %q: %w", voice, ErrUnknownVoice)
	}
	text := req.Text
	if voice == "cmn" && hasHan(text) {
		// The cmn voice misreads characters; numbered pinyin reads right (pinyin.go).
		if text, err = e.toPinyin(ctx, text); err != nil {
			return err
		}
		voice = pinyinVoice
	}
	wpm := int(175 * req.Speed)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Text goes on stdin, never the command line: it may start with "-".
	cmd := exec.CommandContext(ctx, e.bin, "-v", voice, "-s", strconv.Itoa(wpm), "--stdout")
	cmd.Stdin = strings.NewReader(text)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("espeak: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("espeak: start: %w: %w", ErrEngine, err)
	}
	serr := e.stream(bufio.NewReaderSize(out, 16<<10), req.Rate, emit)
	if serr != nil {
		cancel()
	}
	werr := cmd.Wait()
	if serr != nil {
		return serr
	}
	if werr != nil {
		return fmt.Errorf("espeak: %w: %w (%s)", ErrEngine, werr, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// stream reads espeak-ng's WAV from r (its header has a placeholder data size when
// writing to a pipe, so the data runs to EOF) and emits resampled chunks.
func (e *ESpeak) stream(r io.Reader, rate int, emit func([]int16) error) error {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil || string(hdr[:4]) != "RIFF" || string(hdr[8:]) != "WAVE" {
		return fmt.Errorf("espeak: output is not WAV: %w", ErrEngine)
	}
	srcRate := 0
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return fmt.Errorf("espeak: WAV header: %w", ErrEngine)
		}
		size := binary.LittleEndian.Uint32(ch[4:])
		if string(ch[:4]) == "data" {
			break
		}
		if size > 1<<16 {
			return fmt.Errorf("espeak: WAV chunk of %d bytes: %w", size, ErrEngine)
		}
		body := make([]byte, size+size%2)
		if _, err := io.ReadFull(r, body); err != nil {
			return fmt.Errorf("espeak: WAV header: %w", ErrEngine)
		}
		if string(ch[:4]) == "fmt " && size >= 16 {
			if binary.LittleEndian.Uint16(body[2:]) != 1 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				return fmt.Errorf("espeak: WAV not mono 16-bit: %w", ErrEngine)
			}
			srcRate = int(binary.LittleEndian.Uint32(body[4:]))
		}
	}
	if srcRate == 0 {
		return fmt.Errorf("espeak: WAV without fmt chunk: %w", ErrEngine)
	}
	rs, err := NewResampler(srcRate, rate)
	if err != nil {
		return fmt.Errorf("espeak: %w", err)
	}
	defer rs.Close()
	buf := make([]byte, srcRate/10*2)
	pcm := make([]int16, len(buf)/2)
	for {
		n, rerr := io.ReadFull(r, buf)
		n -= n % 2
		if n > 0 {
			for i := range n / 2 {
				pcm[i] = int16(binary.LittleEndian.Uint16(buf[2*i:]))
			}
			if err := emit(rs.Process(pcm[:n/2])); err != nil {
				return err
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
				if tail := rs.Flush(); len(tail) > 0 {
					return emit(tail)
				}
				return nil
			}
			return fmt.Errorf("espeak: read: %w: %w", ErrEngine, rerr)
		}
	}
}
