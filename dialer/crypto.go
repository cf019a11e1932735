package dialer

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/voxdial/voxdial/media"
)

// SRTP modes of a trunk (Trunk.SRTP).
const (
	SRTPOff      = "off"      // plain RTP; no a=crypto
	SRTPOptional = "optional" // offer RTP/AVP with a=crypto (best effort): SRTP if answered, else RTP
	SRTPRequired = "required" // offer RTP/SAVP with a=crypto: an answer without SRTP fails the call
)

// CryptoSuite is the one SDES crypto suite we offer and accept (RFC 4568 §6.2.1):
// AES-128 counter mode with an 80-bit HMAC-SHA1 tag, what every SRTP peer speaks.
const CryptoSuite = "AES_CM_128_HMAC_SHA1_80"

// ErrSRTP: the far end's SDP has no usable SRTP where SRTP is required, or an a=crypto
// attribute is malformed.
var ErrSRTP = errors.New("srtp")

// Crypto is one SDP a=crypto attribute (RFC 4568 SDES) with a single inline key.
type Crypto struct {
	Tag   int    // 1..999999999, chosen by the offerer; the answer repeats it
	Suite string // e.g. AES_CM_128_HMAC_SHA1_80
	// Key is the master key followed by the master salt (30 bytes for our suite).
	Key []byte
}

// NewCrypto makes a fresh random key for our suite (crypto/rand).
func NewCrypto(tag int) Crypto {
	key := make([]byte, media.SRTPKeyLen)
	_, _ = rand.Read(key) // never fails since Go 1.24
	return Crypto{Tag: tag, Suite: CryptoSuite, Key: key}
}

// String renders the attribute value (after "a=crypto:").
func (c Crypto) String() string {
	return strconv.Itoa(c.Tag) + " " + c.Suite + " inline:" + base64.StdEncoding.EncodeToString(c.Key)
}

// ParseCrypto reads an a=crypto value: "<tag> <suite> inline:<key||salt>[|<lifetime>]".
// Every attribute the far end sends goes through it, so it never panics and says what
// is wrong. Key parameters with an MKI, several keys and session parameters
// (UNENCRYPTED_SRTP, KDR, …) change how packets are protected and are refused, as RFC
// 4568 §6.3 asks for parameters a side does not implement. A suite other than ours
// parses (the answer picks among offered attributes), but its key is not checked.
func ParseCrypto(v string) (Crypto, error) {
	fields := strings.Fields(v)
	if len(fields) < 3 {
		return Crypto{}, fmt.Errorf("%w: a=crypto %q: want <tag> <suite> <key-params>", ErrSRTP, clip(v))
	}
	if len(fields) > 3 {
		return Crypto{}, fmt.Errorf("%w: a=crypto %q: session parameters %q are not supported", ErrSRTP, clip(v), clip(strings.Join(fields[3:], " ")))
	}
	tag, err := strconv.Atoi(fields[0])
	if err != nil || tag < 0 || tag > 999999999 || len(fields[0]) > 9 {
		return Crypto{}, fmt.Errorf("%w: a=crypto tag %q is not a number of 1 to 9 digits", ErrSRTP, clip(fields[0]))
	}
	c := Crypto{Tag: tag, Suite: fields[1]}
	kp := fields[2]
	if strings.Contains(kp, ";") {
		return Crypto{}, fmt.Errorf("%w: a=crypto tag %d: several keys are not supported", ErrSRTP, tag)
	}
	method, info, ok := strings.Cut(kp, ":")
	if !ok || !strings.EqualFold(method, "inline") {
		return Crypto{}, fmt.Errorf("%w: a=crypto tag %d: key method %q is not inline", ErrSRTP, tag, clip(method))
	}
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return Crypto{}, fmt.Errorf("%w: a=crypto tag %d: key parameter has %d '|' fields, at most 3", ErrSRTP, tag, len(parts))
	}
	for _, p := range parts[1:] {
		if strings.Contains(p, ":") {
			return Crypto{}, fmt.Errorf("%w: a=crypto tag %d: MKI %q is not supported", ErrSRTP, tag, clip(p))
		}
		if !validLifetime(p) {
			return Crypto{}, fmt.Errorf("%w: a=crypto tag %d: key lifetime %q is neither a number nor 2^n", ErrSRTP, tag, clip(p))
		}
	}
	key, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(parts[0])
	}
	if err != nil {
		return Crypto{}, fmt.Errorf("%w: a=crypto tag %d: key is not base64", ErrSRTP, tag)
	}
	if c.Suite == CryptoSuite && len(key) != media.SRTPKeyLen {
		return Crypto{}, fmt.Errorf("%w: a=crypto tag %d: %s key and salt are %d bytes, want %d", ErrSRTP, tag, c.Suite, len(key), media.SRTPKeyLen)
	}
	c.Key = key
	return c, nil
}

func validLifetime(p string) bool {
	if rest, ok := strings.CutPrefix(p, "2^"); ok {
		p = rest
	}
	if p == "" || len(p) > 20 {
		return false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// clip shortens hostile input before it goes into an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
