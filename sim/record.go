package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Who sent the BYE that ended an answered call.
const (
	ByeSim  = "sim"  // the simulator hung up (a hangup turn, after_turns: hangup, max_duration, Close)
	ByePeer = "peer" // the dialer hung up
)

// CallRecord is what the simulator saw of one call. Counters of an active
// call are a snapshot.
type CallRecord struct {
	CallID    string `json:"call_id"`
	To        string `json:"to"`   // Request-URI user part
	From      string `json:"from"` // From user part: the caller ID presented
	Behaviour string `json:"behaviour"`
	Kind      Kind   `json:"kind"`
	Transport string `json:"transport"`
	SRTP      bool   `json:"srtp"` // media was SRTP (the offer carried a=crypto we accepted)
	// FinalStatus is the final response we sent to the INVITE (487 after a
	// CANCEL); 0 while ringing.
	FinalStatus    int    `json:"final_status"`
	Cancelled      bool   `json:"cancelled"`
	AuthChallenged bool   `json:"auth_challenged"` // we sent 401 for this Call-ID at least once
	ByeFrom        string `json:"bye_from"`        // "sim", "peer" or "" (never answered)
	DTMFReceived   string `json:"dtmf_received"`
	// PacketsReceived counts the audio frames that arrived (RTP packets decoded).
	PacketsReceived uint64 `json:"packets_received"`
	// ReceivedRMS is the RMS of all received audio (0 when none came).
	ReceivedRMS float64 `json:"received_rms"`
	// ReInvites counts 2xx answers to re-INVITEs the simulator sent;
	// ReInvitesAnswered counts re-INVITEs from the dialer the simulator answered.
	ReInvites         int `json:"reinvites"`
	ReInvitesAnswered int `json:"reinvites_answered"`
	TurnsDone         int `json:"turns_done"`
	// Spoken has one entry per turn that played audio, in order.
	Spoken []TurnRecord `json:"spoken,omitempty"`
	// ReferTo is the Refer-To target of a REFER the person accepted.
	ReferTo       string    `json:"refer_to,omitempty"`
	RecordingPath string    `json:"recording,omitempty"`
	StartedAt     time.Time `json:"started_at"`
	AnsweredAt    time.Time `json:"answered_at,omitzero"`
	EndedAt       time.Time `json:"ended_at,omitzero"`
	Active        bool      `json:"active"`
	Err           string    `json:"error,omitempty"`
}

// TurnRecord is one spoken turn as seen on the wire.
type TurnRecord struct {
	Turn     int       `json:"turn"`
	SpeechAt time.Time `json:"speech_at"` // the first frame of our speech (leading silence skipped) was sent
	EndedAt  time.Time `json:"ended_at"`  // our audio ended
	// BotLastSpeechAt is the last frame of bot speech received after SpeechAt and
	// before EndedAt (zero when the bot was quiet all along): with barge-in it is
	// when the bot's playback stopped.
	BotLastSpeechAt time.Time `json:"bot_last_speech_at,omitzero"`
	// BotSpeechBeforeAt is the last frame of bot speech received before this turn
	// began playing (zero when none since the wait for the turn began).
	BotSpeechBeforeAt time.Time `json:"bot_speech_before_at,omitzero"`
	// ClockStalls counts the simulator's media-clock ticks that ran more than a frame
	// late while this turn played (its machine was short of CPU): the turn's audio
	// went out with gaps, and what the bot heard is not what the voice said.
	ClockStalls uint64 `json:"clock_stalls,omitempty"`
}

// callTable holds calls by Call-ID (for records) and by dialog ID (for
// in-dialog requests).
type callTable struct {
	mu       sync.Mutex
	byID     map[string]*call
	dialogs  map[string]*call
	order    []string // Call-IDs in arrival order
	max      int
	finished int
	waiters  map[string][]chan struct{} // WaitCall before the INVITE arrived
}

func newCallTable(limit int) *callTable {
	return &callTable{
		byID:    map[string]*call{},
		dialogs: map[string]*call{},
		waiters: map[string][]chan struct{}{},
		max:     limit,
	}
}

// add registers c; a previous attempt with the same Call-ID (a digest retry)
// is replaced and passes on its AuthChallenged flag.
func (t *callTable) add(c *call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.byID[c.rec.CallID]; ok {
		prev.mu.Lock()
		c.rec.AuthChallenged = prev.rec.AuthChallenged
		prevDone := !prev.rec.Active
		prev.mu.Unlock()
		if prevDone {
			t.finished--
		}
	} else {
		t.order = append(t.order, c.rec.CallID)
	}
	t.byID[c.rec.CallID] = c
	for _, w := range t.waiters[c.rec.CallID] {
		close(w)
	}
	delete(t.waiters, c.rec.CallID)
}

func (t *callTable) addDialog(id string, c *call) {
	t.mu.Lock()
	t.dialogs[id] = c
	t.mu.Unlock()
}

// finish drops the dialog and evicts the oldest finished records beyond max.
func (t *callTable) finish(c *call, dialogID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if dialogID != "" && t.dialogs[dialogID] == c {
		delete(t.dialogs, dialogID)
	}
	if t.byID[c.rec.CallID] != c {
		return
	}
	t.finished++
	for t.finished > t.max && len(t.order) > 0 {
		id := t.order[0]
		old := t.byID[id]
		old.mu.Lock()
		active := old.rec.Active
		old.mu.Unlock()
		if active {
			break // keep order; an old active call holds eviction back
		}
		t.order = t.order[1:]
		delete(t.byID, id)
		t.finished--
	}
}

func (t *callTable) byDialog(req *sip.Request) *call {
	id, err := sip.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dialogs[id]
}

func (t *callTable) snapshot() []CallRecord {
	t.mu.Lock()
	calls := make([]*call, 0, len(t.order))
	for _, id := range t.order {
		calls = append(calls, t.byID[id])
	}
	t.mu.Unlock()
	out := make([]CallRecord, len(calls))
	for i, c := range calls {
		out[i] = c.record()
	}
	return out
}

func (t *callTable) wait(ctx context.Context, callID string) (CallRecord, error) {
	for {
		t.mu.Lock()
		c, ok := t.byID[callID]
		var arrived chan struct{}
		if !ok {
			arrived = make(chan struct{})
			t.waiters[callID] = append(t.waiters[callID], arrived)
		}
		t.mu.Unlock()
		if !ok {
			select {
			case <-arrived:
				continue
			case <-ctx.Done():
				t.dropWaiter(callID, arrived)
				return CallRecord{}, fmt.Errorf("wait call %s: %w (%v)", callID, ErrUnknownCall, ctx.Err())
			}
		}
		select {
		case <-c.done:
			// A digest retry may have replaced this attempt meanwhile: follow it.
			t.mu.Lock()
			cur := t.byID[callID]
			t.mu.Unlock()
			if cur != nil && cur != c {
				continue
			}
			return c.record(), nil
		case <-ctx.Done():
			return c.record(), fmt.Errorf("wait call %s: %w", callID, ctx.Err())
		}
	}
}

func (t *callTable) dropWaiter(callID string, w chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ws := t.waiters[callID]
	for i, x := range ws {
		if x == w {
			t.waiters[callID] = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(t.waiters[callID]) == 0 {
		delete(t.waiters, callID)
	}
}
