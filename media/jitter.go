package media

import (
	"sync/atomic"
	"time"
)

// JitterOptions configure a session's receive jitter buffer. Zero values take defaults.
type JitterOptions struct {
	// Disabled delivers audio as it arrives, with no reordering or concealment.
	Disabled bool
	// MinDelay is the shortest wait for a missing packet before it is concealed
	// (default 40 ms: two later frames).
	MinDelay time.Duration
	// MaxDelay caps the adaptive wait (default 200 ms; at most 240 ms).
	MaxDelay time.Duration
}

const (
	jbSlots = 16 // ring of frames: 320 ms, above the largest wait
	// jbPayload bytes per slot: 60 ms of G.711, any sane 20 ms Opus packet; larger
	// payloads bypass the buffer (decoded on arrival). 16 slots cost ~8 KB a leg.
	jbPayload = 480
	// jbRelaxAfter: frames released without a late packet before the late-packet
	// allowance shrinks by a frame.
	jbRelaxAfter = 500
)

func (o JitterOptions) frames() (lo, hi int) {
	lo, hi = 2, 10
	if o.MinDelay > 0 {
		lo = max(1, int((o.MinDelay+FrameDuration-1)/FrameDuration))
	}
	if o.MaxDelay > 0 {
		hi = int(o.MaxDelay / FrameDuration)
	}
	hi = min(max(hi, lo), jbSlots-4)
	lo = min(lo, hi)
	return lo, hi
}

// JitterStats count what the jitter buffer did.
type JitterStats struct {
	Late       uint64        // arrived after their frame was concealed: dropped
	Duplicates uint64        // same sequence number twice: dropped
	Concealed  uint64        // frames made up for lost packets (PLC, or Opus FEC)
	Dropped    uint64        // buffered frames discarded on a stream reset (new SSRC, jump)
	Depth      time.Duration // current wait for a missing packet
	Jitter     time.Duration // RFC 3550 interarrival jitter estimate
}

type jbSlot struct {
	ext     int64
	used    bool
	silence bool // a telephone-event packet held the sequence number
	pt      uint8
	at      time.Duration
	payload []byte // aliases the receive buffer copy in buf
	buf     [jbPayload]byte
}

type jbKind uint8

const (
	jbPacket  jbKind = iota + 1 // play payload
	jbConceal                   // a packet is missing: conceal
)

// jbFrame is one release: a packet, or a concealment (with the next packet's payload
// for Opus in-band FEC when it is buffered).
type jbFrame struct {
	kind    jbKind
	pt      uint8
	silence bool
	at      time.Duration
	payload []byte // aliases the slot: valid until the next push
	fec     []byte
}

// jitterBuffer puts received packets back in sequence order on the receive path. A
// voice bot has no loudspeaker to feed at a steady rate, so frames are released as
// soon as they are in order — no added delay while nothing is missing. A gap holds
// the frames after it until the missing packet arrives (reordered: played in place)
// or until the wait runs out — the target depth, counted in later frames buffered —
// and the frame is concealed. Packets older than the release point are late; a
// repeated sequence number is a duplicate; a new SSRC or a jump past the ring
// restarts the buffer. The target depth is max(MinDelay, 3 × jitter + a frame, a
// late-packet allowance raised by each late arrival and relaxed slowly), capped at
// MaxDelay. One goroutine (the session's receive path) uses it; counters are atomic
// for Stats.
type jitterBuffer struct {
	slots   [jbSlots]jbSlot
	minF    int
	maxF    int
	target  int
	bump    int
	relax   int
	started bool // released since the last reset: next-1 was the last frame out
	next    int64
	maxExt  int64
	haveSeq bool
	ssrc    uint32
	count   int
	lastAt  time.Duration
	outHist uint64 // bit d: frame next-1-d was released as a packet (not concealed)

	jitter16  int64 // RFC 3550 A.8 estimate ×16, nanoseconds
	lastTrans time.Duration
	haveTrans bool

	late, dups, concealed, dropped atomic.Uint64
	depthNs, jitterNs              atomic.Int64
}

func newJitterBuffer(o JitterOptions) *jitterBuffer {
	j := &jitterBuffer{}
	j.minF, j.maxF = o.frames()
	j.target = j.minF
	j.depthNs.Store(int64(j.target) * int64(FrameDuration))
	return j
}

// push stores one packet (copying payload); at is its media time, arrival its arrival
// since session start (for the jitter estimate). Then call pop until it returns false.
func (j *jitterBuffer) push(seq uint16, ssrc uint32, pt uint8, payload []byte, at, arrival time.Duration, silence bool) {
	if j.haveSeq && ssrc != j.ssrc {
		j.reset()
	}
	j.ssrc = ssrc
	if !silence {
		transit := arrival - at
		if j.haveTrans {
			d := transit - j.lastTrans
			if d < 0 {
				d = -d
			}
			j.jitter16 += int64(d) - (j.jitter16+8)/16
			j.jitterNs.Store(j.jitter16 / 16)
		}
		j.lastTrans, j.haveTrans = transit, true
	}
	var ext int64
	if !j.haveSeq {
		ext = int64(seq) + 1<<16 // room below for packets reordered around the first
		j.haveSeq, j.maxExt = true, ext
	} else {
		ext = j.maxExt + int64(int16(seq-uint16(j.maxExt)))
	}
	if j.started && ext < j.next {
		if d := j.next - 1 - ext; d < 64 && j.outHist>>d&1 == 1 {
			j.dups.Add(1) // a repeat of a packet already released
			return
		}
		j.late.Add(1)
		j.waitLonger() // we gave up too early
		return
	}
	if !j.started && (j.count == 0 || ext < j.next) {
		j.next = ext
	}
	if ext >= j.next+jbSlots {
		// Far ahead of the release point (a long gap, or the sender restarted).
		j.reset()
		j.haveSeq, j.ssrc, j.next, j.maxExt = true, ssrc, ext, ext
	}
	if ext > j.maxExt {
		j.maxExt = ext
	}
	s := &j.slots[ext%jbSlots]
	if s.used && s.ext == ext {
		j.dups.Add(1)
		return
	}
	s.used, s.ext, s.pt, s.silence, s.at = true, ext, pt, silence, at
	s.payload = s.buf[:copy(s.buf[:], payload)]
	j.count++
}

func (j *jitterBuffer) reset() {
	for i := range j.slots {
		if j.slots[i].used {
			j.slots[i].used = false
			j.dropped.Add(1)
		}
	}
	j.count, j.started, j.haveSeq, j.haveTrans = 0, false, false, false
}

// pop releases the next frame into f, if one is due: the next packet in sequence, or
// a concealment when the gap has waited its turn. The payload aliases the buffer until
// the next push.
func (j *jitterBuffer) pop(f *jbFrame) bool {
	if j.count == 0 {
		return false
	}
	s := &j.slots[j.next%jbSlots]
	if s.used && s.ext == j.next {
		f.kind, f.pt, f.silence, f.at, f.payload, f.fec = jbPacket, s.pt, s.silence, s.at, s.payload, nil
		s.used = false
		j.count--
		j.next++
		j.outHist = j.outHist<<1 | 1
		j.started = true
		j.lastAt = s.at
		if j.relax++; j.relax >= jbRelaxAfter {
			j.relax = 0
			j.bump = max(0, j.bump-1)
		}
		return true
	}
	j.retarget()
	if j.count < j.target {
		return false // wait for the missing packet
	}
	j.conceal(f)
	return true
}

// popOverdue conceals the missing frame the buffer waits on once its media time is
// before t, however few packets came after the gap: when the far end stops sending
// (DTX), nothing else would release the end of its talkspurt. The frames after it
// then pop as usual.
func (j *jitterBuffer) popOverdue(f *jbFrame, t time.Duration) bool {
	if j.count == 0 || !j.started {
		return false
	}
	if s := &j.slots[j.next%jbSlots]; s.used && s.ext == j.next {
		return j.pop(f)
	}
	if j.lastAt+FrameDuration > t {
		return false
	}
	j.conceal(f)
	return true
}

// conceal releases the missing frame at next as a concealment.
func (j *jitterBuffer) conceal(f *jbFrame) {
	j.concealed.Add(1)
	j.next++
	j.outHist <<= 1
	j.started = true
	j.lastAt += FrameDuration
	f.kind, f.at, f.payload, f.fec, f.silence = jbConceal, j.lastAt, nil, nil, false
	if n := &j.slots[j.next%jbSlots]; n.used && n.ext == j.next && !n.silence {
		f.pt, f.fec = n.pt, n.payload
	}
}

// waitLonger raises the late-packet allowance a frame above the current wait (relaxed
// again after jbRelaxAfter frames on time).
func (j *jitterBuffer) waitLonger() {
	j.bump = min(j.target+1, j.maxF)
	j.relax = 0
	j.retarget()
}

func (j *jitterBuffer) retarget() {
	jit := time.Duration(j.jitter16 / 16)
	j.target = min(max(int((3*jit+FrameDuration-1)/FrameDuration)+1, j.minF, j.bump), j.maxF)
	j.depthNs.Store(int64(j.target) * int64(FrameDuration))
}

func (j *jitterBuffer) stats() JitterStats {
	return JitterStats{
		Late: j.late.Load(), Duplicates: j.dups.Load(), Concealed: j.concealed.Load(), Dropped: j.dropped.Load(),
		Depth: time.Duration(j.depthNs.Load()), Jitter: time.Duration(j.jitterNs.Load()),
	}
}
