package adapt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/voxdial/voxdial/asr"
	"github.com/voxdial/voxdial/media"
)

// ErrNoTrainer means sphinxtrain is not installed (Debian: apt-get install
// sphinxtrain sphinxbase-utils pocketsphinx).
var ErrNoTrainer = errors.New("sphinxtrain tools not found (apt-get install sphinxtrain sphinxbase-utils pocketsphinx)")

// Utterance is one adaptation sentence as the decoder hears it.
type Utterance struct {
	ID     string
	Text   string
	PCM16k []int16
}

// Options locates the model and the tools; zero values take Debian's paths.
type Options struct {
	ModelDir string // asr.DefaultSphinxModel
	Dict     string // asr.DefaultSphinxDict
	WorkDir  string // required: receives features, accumulators and the transform
	ToolDir  string // /usr/lib/sphinxtrain
	Log      io.Writer
	// Tau is MAP's prior weight, in frames: a Gaussian moves halfway to what the
	// audio showed of it once the audio held Tau frames of it; default DefaultTau.
	Tau float64
	// Warp is the front end's frequency warp the features are computed with
	// (inverse linear, as the decoder's asr.SphinxOptions.Warp): the decoder that
	// uses the fit must read the line the same way. 0 or negative: none.
	Warp float64
	// FrameRate is the features' frames a second (as the decoder's
	// asr.SphinxOptions.FrameRate); 0 or negative: the model's own 100.
	FrameRate int
}

// DefaultTau was chosen on the tuning split with one tuning voice left out of the
// fit (docs/measured-facts.md): 400 kept the left-out voice's answers that 100 lost.
const DefaultTau = 400

// Fitted is what Fit wrote.
type Fitted struct {
	// MLLR is the global mean transform (pocketsphinx -mllr).
	MLLR string
	// Means and Variances are the model's Gaussians moved by the transform and then
	// by MAP adaptation (pocketsphinx -mean, -var): each Gaussian by as much as the
	// adaptation audio showed of it, where the one transform moves all of them alike.
	Means, Variances string
	// Utterances is how many were used: those whose words the dictionary knows.
	Utterances int
}

// Fit writes the utterances, computes their features, accumulates statistics against
// the model (bw), solves one global MLLR mean transform (mllr_solve), and MAP-adapts
// the transformed model's means and variances (map_adapt) from statistics gathered
// against it.
func Fit(ctx context.Context, utts []Utterance, o Options) (Fitted, error) {
	var none Fitted
	if o.ModelDir == "" {
		o.ModelDir = asr.DefaultSphinxModel
	}
	if o.Dict == "" {
		o.Dict = asr.DefaultSphinxDict
	}
	if o.ToolDir == "" {
		o.ToolDir = "/usr/lib/sphinxtrain"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.WorkDir == "" {
		return none, errors.New("adapt: no work directory")
	}
	tools := map[string]string{}
	for _, t := range []string{"bw", "mllr_solve", "mllr_transform", "map_adapt"} {
		p := filepath.Join(o.ToolDir, t)
		if _, err := os.Stat(p); err != nil {
			return none, fmt.Errorf("adapt: %s: %w", p, ErrNoTrainer)
		}
		tools[t] = p
	}
	for _, t := range []string{"sphinx_fe", "pocketsphinx_mdef_convert"} {
		p, err := exec.LookPath(t)
		if err != nil {
			return none, fmt.Errorf("adapt: %s: %w", t, ErrNoTrainer)
		}
		tools[t] = p
	}
	known, err := dictWords(o.Dict)
	if err != nil {
		return none, err
	}
	wd := o.WorkDir
	for _, d := range []string{"wav", "model", "accum"} {
		if err := os.MkdirAll(filepath.Join(wd, d), 0o755); err != nil {
			return none, fmt.Errorf("adapt: %w", err)
		}
	}
	var ids, trans strings.Builder
	used := 0
	for _, u := range utts {
		ws := asr.Words(u.Text)
		ok := len(ws) > 0
		for _, w := range ws {
			ok = ok && known[w]
		}
		if !ok {
			continue
		}
		if err := media.WriteWAVFile(filepath.Join(wd, "wav", u.ID+".wav"), 16000, 1, u.PCM16k); err != nil {
			return none, err
		}
		fmt.Fprintf(&ids, "wav/%s\n", u.ID)
		fmt.Fprintf(&trans, "<s> %s </s> (%s)\n", strings.Join(ws, " "), u.ID)
		used++
	}
	if used == 0 {
		return none, errors.New("adapt: no utterance whose words the dictionary knows")
	}
	ctl, lsn := filepath.Join(wd, "adapt.fileids"), filepath.Join(wd, "adapt.transcription")
	if err := os.WriteFile(ctl, []byte(ids.String()), 0o644); err != nil {
		return none, fmt.Errorf("adapt: %w", err)
	}
	if err := os.WriteFile(lsn, []byte(trans.String()), 0o644); err != nil {
		return none, fmt.Errorf("adapt: %w", err)
	}
	run := func(name string, args ...string) error {
		fmt.Fprintf(o.Log, "adapt: %s %s\n", filepath.Base(name), strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, name, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			tail := string(out)
			if len(tail) > 2000 {
				tail = tail[len(tail)-2000:]
			}
			return fmt.Errorf("adapt: %s: %w\n%s", filepath.Base(name), err, tail)
		}
		return nil
	}
	feArgs := []string{"-argfile", filepath.Join(o.ModelDir, "feat.params"), "-samprate", "16000",
		"-c", ctl, "-di", wd, "-do", wd, "-ei", "wav", "-eo", "mfc", "-mswav", "yes"}
	if o.Warp > 0 {
		feArgs = append(feArgs, "-warp_type", "inverse_linear", "-warp_params", strconv.FormatFloat(o.Warp, 'f', -1, 64))
	}
	if o.FrameRate > 0 {
		feArgs = append(feArgs, "-frate", strconv.Itoa(o.FrameRate))
	}
	if err := run(tools["sphinx_fe"], feArgs...); err != nil {
		return none, err
	}
	model := filepath.Join(wd, "model")
	if err := linkModel(model, o.ModelDir, ""); err != nil {
		return none, err
	}
	mdef := filepath.Join(model, "mdef.txt")
	if err := run(tools["pocketsphinx_mdef_convert"], "-text", filepath.Join(o.ModelDir, "mdef"), mdef); err != nil {
		return none, err
	}
	if _, err := os.Stat(filepath.Join(o.ModelDir, "mixture_weights")); err != nil {
		_ = os.Remove(filepath.Join(model, "mixture_weights"))
		if err := SendumpToMixw(filepath.Join(o.ModelDir, "sendump"), filepath.Join(model, "mixture_weights")); err != nil {
			return none, err
		}
	}
	// bw gathers the statistics of the utterances against the model in hmmdir.
	bw := func(hmmdir, accum string) error {
		if err := os.MkdirAll(accum, 0o755); err != nil {
			return fmt.Errorf("adapt: %w", err)
		}
		return run(tools["bw"], "-hmmdir", hmmdir, "-moddeffn", mdef, "-ts2cbfn", ".ptm.", "-feat", "1s_c_d_dd",
			"-svspec", "0-12/13-25/26-38", "-cmn", "batch", "-agc", "none", "-dictfn", o.Dict,
			"-ctlfn", ctl, "-lsnfn", lsn, "-cepdir", wd, "-accumdir", accum)
	}
	if err := bw(model, filepath.Join(wd, "accum")); err != nil {
		return none, err
	}
	out := filepath.Join(wd, "mllr_matrix")
	if err := run(tools["mllr_solve"], "-meanfn", filepath.Join(o.ModelDir, "means"), "-varfn", filepath.Join(o.ModelDir, "variances"),
		"-outmllrfn", out, "-accumdir", filepath.Join(wd, "accum")); err != nil {
		return none, err
	}
	// MAP on top of the transform (the usual order: the transform moves every
	// Gaussian alike, MAP then moves each by what the audio showed of it). The
	// statistics are gathered again against the transformed model, and a fixed prior
	// weight keeps Gaussians the tuning voices barely used where the transform put
	// them: with Bayesian updating alone the model learnt the tuning voices and lost
	// answers of a voice it had not heard (docs/measured-facts.md).
	moved := filepath.Join(wd, "model-mllr")
	if err := linkModel(moved, model, "means"); err != nil {
		return none, err
	}
	movedMeans := filepath.Join(moved, "means")
	if err := run(tools["mllr_transform"], "-inmeanfn", filepath.Join(o.ModelDir, "means"), "-outmeanfn", movedMeans, "-mllrmat", out); err != nil {
		return none, err
	}
	accum2 := filepath.Join(wd, "accum-mllr")
	if err := bw(moved, accum2); err != nil {
		return none, err
	}
	tau := o.Tau
	if tau <= 0 {
		tau = DefaultTau
	}
	f := Fitted{MLLR: out, Means: filepath.Join(wd, "means"), Variances: filepath.Join(wd, "variances"), Utterances: used}
	if err := run(tools["map_adapt"], "-moddeffn", mdef, "-ts2cbfn", ".ptm.", "-meanfn", movedMeans,
		"-varfn", filepath.Join(o.ModelDir, "variances"), "-mixwfn", filepath.Join(model, "mixture_weights"),
		"-tmatfn", filepath.Join(o.ModelDir, "transition_matrices"), "-accumdir", accum2,
		"-mapmeanfn", f.Means, "-mapvarfn", f.Variances, "-bayesmean", "no", "-fixedtau", "yes", "-tau", strconv.FormatFloat(tau, 'f', -1, 64)); err != nil {
		return none, err
	}
	return f, nil
}

// linkModel fills dst with links to every file of the model directory src but skip
// (replacing links left by an earlier fit).
func linkModel(dst, src, skip string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("adapt: %w", err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("adapt: %w", err)
	}
	for _, e := range entries {
		if e.Name() == skip {
			continue
		}
		link := filepath.Join(dst, e.Name())
		_ = os.Remove(link)
		if err := os.Symlink(filepath.Join(src, e.Name()), link); err != nil {
			return fmt.Errorf("adapt: %w", err)
		}
	}
	return nil
}

func dictWords(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("adapt: dictionary: %w", err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w, _, _ := strings.Cut(sc.Text(), " ")
		if i := strings.IndexByte(w, '('); i > 0 {
			w = w[:i]
		}
		out[w] = true
	}
	return out, sc.Err()
}
