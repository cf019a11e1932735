package dialer

import (
	"time"

	"github.com/voxdial/voxdial/voicebot/inspect"
	"github.com/voxdial/voxdial/voicebot/sentiment"
)

// Result is what one call attempt produced, in the shape of the call contract
// (docs/call-result.md). The bot fills disposition, tags, variables, transcript and
// the opt-out/transfer fields; the dialer fills the rest.
type Result struct {
	CallID      string            `json:"call_id"`
	To          string            `json:"to"`
	Trunk       string            `json:"trunk"`
	Outcome     Outcome           `json:"outcome"`
	SIPStatus   int               `json:"sip_status"`
	SIPReason   string            `json:"sip_reason"`
	Reason      string            `json:"reason,omitempty"` // our own explanation when the outcome is failed
	Disposition string            `json:"disposition"`
	Tags        []string          `json:"tags"`
	Variables   map[string]string `json:"variables"`
	AMD         *AMD              `json:"amd"`
	Transcript  []Turn            `json:"transcript"`
	Timings     Timings           `json:"timings"`
	HangupBy    string            `json:"hangup_by"` // bot | caller | timeout; empty when never answered
	Recording   string            `json:"recording"`
	DTMF        string            `json:"dtmf"` // digits received from the far end, in order
	OptOut      bool              `json:"opt_out"`
	Transfer    *string           `json:"transfer"`
	Callback    *Callback         `json:"callback"` // a new attempt the script asked for
	EarlyMedia  bool              `json:"early_media"`
	Codec       string            `json:"codec,omitempty"`
	ReInvites   int               `json:"reinvites"` // in-dialog re-INVITEs answered
	Media       *MediaStats       `json:"media"`

	// RecordingError says why the call has no recording though one was asked for (the
	// directory not writable, the disk full); the call itself went on.
	RecordingError string `json:"recording_error,omitempty"`

	// Capture and knowledge (voicebot/capture.go, voicebot/knowledge.go): slot → value
	// captured from the caller, survey question → answer, the knowledge entries that
	// answered, the caller's questions nothing answered.
	Captured   map[string]string `json:"captured,omitempty"`
	Survey     map[string]string `json:"survey,omitempty"`
	Knowledge  []string          `json:"knowledge,omitempty"`
	Unanswered []string          `json:"unanswered,omitempty"`
	// Conversation intelligence (docs/inspection.md), filled by the voice bot:
	// the caller's sentiment over the call, and the post-call inspection.
	Sentiment  *sentiment.Summary `json:"sentiment,omitempty"`
	Inspection *inspect.Report    `json:"inspection,omitempty"`
	// Insight is the post-call grade and summary (insight.go); nil until analysed.
	Insight *Insight `json:"insight,omitempty"`
}

// Callback is the script's request to call again later; the campaign's
// scheduler still puts it through the compliance gate.
type Callback struct {
	AfterS int64 `json:"after_s"` // seconds after the call ended
}

// AMD is the answering-machine verdict; nil until AMD runs on the call.
type AMD struct {
	Verdict    string  `json:"verdict"` // human | machine | not_sure
	Confidence float64 `json:"confidence"`
	DecidedMS  int64   `json:"decided_ms"`
	Reason     string  `json:"reason,omitempty"`
}

// Turn is one entry of the transcript: what was said or pressed, in which
// script state, what it matched and where it sent the call.
type Turn struct {
	Role       string   `json:"role"` // bot | caller
	State      string   `json:"state,omitempty"`
	Text       string   `json:"text"`
	Intent     string   `json:"intent,omitempty"`
	DTMF       string   `json:"dtmf,omitempty"`
	Score      *float64 `json:"score,omitempty"`      // intent match score
	Match      string   `json:"match,omitempty"`      // phrase | llm
	Confidence float64  `json:"confidence,omitempty"` // the recogniser's
	Event      string   `json:"event,omitempty"`      // no_input, no_match, barge_in, voicemail, …
	Branch     string   `json:"branch,omitempty"`     // "yes → reminder"
	StartMS    int64    `json:"start_ms"`
	EndMS      int64    `json:"end_ms"`
	Slot       string   `json:"slot,omitempty"`      // the slot the turn filled, with Value
	Value      string   `json:"value,omitempty"`     //
	Knowledge  string   `json:"knowledge,omitempty"` // the knowledge entry asked / answered
	// A caller turn's sentiment: valence, anger (words and voice), the voice's arousal.
	Sentiment *float64 `json:"sentiment,omitempty"`
	Anger     *float64 `json:"anger,omitempty"`
	Arousal   *float64 `json:"arousal,omitempty"`
}

// Timings of the call. Times are wall clock; the _ms figures are durations.
type Timings struct {
	InviteAt             time.Time  `json:"invite_at"`
	RingingAt            *time.Time `json:"ringing_at"`
	AnsweredAt           *time.Time `json:"answered_at"`
	EndedAt              time.Time  `json:"ended_at"`
	SetupMS              int64      `json:"setup_ms"` // INVITE sent → final response
	AnswerToFirstAudioMS *int64     `json:"answer_to_first_audio_ms"`
	TurnLatencyMS        []int64    `json:"turn_latency_ms"`
	// TurnRecognitionMS is, per turn, the part of TurnLatencyMS from the caller's end
	// of speech to the recogniser's final result.
	TurnRecognitionMS []int64 `json:"turn_recognition_ms,omitempty"`
	DurationMS        int64   `json:"duration_ms"` // answered → ended
}

// MediaStats are the leg's RTP and RTCP figures.
type MediaStats struct {
	PacketsSent       uint64   `json:"packets_sent"`
	PacketsReceived   uint64   `json:"packets_received"`
	PacketsLost       uint64   `json:"packets_lost"`
	PacketsInvalid    uint64   `json:"packets_invalid"`
	PacketsRejected   uint64   `json:"packets_rejected"` // from a source that is not the far end (not latched)
	SRTP              bool     `json:"srtp"`             // media was encrypted (SRTP)
	Remote            string   `json:"remote"`
	JitterMS          float64  `json:"jitter_ms"`           // RFC 3550 interarrival jitter of what we receive
	JitterBufferMS    float64  `json:"jitter_buffer_ms"`    // the receive buffer's depth at the end
	LatePackets       uint64   `json:"late_packets"`        // arrived too late to play
	DuplicatePackets  uint64   `json:"duplicate_packets"`   // dropped duplicates
	ConcealedFrames   uint64   `json:"concealed_frames"`    // lost frames filled by concealment
	RemotePacketsLost uint64   `json:"remote_packets_lost"` // our packets the far end reports lost (RTCP)
	RemoteJitterMS    float64  `json:"remote_jitter_ms"`    // jitter the far end measures on our stream (RTCP)
	RTTMS             *float64 `json:"rtt_ms"`              // round trip from RTCP; null until known
	RTCPSent          uint64   `json:"rtcp_sent"`
	RTCPReceived      uint64   `json:"rtcp_received"`
	// ClockStalls: 20 ms ticks on which our media clock ran more than a frame late
	// (this machine was short of CPU): audio went out late and may have gaps.
	ClockStalls uint64 `json:"clock_stalls"`
	// SilenceFrames: 20 ms frames of silence made up where no packet came (DTX pauses,
	// lost packets); BehindSilence: frames that came after their time had been made up
	// as silence (this process read them late), heard with a gap before them.
	SilenceFrames uint64 `json:"silence_frames"`
	BehindSilence uint64 `json:"behind_silence"`
}
