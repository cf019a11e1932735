//go:build !cgo

package asr

import "fmt"

// SphinxBuiltIn reports whether this build has pocketsphinx (cgo).
const SphinxBuiltIn = false

// sphinxBuiltIn fails NewSphinx at once in a build without cgo.
func sphinxBuiltIn() error { return fmt.Errorf("pocketsphinx: %w", ErrNotBuiltIn) }

// decoder stands in for the pocketsphinx decoder of sphinx_cgo.go: NewSphinx
// fails before any is made.
type decoder struct {
	pool     *decoderPool
	frate    int
	searches map[string]bool
	words    map[string]bool
	inUtt    bool
}

type segment struct {
	word       string
	start, end int
	ascr       int32
}

func quietSphinx() {}

func newDecoder(string, string, float64, map[string]string) (*decoder, error) {
	return nil, sphinxBuiltIn()
}

func (*decoder) free()                                        {}
func (*decoder) resetScoreCache()                             {}
func (*decoder) addWord(string, string, bool) error           { return sphinxBuiltIn() }
func (*decoder) useGrammar(string, string) error              { return sphinxBuiltIn() }
func (*decoder) useAllphone(string) error                     { return sphinxBuiltIn() }
func (*decoder) useLM(string, string, float64, float64) error { return sphinxBuiltIn() }
func (*decoder) pathScore() (int64, int)                      { return 0, 0 }
func (*decoder) pathScoreWindow(int, int) int64               { return 0 }
func (*decoder) useKeyphrases(string, string) error           { return sphinxBuiltIn() }
func (*decoder) startUtt() error                              { return sphinxBuiltIn() }
func (*decoder) process([]int16) error                        { return sphinxBuiltIn() }
func (*decoder) processUtt([]int16) error                     { return sphinxBuiltIn() }
func (*decoder) endUtt() error                                { return sphinxBuiltIn() }
func (*decoder) hyp() (string, int32)                         { return "", 0 }
func (*decoder) segments() []segment                          { return nil }
func (*decoder) cmn() string                                  { return "" }
func (*decoder) posteriors() []float64                        { return nil }
func (*decoder) nbest(int) ([]string, []float64)              { return nil, nil }

// lmUnigrams needs pocketsphinx's language-model reader.
func lmUnigrams(string, int) ([]unigram, error) { return nil, sphinxBuiltIn() }

// upsampler and denoiser stand in for the speexdsp ones of upsample.go.
type upsampler struct{}

func newUpsampler() (*upsampler, error) { return nil, fmt.Errorf("speexdsp: %w", ErrNotBuiltIn) }

func (*upsampler) process(in []int16) []int16 { return in }
func (*upsampler) close()                     {}

type denoiser struct{}

func newDenoiser(int) *denoiser { return &denoiser{} }

func (*denoiser) process([]int16) {}
func (*denoiser) close()          {}

type webrtcDenoiser struct{}

func newWebRTCDenoiser(int) *webrtcDenoiser { return &webrtcDenoiser{} }

func (*webrtcDenoiser) process([]int16) {}
func (*webrtcDenoiser) close()          {}
