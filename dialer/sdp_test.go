package dialer

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/media"
)

func testOffer() MediaOffer {
	return MediaOffer{
		Addr:   netip.MustParseAddrPort("127.0.0.1:40000"),
		Codecs: []media.Codec{media.PCMU, media.PCMA}, DTMFPT: TelephoneEventPT,
		Direction: SendRecv, SessionID: 42, Version: 1,
	}
}

func TestMarshalSDPOffer(t *testing.T) {
	t.Parallel()
	body, err := MarshalSDP(testOffer())
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	for _, want := range []string{
		"c=IN IP4 127.0.0.1", "m=audio 40000 RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000",
		"a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=sendrecv",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("offer lacks %q:\n%s", want, s)
		}
	}
}

func answerSDP(m, extra string) []byte {
	return []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n" + m + extra)
}

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		body     []byte
		codec    string
		pt       uint8
		dtmf     uint8
		hold     bool
		wantErr  error
		errMatch string
	}{
		{name: "pcma with dtmf", body: answerSDP("m=audio 5004 RTP/AVP 8 96\r\n", "a=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\n"), codec: "PCMA", pt: 8, dtmf: 96},
		{name: "static pt without rtpmap", body: answerSDP("m=audio 5004 RTP/AVP 0\r\n", ""), codec: "PCMU", pt: 0},
		{name: "answerer order wins", body: answerSDP("m=audio 5004 RTP/AVP 8 0\r\n", ""), codec: "PCMA", pt: 8},
		{name: "sendonly is hold", body: answerSDP("m=audio 5004 RTP/AVP 0\r\n", "a=sendonly\r\n"), codec: "PCMU", hold: true},
		{name: "no common codec", body: answerSDP("m=audio 5004 RTP/AVP 18\r\n", "a=rtpmap:18 G729/8000\r\n"), wantErr: ErrNoCommonCodec, errMatch: "18 G729/8000"},
		{name: "garbage", body: []byte("this is not sdp"), wantErr: ErrInvalidSDP},
		{name: "empty", body: nil, wantErr: ErrInvalidSDP},
		{name: "no audio", body: answerSDP("m=video 5004 RTP/AVP 96\r\n", ""), wantErr: ErrInvalidSDP, errMatch: "no audio"},
		{name: "hostname in c=", body: []byte("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nc=IN IP4 example.com\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"), wantErr: ErrInvalidSDP, errMatch: "not an IP"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := ParseAnswer(c.body, testOffer())
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				if c.errMatch != "" && !strings.Contains(err.Error(), c.errMatch) {
					t.Fatalf("err %q does not mention %q", err, c.errMatch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Codec.Name != c.codec || n.Codec.PayloadType != c.pt || n.DTMFPT != c.dtmf || n.Hold() != c.hold {
				t.Fatalf("got %+v", n)
			}
			if n.Remote != netip.MustParseAddrPort("127.0.0.2:5004") {
				t.Fatalf("remote %v", n.Remote)
			}
		})
	}
}

func TestAnswerOfferMirrorsHold(t *testing.T) {
	t.Parallel()
	off := testOffer()
	off.Direction = SendOnly
	body, err := MarshalSDP(off)
	if err != nil {
		t.Fatal(err)
	}
	local := testOffer()
	local.Addr = netip.MustParseAddrPort("127.0.0.1:50000")
	ans, n, err := AnswerOffer(body, local)
	if err != nil {
		t.Fatal(err)
	}
	if !n.Hold() {
		t.Fatal("sendonly offer should put us on hold")
	}
	if !strings.Contains(string(ans), "a=recvonly") || !strings.Contains(string(ans), "m=audio 50000 RTP/AVP 0 101") {
		t.Fatalf("answer:\n%s", ans)
	}
}

// FuzzParseAnswer: no input may panic, and a success always names an offered
// codec and a usable address.
func FuzzParseAnswer(f *testing.F) {
	f.Add(answerSDP("m=audio 5004 RTP/AVP 8 96\r\n", "a=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\n"))
	f.Add(answerSDP("m=audio 0 RTP/AVP 0\r\n", "a=inactive\r\n"))
	f.Add([]byte("v=0\r\n"))
	f.Add(answerSDP("m=audio 5004 RTP/SAVP 0\r\n", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"))
	srtpOffer := testOffer()
	crypto := NewCrypto(1)
	srtpOffer.Crypto, srtpOffer.SecureProfile = &crypto, true
	f.Fuzz(func(t *testing.T, b []byte) {
		// With SRTP required, an answer is plain-RTP-free or an ErrSRTP.
		if n, err := ParseAnswer(b, srtpOffer); err == nil && (n.SRTP == nil || len(n.SRTP.Remote) != len(crypto.Key)) {
			t.Fatalf("required SRTP answered without usable keys: %+v", n.SRTP)
		} else if err != nil && !errors.Is(err, ErrInvalidSDP) && !errors.Is(err, ErrNoCommonCodec) && !errors.Is(err, ErrSRTP) {
			t.Fatalf("unexpected error class: %v", err)
		}
		n, err := ParseAnswer(b, testOffer())
		if err != nil {
			if !errors.Is(err, ErrInvalidSDP) && !errors.Is(err, ErrNoCommonCodec) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if n.Codec.Name != "PCMU" && n.Codec.Name != "PCMA" {
			t.Fatalf("negotiated codec %q was not offered", n.Codec.Name)
		}
		if !n.Remote.Addr().IsValid() {
			t.Fatalf("invalid remote %v", n.Remote)
		}
	})
}

// a=ssrc (RFC 5576) travels both ways: shared RTP sockets use it to tell legs apart.
func TestSDPSSRC(t *testing.T) {
	t.Parallel()
	o := testOffer()
	o.SSRC = 3735928559
	body, err := MarshalSDP(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "a=ssrc:3735928559 cname:voxdial") {
		t.Fatalf("offer lacks a=ssrc:\n%s", body)
	}
	local := testOffer()
	local.SSRC = 7
	ans, n, err := AnswerOffer(body, local)
	if err != nil {
		t.Fatal(err)
	}
	if n.RemoteSSRC != 3735928559 {
		t.Errorf("RemoteSSRC = %d", n.RemoteSSRC)
	}
	got, err := ParseAnswer(ans, o)
	if err != nil {
		t.Fatal(err)
	}
	if got.RemoteSSRC != 7 {
		t.Errorf("answer RemoteSSRC = %d, want 7", got.RemoteSSRC)
	}
	// Absent or malformed: 0, never an error.
	for _, extra := range []string{"", "a=ssrc:notanumber cname:x\r\n", "a=ssrc:99999999999 cname:x\r\n"} {
		n, err := ParseAnswer(answerSDP("m=audio 5004 RTP/AVP 0\r\n", extra), o)
		if err != nil || n.RemoteSSRC != 0 {
			t.Errorf("%q: ssrc %d err %v", extra, n.RemoteSSRC, err)
		}
	}
}

// Opus: rtpmap opus/48000/2 with fmtp both ways; the negotiated codec carries the far
// end's fmtp, while our answer states ours.
func TestSDPOpus(t *testing.T) {
	t.Parallel()
	o := testOffer()
	o.Codecs = []media.Codec{media.OpusCodec(16000), media.PCMU}
	body, err := MarshalSDP(o)
	if err != nil {
		t.Fatal(err)
	}
	s := string(body)
	for _, want := range []string{"m=audio 40000 RTP/AVP 111 0 102 101", "a=rtpmap:111 opus/48000/2",
		"a=rtpmap:102 telephone-event/48000", "a=rtpmap:101 telephone-event/8000",
		"a=fmtp:111 maxplaybackrate=16000;sprop-maxcapturerate=16000;useinbandfec=1;ptime=20", "a=rtpmap:0 PCMU/8000"} {
		if !strings.Contains(s, want) {
			t.Errorf("offer lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "a=fmtp:0") {
		t.Errorf("fmtp written for PCMU:\n%s", s)
	}
	// A far end that prefers opus at PT 96 with its own parameters.
	local := testOffer()
	local.Codecs = []media.Codec{media.PCMU, media.OpusCodec(8000)}
	offer := answerSDP("m=audio 5004 RTP/AVP 96 0\r\n", "a=rtpmap:96 OPUS/48000/2\r\na=fmtp:96 maxplaybackrate=24000;useinbandfec=0\r\n")
	ans, n, err := AnswerOffer(offer, local)
	if err != nil {
		t.Fatal(err)
	}
	if !n.Codec.IsOpus() || n.Codec.PayloadType != 96 || n.Codec.Fmtp != "maxplaybackrate=24000;useinbandfec=0" {
		t.Errorf("negotiated %+v", n.Codec)
	}
	for _, want := range []string{"a=rtpmap:96 opus/48000/2", "a=fmtp:96 maxplaybackrate=8000;sprop-maxcapturerate=8000;useinbandfec=1;ptime=20"} {
		if !strings.Contains(string(ans), want) {
			t.Errorf("answer lacks %q:\n%s", want, ans)
		}
	}
	// Our own Opus offer answered by ourselves: Opus with telephone-event/48000 (its
	// clock), and the answer repeats only that event type.
	ans, n, err = AnswerOffer(body, o)
	if err != nil || !n.Codec.IsOpus() || n.DTMFPT != TelephoneEventWidePT {
		t.Fatalf("self answer %+v dtmf %d err %v", n.Codec, n.DTMFPT, err)
	}
	if !strings.Contains(string(ans), "a=rtpmap:102 telephone-event/48000") || strings.Contains(string(ans), "telephone-event/8000") {
		t.Errorf("answer events:\n%s", ans)
	}
	if got, err := ParseAnswer(ans, o); err != nil || got.DTMFPT != TelephoneEventWidePT {
		t.Errorf("ParseAnswer dtmf %d %v", got.DTMFPT, err)
	}
	// Event clocks pair with the chosen codec, whatever the far end lists first.
	for _, tc := range []struct {
		m, attrs string
		want     uint8
	}{
		{"m=audio 5004 RTP/AVP 0 101 96\r\n", "a=rtpmap:101 telephone-event/8000\r\na=rtpmap:96 telephone-event/48000\r\n", 101},
		{"m=audio 5004 RTP/AVP 111 101 96\r\n", "a=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\na=rtpmap:96 telephone-event/48000\r\n", 96},
		{"m=audio 5004 RTP/AVP 111 101\r\n", "a=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n", 0},
	} {
		if got, err := ParseAnswer(answerSDP(tc.m, tc.attrs), o); err != nil || got.DTMFPT != tc.want {
			t.Errorf("%q: dtmf pt %d (want %d) err %v", tc.m, got.DTMFPT, tc.want, err)
		}
	}
	// Opus at another clock rate is not Opus as RFC 7587 defines it.
	if _, err := ParseAnswer(answerSDP("m=audio 5004 RTP/AVP 96\r\n", "a=rtpmap:96 opus/16000\r\n"), o); !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("opus/16000 accepted: %v", err)
	}
}

func TestSDPRTCPMux(t *testing.T) {
	t.Parallel()
	o := testOffer()
	o.RTCPMux = true
	body, err := MarshalSDP(o)
	if err != nil || !strings.Contains(string(body), "a=rtcp-mux") {
		t.Fatalf("offer %s err %v", body, err)
	}
	local := testOffer()
	local.RTCPMux = true
	ans, n, err := AnswerOffer(body, local)
	if err != nil || !n.RTCPMux || !strings.Contains(string(ans), "a=rtcp-mux") {
		t.Fatalf("answer %s %+v %v", ans, n, err)
	}
	if got, err := ParseAnswer(ans, o); err != nil || !got.RTCPMux {
		t.Errorf("ParseAnswer mux %v %v", got.RTCPMux, err)
	}
	// A far end that does not mux: neither side does.
	if got, _ := ParseAnswer(answerSDP("m=audio 5004 RTP/AVP 0\r\n", ""), o); got.RTCPMux {
		t.Error("mux without the far end's a=rtcp-mux")
	}
}

// Comfort noise (RFC 3389): offered as a=rtpmap:13 CN/8000, accepted when both sides
// list it (a static 13 without rtpmap counts), never taken for the audio codec.
func TestSDPComfortNoise(t *testing.T) {
	t.Parallel()
	o := testOffer()
	o.ComfortNoise = true
	body, err := MarshalSDP(o)
	if err != nil || !strings.Contains(string(body), "a=rtpmap:13 CN/8000") || !strings.Contains(string(body), " 13\r\n") {
		t.Fatalf("offer %s err %v", body, err)
	}
	local := testOffer()
	local.ComfortNoise = true
	ans, n, err := AnswerOffer(body, local)
	if err != nil || !n.ComfortNoise || !strings.Contains(string(ans), "a=rtpmap:13 CN/8000") {
		t.Fatalf("answer %s %+v %v", ans, n, err)
	}
	if got, err := ParseAnswer(ans, o); err != nil || !got.ComfortNoise || got.Codec.Name != "PCMU" {
		t.Errorf("ParseAnswer %+v %v", got, err)
	}
	for _, c := range []struct {
		name, m, attrs string
		want           bool
	}{
		{"static 13 without rtpmap", "m=audio 5004 RTP/AVP 0 13\r\n", "", true},
		{"wideband CN only", "m=audio 5004 RTP/AVP 0 98\r\n", "a=rtpmap:98 CN/16000\r\n", false},
		{"no CN", "m=audio 5004 RTP/AVP 0\r\n", "", false},
	} {
		got, err := ParseAnswer(answerSDP(c.m, c.attrs), o)
		if err != nil || got.ComfortNoise != c.want {
			t.Errorf("%s: comfort noise %v (%v), want %v", c.name, got.ComfortNoise, err, c.want)
		}
	}
	// Only CN in common: no audio codec.
	if _, err := ParseAnswer(answerSDP("m=audio 5004 RTP/AVP 13\r\n", ""), o); !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("CN taken for a codec: %v", err)
	}
	// Not offered: not accepted, not answered.
	if ans, n, _ := AnswerOffer(body, testOffer()); n.ComfortNoise || strings.Contains(string(ans), "CN/8000") {
		t.Errorf("answered CN we do not want: %s", ans)
	}
}
