package asr

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWarpReachesTheDecoder: the channel adaptation's decoders read the line with
// TelephonyWarp unless told otherwise; without the adaptation there is no warp but
// one given; a caller's own -warp_params still wins (tuning runs).
func TestWarpReachesTheDecoder(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts SphinxOptions
		want string // "" is no warp
	}{
		{"adapted, default", SphinxOptions{ChannelAdaptation: true}, "1.1"},
		{"adapted, turned off", SphinxOptions{ChannelAdaptation: true, Warp: -1}, ""},
		{"adapted, another warp", SphinxOptions{ChannelAdaptation: true, Warp: 1.05}, "1.05"},
		{"Debian's model", SphinxOptions{}, ""},
		{"Debian's model, a warp given", SphinxOptions{Warp: 0.9}, "0.9"},
		{"caller's argument wins", SphinxOptions{ChannelAdaptation: true, Args: map[string]string{"-warp_params": "1.2"}}, "1.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sphinxSaying(t, tc.opts, "yes")
			got := s.opts.Args["-warp_params"]
			if got != tc.want {
				t.Errorf("-warp_params %q, want %q", got, tc.want)
			}
			if typ := s.opts.Args["-warp_type"]; (tc.want != "") != (typ == "inverse_linear") {
				t.Errorf("-warp_type %q with -warp_params %q", typ, got)
			}
		})
	}
}

// TestFrameRateReachesTheDecoder: the channel adaptation's decoders compute
// TelephonyFrameRate frames a second unless told otherwise; without the adaptation
// pocketsphinx's 100 but one given; a caller's own -frate still wins, and one out of
// range is refused. Short answers get a second pool at TelephonyShortFrameRate with
// the adaptation, none at the main rate, in streaming, or without a rate given.
func TestFrameRateReachesTheDecoder(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts SphinxOptions
		arg  string // "" is no -frate argument
		rate int
	}{
		{"adapted, default", SphinxOptions{ChannelAdaptation: true}, strconv.Itoa(TelephonyFrameRate), TelephonyFrameRate},
		{"adapted, turned off", SphinxOptions{ChannelAdaptation: true, FrameRate: -1}, "", 100},
		{"adapted, another rate", SphinxOptions{ChannelAdaptation: true, FrameRate: 90}, "90", 90},
		{"Debian's model", SphinxOptions{}, "", 100},
		{"Debian's model, a rate given", SphinxOptions{FrameRate: 90}, "90", 90},
		{"caller's argument wins", SphinxOptions{ChannelAdaptation: true, Args: map[string]string{"-frate": "120"}}, "120", 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sphinxSaying(t, tc.opts, "yes")
			if got := s.opts.Args["-frate"]; got != tc.arg || s.main.frate != tc.rate {
				t.Errorf("-frate %q, frame rate %d; want %q, %d", got, s.main.frate, tc.arg, tc.rate)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		opts  SphinxOptions
		rate  int // 0: no short decoders
		below int // loud 20 ms frames
	}{
		{"adapted, default", SphinxOptions{ChannelAdaptation: true}, TelephonyShortFrameRate, int(TelephonyShortSpeech / (20 * time.Millisecond))},
		{"adapted, turned off", SphinxOptions{ChannelAdaptation: true, ShortFrameRate: -1}, 0, 0},
		{"adapted at 100: the same rate", SphinxOptions{ChannelAdaptation: true, FrameRate: -1}, 0, 0},
		{"adapted, another threshold", SphinxOptions{ChannelAdaptation: true, ShortSpeech: 600 * time.Millisecond}, TelephonyShortFrameRate, 30},
		{"Debian's model", SphinxOptions{}, 0, 0},
		{"Debian's model, a short rate given", SphinxOptions{FrameRate: 80, ShortFrameRate: 120}, 120, int(TelephonyShortSpeech / (20 * time.Millisecond))},
		{"streaming", SphinxOptions{ChannelAdaptation: true, Streaming: true}, 0, 0},
	} {
		t.Run("short "+tc.name, func(t *testing.T) {
			s := sphinxSaying(t, tc.opts, "yes")
			rate := 0
			if s.short != nil {
				rate = s.short.frate
			}
			if rate != tc.rate || (rate != 0 && s.shortLoud != tc.below) {
				t.Errorf("short decoders at %d frames/s under %d loud frames; want %d, %d", rate, s.shortLoud, tc.rate, tc.below)
			}
		})
	}
	if s, err := NewSphinx(SphinxOptions{Vocabulary: []string{"yes"}, ChannelAdaptation: true, ShortFrameRate: 300}); err == nil {
		s.Close()
		t.Error("short frame rate 300 accepted")
	} else if !errors.Is(err, ErrEngine) {
		t.Errorf("short frame rate 300: %v", err)
	}
	for _, bad := range []string{"abc", "20", "400"} {
		if s, err := NewSphinx(SphinxOptions{Vocabulary: []string{"yes"}, Args: map[string]string{"-frate": bad}}); err == nil {
			s.Close()
			t.Errorf("-frate %q accepted", bad)
		} else if !errors.Is(err, ErrEngine) || !strings.Contains(err.Error(), "-frate") {
			t.Errorf("-frate %q: %v", bad, err)
		}
	}
}

// TestFrameMapping: decoder frames and the VAD's 20 ms frames line up in time at
// any frame rate (the rejection's coverage and the phone loop's window use it).
func TestFrameMapping(t *testing.T) {
	for _, tc := range []struct {
		rate       int
		dec, vad   int // a decoder frame and the VAD frame it falls in
		vadStarts  int // a VAD frame and its first decoder frame
		decOfStart int
	}{
		{100, 7, 3, 3, 6},
		{80, 7, 4, 3, 4}, // 87.5 ms is in the VAD frame at 80–100 ms
		{80, 40, 25, 25, 40},
		{125, 10, 4, 4, 10},
	} {
		if got := vadFrame(tc.dec, tc.rate); got != tc.vad {
			t.Errorf("%d frames/s: decoder frame %d in VAD frame %d, want %d", tc.rate, tc.dec, got, tc.vad)
		}
		if got := decoderFrame(tc.vadStarts, tc.rate); got != tc.decOfStart {
			t.Errorf("%d frames/s: VAD frame %d starts at decoder frame %d, want %d", tc.rate, tc.vadStarts, got, tc.decOfStart)
		}
	}
}

// sphinxSaying is an engine of opts knowing only words, closed when the test ends.
func sphinxSaying(t *testing.T, opts SphinxOptions, words ...string) *Sphinx {
	t.Helper()
	opts.Vocabulary = words
	s, err := NewSphinx(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
