package dialer

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/voxdial/voxdial/media"
)

// Direction is an SDP media direction attribute (RFC 3264 §5.1).
type Direction string

// The four directions; the zero value reads as sendrecv.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// TelephoneEventPT is the dynamic payload type we offer for RFC 4733 events;
// 101 is what most carriers and SBCs use, which avoids remapping surprises.
const TelephoneEventPT uint8 = 101

// TelephoneEventWidePT is the payload type we offer for telephone-event at a codec
// clock other than 8 kHz (telephone-event/48000 beside Opus: RFC 4733 §2.1 wants
// events on the audio codec's clock), when the offer also carries 8 kHz codecs.
const TelephoneEventWidePT uint8 = 102

// MediaOffer is what one side proposes or accepts for the audio stream.
type MediaOffer struct {
	Addr      netip.AddrPort // where this side receives RTP
	Codecs    []media.Codec  // in preference order
	DTMFPT    uint8          // telephone-event payload type, 0 for none
	Direction Direction
	SessionID uint64
	Version   uint64 // bump on every re-offer within a dialog (RFC 3264 §8)
	// SSRC we send with, written as a=ssrc (RFC 5576) when non-zero: on shared RTP
	// sockets it lets the far end tell our stream from others at the same address.
	SSRC uint32
	// RTCPMux offers (or, in an answer, accepts) RTCP on the RTP port (RFC 5761).
	RTCPMux bool
	// Crypto, when set, offers SRTP with this key (a=crypto, RFC 4568 SDES); in
	// AnswerOffer it is the key we answer with if the offer carries SRTP we support.
	Crypto *Crypto
	// SecureProfile writes RTP/SAVP on the m= line: SRTP or nothing. Without it an
	// offer with Crypto is best-effort SRTP on RTP/AVP (plain RTP if the answer has no
	// a=crypto). In AnswerOffer it means we refuse an offer without usable SRTP.
	SecureProfile bool
	// ComfortNoise offers (or accepts) RFC 3389 comfort noise, a=rtpmap:13 CN/8000:
	// phones that stop sending during silence (DTX) may then say so with CN packets.
	ComfortNoise bool
}

// SRTPKeys are the keys of an agreed SRTP session (each 30 bytes: master key, salt).
type SRTPKeys struct {
	Local  []byte // we encrypt with it
	Remote []byte // the far end encrypts with it
}

// Negotiated is the outcome of an offer/answer exchange, from our point of view.
type Negotiated struct {
	Remote netip.AddrPort // where the far end wants RTP
	// Codec is the first codec both sides support, in the answerer's order, with the far
	// end's payload type and its a=fmtp (what it asks of our encoder, e.g. Opus's
	// maxplaybackrate and useinbandfec).
	Codec     media.Codec
	DTMFPT    uint8     // 0 when telephone-event was not agreed
	Direction Direction // the far end's direction as written in its SDP
	// RemoteSSRC is the far end's first a=ssrc (RFC 5576), 0 when absent.
	RemoteSSRC uint32
	// RTCPMux: RTCP shares the RTP port (offered and answered with a=rtcp-mux).
	RTCPMux bool
	// SRTP holds the keys when SRTP was agreed; nil means plain RTP.
	SRTP *SRTPKeys
	// ComfortNoise: both sides listed CN/8000 (RFC 3389), so the far end may send it.
	ComfortNoise bool
}

// Hold reports whether we must stop sending: the far end offered sendonly
// (the usual hold, RFC 3264 §8.4) or inactive, so it will not take our audio.
func (n Negotiated) Hold() bool {
	return n.Direction == SendOnly || n.Direction == Inactive
}

// MarshalSDP renders o as an SDP body.
func MarshalSDP(o MediaOffer) ([]byte, error) {
	if !o.Addr.IsValid() {
		return nil, fmt.Errorf("marshal sdp: %w: no local media address", ErrInvalidSDP)
	}
	if len(o.Codecs) == 0 {
		return nil, fmt.Errorf("marshal sdp: %w: no codecs", ErrInvalidSDP)
	}
	addrType := "IP4"
	if o.Addr.Addr().Is6() && !o.Addr.Addr().Is4In6() {
		addrType = "IP6"
	}
	ip := o.Addr.Addr().Unmap().String()
	dir := o.Direction
	if dir == "" {
		dir = SendRecv
	}
	formats := make([]string, 0, len(o.Codecs)+1)
	attrs := make([]sdp.Attribute, 0, len(o.Codecs)+4)
	for _, c := range o.Codecs {
		pt := strconv.Itoa(int(c.PayloadType))
		formats = append(formats, pt)
		rtpmap := fmt.Sprintf("%s %s/%d", pt, c.Name, c.ClockRate)
		if c.Channels > 1 {
			rtpmap += "/" + strconv.Itoa(int(c.Channels)) // opus/48000/2 (RFC 7587 §7)
		}
		attrs = append(attrs, sdp.NewAttribute("rtpmap", rtpmap))
		if c.Fmtp != "" {
			attrs = append(attrs, sdp.NewAttribute("fmtp", pt+" "+c.Fmtp))
		}
	}
	if o.DTMFPT != 0 {
		// One telephone-event per codec clock rate: events must share the clock of the
		// audio they interrupt (RFC 4733 §2.1).
		var rates []uint32
		for _, c := range o.Codecs {
			if r := max(c.ClockRate, 8000); !slices.Contains(rates, r) {
				rates = append(rates, r)
			}
		}
		wide := TelephoneEventWidePT
		if wide == o.DTMFPT {
			wide++
		}
		for _, r := range rates {
			ptn := o.DTMFPT
			if r != 8000 && slices.Contains(rates, 8000) {
				ptn = wide
				wide++
			}
			pt := strconv.Itoa(int(ptn))
			formats = append(formats, pt)
			attrs = append(attrs,
				sdp.NewAttribute("rtpmap", pt+" telephone-event/"+strconv.FormatUint(uint64(r), 10)),
				sdp.NewAttribute("fmtp", pt+" 0-16"))
		}
	}
	if o.ComfortNoise {
		pt := strconv.Itoa(int(media.ComfortNoisePT))
		formats = append(formats, pt)
		attrs = append(attrs, sdp.NewAttribute("rtpmap", pt+" CN/8000"))
	}
	attrs = append(attrs,
		sdp.NewAttribute("ptime", "20"),
		sdp.NewPropertyAttribute(string(dir)))
	if o.RTCPMux {
		attrs = append(attrs, sdp.NewPropertyAttribute("rtcp-mux"))
	}
	if o.SSRC != 0 {
		attrs = append(attrs, sdp.NewAttribute("ssrc", strconv.FormatUint(uint64(o.SSRC), 10)+" cname:voxdial"))
	}
	if o.Crypto != nil {
		attrs = append(attrs, sdp.NewAttribute("crypto", o.Crypto.String()))
	}
	protos := []string{"RTP", "AVP"}
	if o.SecureProfile {
		protos = []string{"RTP", "SAVP"}
	}

	desc := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "voxdial", SessionID: o.SessionID, SessionVersion: o.Version,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ip,
		},
		SessionName: "voxdial",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ip},
		},
		TimeDescriptions: []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions: []*sdp.MediaDescription{{
			MediaName: sdp.MediaName{
				Media:   "audio",
				Port:    sdp.RangedPort{Value: int(o.Addr.Port())},
				Protos:  protos,
				Formats: formats,
			},
			Attributes: attrs,
		}},
	}
	return desc.Marshal()
}

// remoteAudio is the parsed audio stream of a far end's SDP.
type remoteAudio struct {
	addr      netip.AddrPort
	direction Direction
	formats   []remoteFormat
	ssrc      uint32
	rtcpMux   bool
	savp      bool     // m= line says RTP/SAVP: SRTP is required
	cryptos   []Crypto // a=crypto attributes that parsed
	cryptoErr error    // why the first one that did not parse was refused
}

type remoteFormat struct {
	pt        uint8
	name      string // upper-cased encoding name
	clockRate uint32
	fmtp      string // the a=fmtp value for pt, if any
}

// parseRemote extracts the first audio stream of body. It never panics on
// hostile input; every problem is an ErrInvalidSDP with the reason.
func parseRemote(body []byte) (remoteAudio, error) {
	var desc sdp.SessionDescription
	if len(body) == 0 {
		return remoteAudio{}, fmt.Errorf("%w: empty body", ErrInvalidSDP)
	}
	if err := desc.Unmarshal(body); err != nil {
		return remoteAudio{}, fmt.Errorf("%w: %v", ErrInvalidSDP, err)
	}
	var md *sdp.MediaDescription
	for _, m := range desc.MediaDescriptions {
		if m != nil && m.MediaName.Media == "audio" {
			md = m
			break
		}
	}
	if md == nil {
		return remoteAudio{}, fmt.Errorf("%w: no audio media line", ErrInvalidSDP)
	}
	conn := md.ConnectionInformation
	if conn == nil {
		conn = desc.ConnectionInformation
	}
	if conn == nil || conn.Address == nil {
		return remoteAudio{}, fmt.Errorf("%w: no connection address (c=)", ErrInvalidSDP)
	}
	ip, err := netip.ParseAddr(conn.Address.Address)
	if err != nil {
		return remoteAudio{}, fmt.Errorf("%w: connection address %q is not an IP address", ErrInvalidSDP, conn.Address.Address)
	}
	port := md.MediaName.Port.Value
	if port < 0 || port > 65535 {
		return remoteAudio{}, fmt.Errorf("%w: audio port %d out of range", ErrInvalidSDP, port)
	}
	ra := remoteAudio{addr: netip.AddrPortFrom(ip, uint16(port)), direction: SendRecv}
	ra.savp = strings.EqualFold(strings.Join(md.MediaName.Protos, "/"), "RTP/SAVP")
	// Direction: media-level wins over session-level (RFC 4566 §6).
	for _, attrs := range [][]sdp.Attribute{desc.Attributes, md.Attributes} {
		for _, a := range attrs {
			switch Direction(a.Key) {
			case SendRecv, SendOnly, RecvOnly, Inactive:
				ra.direction = Direction(a.Key)
			}
		}
	}
	// RFC 3264 §5.1: port 0 rejects the stream; c=0.0.0.0 is the old (RFC 2543) hold.
	if ip.IsUnspecified() {
		ra.direction = Inactive
	}
	rtpmaps := map[uint8]remoteFormat{}
	fmtps := map[uint8]string{}
	for _, a := range md.Attributes {
		if a.Key == "fmtp" {
			ptStr, v, _ := strings.Cut(a.Value, " ")
			if n, err := strconv.ParseUint(ptStr, 10, 8); err == nil && n <= 127 {
				fmtps[uint8(n)] = strings.TrimSpace(v)
			}
			continue
		}
		if a.Key == "rtcp-mux" {
			ra.rtcpMux = true
			continue
		}
		if a.Key == "crypto" {
			if len(ra.cryptos) >= 16 {
				continue // bounds the work hostile SDP can make us do
			}
			c, err := ParseCrypto(a.Value)
			if err != nil {
				if ra.cryptoErr == nil {
					ra.cryptoErr = err
				}
				continue
			}
			ra.cryptos = append(ra.cryptos, c)
			continue
		}
		if a.Key == "ssrc" && ra.ssrc == 0 {
			id, _, _ := strings.Cut(a.Value, " ")
			if v, err := strconv.ParseUint(id, 10, 32); err == nil {
				ra.ssrc = uint32(v)
			}
			continue
		}
		if a.Key != "rtpmap" {
			continue
		}
		f, ok := parseRtpmap(a.Value)
		if ok {
			rtpmaps[f.pt] = f
		}
	}
	for _, s := range md.MediaName.Formats {
		n, err := strconv.ParseUint(s, 10, 8)
		if err != nil || n > 127 {
			continue // not an RTP payload type; ignore rather than fail the call
		}
		pt := uint8(n)
		f, ok := rtpmaps[pt]
		if !ok {
			// Static payload types may omit rtpmap (RFC 3551 table 4).
			switch pt {
			case 0:
				f = remoteFormat{pt: 0, name: "PCMU", clockRate: 8000}
			case 8:
				f = remoteFormat{pt: 8, name: "PCMA", clockRate: 8000}
			case media.ComfortNoisePT:
				f = remoteFormat{pt: media.ComfortNoisePT, name: "CN", clockRate: 8000}
			default:
				continue
			}
		}
		f.fmtp = fmtps[pt]
		ra.formats = append(ra.formats, f)
	}
	return ra, nil
}

// comfortNoise reports whether the far end lists RFC 3389 comfort noise at 8 kHz.
func (ra remoteAudio) comfortNoise() bool {
	for _, f := range ra.formats {
		if f.name == "CN" && f.clockRate == 8000 {
			return true
		}
	}
	return false
}

func parseRtpmap(v string) (remoteFormat, bool) {
	ptStr, rest, ok := strings.Cut(v, " ")
	if !ok {
		return remoteFormat{}, false
	}
	n, err := strconv.ParseUint(ptStr, 10, 8)
	if err != nil || n > 127 {
		return remoteFormat{}, false
	}
	parts := strings.Split(strings.TrimSpace(rest), "/")
	if len(parts) < 2 {
		return remoteFormat{}, false
	}
	rate, err := strconv.ParseUint(parts[1], 10, 32)
	if err != nil {
		return remoteFormat{}, false
	}
	return remoteFormat{pt: uint8(n), name: strings.ToUpper(parts[0]), clockRate: uint32(rate)}, true
}

// ParseAnswer reads the far end's SDP answer to our offer and picks the
// codec: the first one in the answer that we offered (RFC 3264 §6.1: the
// answerer's order is its preference). A parse problem wraps ErrInvalidSDP,
// no shared audio codec wraps ErrNoCommonCodec.
func ParseAnswer(body []byte, offer MediaOffer) (Negotiated, error) {
	ra, err := parseRemote(body)
	if err != nil {
		return Negotiated{}, fmt.Errorf("parse sdp answer: %w", err)
	}
	n, ok := negotiate(ra, offer.Codecs, offer.DTMFPT != 0)
	n.RTCPMux = offer.RTCPMux && ra.rtcpMux
	n.ComfortNoise = offer.ComfortNoise && ra.comfortNoise()
	if !ok {
		return n, fmt.Errorf("parse sdp answer: %w (answer has %s)", ErrNoCommonCodec, describeFormats(ra.formats))
	}
	if offer.Crypto != nil {
		// The answer accepts our attribute by repeating its tag and suite with its own key.
		for _, c := range ra.cryptos {
			if c.Tag == offer.Crypto.Tag && c.Suite == offer.Crypto.Suite {
				n.SRTP = &SRTPKeys{Local: offer.Crypto.Key, Remote: c.Key}
				break
			}
		}
		if n.SRTP == nil && offer.SecureProfile {
			return n, fmt.Errorf("parse sdp answer: %w required, but the answer accepts no a=crypto of ours (tag %d %s)%s", ErrSRTP, offer.Crypto.Tag, offer.Crypto.Suite, cryptoCause(ra))
		}
	}
	return n, nil
}

func cryptoCause(ra remoteAudio) string {
	if ra.cryptoErr != nil {
		return ": " + ra.cryptoErr.Error()
	}
	return ""
}

// answerSRTP picks the offer's first a=crypto we support, for an answer keyed with
// local.Crypto. It fails when the offer requires SRTP (RTP/SAVP) or we do
// (local.SecureProfile) and there is none.
func answerSRTP(ra remoteAudio, local MediaOffer) (*Crypto, *SRTPKeys, error) {
	if local.Crypto != nil {
		for _, c := range ra.cryptos {
			if c.Suite == CryptoSuite && len(c.Key) == len(local.Crypto.Key) {
				ours := &Crypto{Tag: c.Tag, Suite: c.Suite, Key: local.Crypto.Key}
				return ours, &SRTPKeys{Local: local.Crypto.Key, Remote: c.Key}, nil
			}
		}
	}
	switch {
	case ra.savp && local.Crypto == nil:
		return nil, nil, fmt.Errorf("%w: the offer requires SRTP (RTP/SAVP) and SRTP is off here", ErrSRTP)
	case ra.savp || local.SecureProfile:
		return nil, nil, fmt.Errorf("%w required, but the offer has no a=crypto with %s%s", ErrSRTP, CryptoSuite, cryptoCause(ra))
	}
	return nil, nil, nil
}

// AnswerOffer answers a far end's offer (the simulator's answer to our
// INVITE, or ours to a re-INVITE). It returns our answer body and what was
// agreed; local.Codecs are the codecs we support, in our preference order, but
// the offerer's order decides among them.
func AnswerOffer(offerBody []byte, local MediaOffer) ([]byte, Negotiated, error) {
	ra, err := parseRemote(offerBody)
	if err != nil {
		return nil, Negotiated{}, fmt.Errorf("parse sdp offer: %w", err)
	}
	n, ok := negotiate(ra, local.Codecs, local.DTMFPT != 0)
	if !ok {
		return nil, n, fmt.Errorf("answer sdp offer: %w (offer has %s)", ErrNoCommonCodec, describeFormats(ra.formats))
	}
	n.RTCPMux = local.RTCPMux && ra.rtcpMux
	crypto, keys, err := answerSRTP(ra, local)
	if err != nil {
		return nil, n, fmt.Errorf("answer sdp offer: %w", err)
	}
	n.SRTP = keys
	ans := local
	ans.RTCPMux = n.RTCPMux
	ans.Crypto = crypto
	ans.SecureProfile = ra.savp // the answer keeps the offer's transport protocol
	n.ComfortNoise = local.ComfortNoise && ra.comfortNoise()
	ans.ComfortNoise = n.ComfortNoise
	ansCodec := n.Codec
	ansCodec.Fmtp = ""
	for _, c := range local.Codecs { // our answer states our own format parameters
		if strings.EqualFold(c.Name, n.Codec.Name) && c.ClockRate == n.Codec.ClockRate {
			ansCodec.Fmtp = c.Fmtp
			break
		}
	}
	ans.Codecs = []media.Codec{ansCodec}
	ans.DTMFPT = n.DTMFPT
	ans.Direction = answerDirection(ra.direction, local.Direction)
	body, err := MarshalSDP(ans)
	if err != nil {
		return nil, n, err
	}
	return body, n, nil
}

// negotiate picks, in the remote side's order, the first format we support
// (keeping the remote payload type), and, when we want DTMF, the remote
// telephone-event type on that codec's clock (telephone-event/48000 for Opus).
// ok is false when no audio codec is shared.
func negotiate(ra remoteAudio, supported []media.Codec, wantDTMF bool) (n Negotiated, ok bool) {
	n = Negotiated{Remote: ra.addr, Direction: ra.direction, RemoteSSRC: ra.ssrc}
	defer func() {
		if !ok || !wantDTMF {
			return
		}
		for _, f := range ra.formats {
			if f.name == "TELEPHONE-EVENT" && f.clockRate == max(n.Codec.ClockRate, 8000) {
				n.DTMFPT = f.pt
				return
			}
		}
	}()
	for _, f := range ra.formats {
		if f.name == "TELEPHONE-EVENT" || ok {
			continue
		}
		for _, c := range supported {
			if strings.EqualFold(c.Name, f.name) && c.ClockRate == f.clockRate {
				n.Codec = c
				n.Codec.PayloadType = f.pt
				n.Codec.Fmtp = f.fmtp // what the far end asks of our encoder
				ok = true
				break
			}
		}
	}
	return n, ok
}

// answerDirection mirrors the offer's direction (RFC 3264 §6.1): a sendonly
// offer (hold) gets recvonly, inactive stays inactive.
func answerDirection(offered, ours Direction) Direction {
	switch offered {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	if ours == "" {
		return SendRecv
	}
	return ours
}

func describeFormats(fs []remoteFormat) string {
	if len(fs) == 0 {
		return "no audio formats"
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%d %s/%d", f.pt, f.name, f.clockRate)
	}
	return strings.Join(parts, ", ")
}
