package asr

import (
	"context"

	"go.uber.org/zap"
)

// DTMF is the engine for scripts that need no speech: its recognisers discard audio
// (at no cost) and turn WriteDTMF key presses into results with the grammar's DTMF
// intents. It has the same shape as the speech engines so the runtime need not care.
type DTMF struct {
	Logger *zap.Logger
}

// Name implements Engine.
func (d *DTMF) Name() string { return "dtmf" }

// NewRecognizer implements Engine. A grammar is optional; its phrases are ignored.
func (d *DTMF) NewRecognizer(ctx context.Context, opts StreamOptions) (Recognizer, error) {
	if opts.Grammar != nil {
		if err := opts.Grammar.Validate(); err != nil {
			return nil, err
		}
	}
	log := d.Logger
	if log == nil {
		log = zap.NewNop()
	}
	st := newStream(ctx, opts, log)
	go func() {
		defer st.finish()
		var samples int64
		for {
			select {
			case m := <-st.in:
				switch {
				case m.grammar != nil:
					m.reply <- nil
				case m.dtmf != 0:
					st.emitDTMF(m.dtmf, samples)
				case m.flush:
					m.reply <- nil
				default:
					samples += int64(len(m.pcm))
					st.putBuf(m.pcm)
				}
			case <-st.quit:
				return
			}
		}
	}()
	return st, nil
}
