package asr

import "testing"

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
			tc.opts.Vocabulary = []string{"yes"}
			s, err := NewSphinx(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
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
