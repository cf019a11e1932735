package dialer

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/voxdial/voxdial/media"
)

var testKey = bytes.Repeat([]byte{0xA5}, media.SRTPKeyLen)

func TestParseCrypto(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString(testKey)
	cases := []struct {
		in      string
		tag     int
		suite   string
		wantErr string // substring; "" for success
	}{
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + b64, 1, CryptoSuite, ""},
		{"7 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + "|2^31", 7, CryptoSuite, ""},
		{"7 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + "|1048576", 7, CryptoSuite, ""},
		{"2 AES_CM_128_HMAC_SHA1_80 inline:" + strings.TrimRight(b64, "="), 2, CryptoSuite, ""}, // unpadded
		{"3 AES_256_CM_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(make([]byte, 46)), 3, "AES_256_CM_HMAC_SHA1_80", ""},
		{"", 0, "", "want <tag> <suite> <key-params>"},
		{"1 AES_CM_128_HMAC_SHA1_80", 0, "", "want <tag> <suite> <key-params>"},
		{"x AES_CM_128_HMAC_SHA1_80 inline:" + b64, 0, "", "tag \"x\""},
		{"-1 AES_CM_128_HMAC_SHA1_80 inline:" + b64, 0, "", "tag"},
		{"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + b64, 0, "", "tag"},
		{"1 AES_CM_128_HMAC_SHA1_80 uri:http://x/" + b64, 0, "", "not inline"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + "|2^20|1:4", 0, "", "MKI"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + "|2^x", 0, "", "lifetime"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + "|1|2|3", 0, "", "'|' fields"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + ";inline:" + b64, 0, "", "several keys"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + " UNENCRYPTED_SRTP", 0, "", "session parameters"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:!!!notbase64", 0, "", "not base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(make([]byte, 16)), 0, "", "16 bytes, want 30"},
	}
	for _, tc := range cases {
		c, err := ParseCrypto(tc.in)
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, ErrSRTP) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseCrypto(%q) = %v, want an ErrSRTP naming %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || c.Tag != tc.tag || c.Suite != tc.suite {
			t.Errorf("ParseCrypto(%q) = %+v, %v", tc.in, c, err)
		}
	}
	// Round trip of what we write.
	c := NewCrypto(5)
	back, err := ParseCrypto(c.String())
	if err != nil || back.Tag != 5 || back.Suite != CryptoSuite || !bytes.Equal(back.Key, c.Key) {
		t.Fatalf("round trip %q: %+v %v", c.String(), back, err)
	}
	if bytes.Equal(c.Key, NewCrypto(5).Key) {
		t.Fatal("two fresh keys are equal")
	}
}

// Every a=crypto a far end sends goes through ParseCrypto: no panic, a clear error
// class, and what it accepts renders back to something it accepts again.
func FuzzParseCrypto(f *testing.F) {
	b64 := base64.StdEncoding.EncodeToString(testKey)
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + b64)
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + b64 + "|2^31|1:1")
	f.Add("99 AES_CM_128_HMAC_SHA1_32 inline:" + b64 + " KDR=1 UNENCRYPTED_SRTCP")
	f.Add("1 F8_128_HMAC_SHA1_80 inline:;inline:")
	f.Fuzz(func(t *testing.T, v string) {
		c, err := ParseCrypto(v)
		if err != nil {
			if !errors.Is(err, ErrSRTP) {
				t.Fatalf("error outside ErrSRTP: %v", err)
			}
			return
		}
		if c.Suite == CryptoSuite && len(c.Key) != media.SRTPKeyLen {
			t.Fatalf("accepted a %d-byte key for %s", len(c.Key), c.Suite)
		}
		again, err := ParseCrypto(c.String())
		if err != nil || again.Tag != c.Tag || again.Suite != c.Suite || !bytes.Equal(again.Key, c.Key) {
			t.Fatalf("%q → %q → %+v, %v", v, c.String(), again, err)
		}
	})
}

func TestSDPSRTPOfferAnswer(t *testing.T) {
	t.Parallel()
	ours := Crypto{Tag: 1, Suite: CryptoSuite, Key: testKey}
	theirKey := bytes.Repeat([]byte{0x5A}, media.SRTPKeyLen)
	theirs := Crypto{Tag: 1, Suite: CryptoSuite, Key: theirKey}
	m := func(proto string) string { return "m=audio 5004 " + proto + " 0 101\r\n" }
	ev := "a=rtpmap:101 telephone-event/8000\r\n"

	for _, required := range []bool{true, false} {
		offer := testOffer()
		offer.Crypto, offer.SecureProfile = &ours, required
		body, err := MarshalSDP(offer)
		if err != nil {
			t.Fatal(err)
		}
		proto := "RTP/AVP"
		if required {
			proto = "RTP/SAVP"
		}
		if !strings.Contains(string(body), "m=audio 40000 "+proto+" ") || !strings.Contains(string(body), "a=crypto:"+ours.String()) {
			t.Fatalf("offer (required %v) lacks %s or a=crypto:\n%s", required, proto, body)
		}
		// The far end takes SRTP: both keys come out.
		n, err := ParseAnswer(answerSDP(m(proto), ev+"a=crypto:"+theirs.String()+"\r\n"), offer)
		if err != nil || n.SRTP == nil || !bytes.Equal(n.SRTP.Local, testKey) || !bytes.Equal(n.SRTP.Remote, theirKey) {
			t.Fatalf("required %v: %+v, %v", required, n.SRTP, err)
		}
		// An answer accepting another tag or suite, or none at all.
		for _, extra := range []string{"", "a=crypto:2 " + CryptoSuite + " inline:" + base64.StdEncoding.EncodeToString(theirKey) + "\r\n",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" + base64.StdEncoding.EncodeToString(theirKey) + "\r\n",
			"a=crypto:1 " + CryptoSuite + " inline:short\r\n"} {
			n, err := ParseAnswer(answerSDP(m("RTP/AVP"), ev+extra), offer)
			if required && !errors.Is(err, ErrSRTP) {
				t.Errorf("required, answer %q: err %v, want ErrSRTP", extra, err)
			}
			if !required && (err != nil || n.SRTP != nil) {
				t.Errorf("optional, answer %q: plain RTP expected, got %+v %v", extra, n.SRTP, err)
			}
		}
	}

	// Answering: an offer with SRTP gets our key under its tag, in its profile.
	local := testOffer()
	local.Crypto = &ours
	offerBody := answerSDP(m("RTP/SAVP"), ev+"a=crypto:9 AES_256_CM_HMAC_SHA1_80 inline:"+base64.StdEncoding.EncodeToString(make([]byte, 46))+"\r\n"+
		"a=crypto:4 "+CryptoSuite+" inline:"+base64.StdEncoding.EncodeToString(theirKey)+"\r\n")
	ans, n, err := AnswerOffer(offerBody, local)
	if err != nil || n.SRTP == nil || !bytes.Equal(n.SRTP.Remote, theirKey) {
		t.Fatalf("answer: %+v %v", n.SRTP, err)
	}
	if !strings.Contains(string(ans), "RTP/SAVP") || !strings.Contains(string(ans), "a=crypto:4 "+CryptoSuite+" inline:"+base64.StdEncoding.EncodeToString(testKey)) ||
		strings.Count(string(ans), "a=crypto") != 1 {
		t.Fatalf("answer does not accept tag 4 with our key:\n%s", ans)
	}
	// RTP/SAVP we cannot serve, and plain offers when we require SRTP, are refused.
	plainLocal := testOffer()
	if _, _, err := AnswerOffer(offerBody, plainLocal); !errors.Is(err, ErrSRTP) {
		t.Errorf("SAVP offer with SRTP off: %v, want ErrSRTP", err)
	}
	strict := local
	strict.SecureProfile = true
	if _, _, err := AnswerOffer(answerSDP(m("RTP/AVP"), ev), strict); !errors.Is(err, ErrSRTP) {
		t.Errorf("plain offer when SRTP is required: %v, want ErrSRTP", err)
	}
	// Best effort: a plain offer is answered plain when we merely can.
	if ans, n, err := AnswerOffer(answerSDP(m("RTP/AVP"), ev), local); err != nil || n.SRTP != nil || strings.Contains(string(ans), "crypto") {
		t.Errorf("plain offer: %v %+v\n%s", err, n.SRTP, ans)
	}
}
