package aftercall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// SMS is one text to send.
type SMS struct {
	To, From, Body string
	Reference      string // ours, for the gateway's records: "fu-<id>"
}

// Gateway sends texts. Send returns the gateway's message id, or an error; a
// *GatewayError says whether a retry may help.
type Gateway interface {
	Send(ctx context.Context, m SMS) (string, error)
}

// GatewayError is a gateway's refusal: Status is the HTTP status (0: no answer).
// Permanent errors (4xx but 408 and 429) are not retried.
type GatewayError struct {
	Status int
	Reason string
}

func (e *GatewayError) Error() string {
	if e.Status == 0 {
		return "sms gateway: " + e.Reason
	}
	return fmt.Sprintf("sms gateway: HTTP %d: %s", e.Status, e.Reason)
}

// Permanent reports whether retrying cannot help (the gateway refused the message itself).
func (e *GatewayError) Permanent() bool {
	return e.Status >= 400 && e.Status < 500 && e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// GatewayOptions configure the HTTP gateways.
type GatewayOptions struct {
	// Kind: "json" (a POST of {"to","from","body","reference"}, the answer's "id" is the
	// message id) or "twilio" (the Messages API: form-encoded To, From, Body to
	// {URL}/2010-04-01/Accounts/{AccountSID}/Messages.json with basic auth, "sid" back).
	Kind string
	URL  string
	// Token is sent as a Bearer token by the json gateway; AccountSID and Token are the
	// twilio gateway's basic-auth credentials.
	Token      string
	AccountSID string
	Timeout    time.Duration // per request; default 10s
	// Policy allows private targets (http.allow_private); the configured URL itself is
	// always allowed (safehttp.ForEndpoint), nothing a redirect points to is.
	Policy *safehttp.Policy
	Client *http.Client // default safehttp.ForEndpoint(URL, Policy)
}

// NewGateway builds the gateway of opts.
func NewGateway(opts GatewayOptions) (Gateway, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sms gateway url %q: want an http(s) URL", opts.URL)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Client == nil {
		opts.Client = safehttp.ForEndpoint(opts.URL, opts.Policy, safehttp.Options{})
	}
	switch opts.Kind {
	case "json", "":
		return &jsonGateway{o: opts}, nil
	case "twilio":
		if opts.AccountSID == "" || opts.Token == "" {
			return nil, errors.New("sms gateway twilio: account_sid and token are required")
		}
		return &twilioGateway{o: opts}, nil
	}
	return nil, fmt.Errorf("sms gateway kind %q: want json or twilio", opts.Kind)
}

type jsonGateway struct{ o GatewayOptions }

func (g *jsonGateway) Send(ctx context.Context, m SMS) (string, error) {
	body, _ := json.Marshal(map[string]string{"to": m.To, "from": m.From, "body": m.Body, "reference": m.Reference})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.o.URL, bytes.NewReader(body))
	if err != nil {
		return "", &GatewayError{Reason: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if g.o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.o.Token)
	}
	var ans struct {
		ID    string `json:"id"`
		Error string `json:"error"`
	}
	return do(g.o, req, &ans, func() (string, string) { return ans.ID, ans.Error })
}

type twilioGateway struct{ o GatewayOptions }

func (g *twilioGateway) Send(ctx context.Context, m SMS) (string, error) {
	form := url.Values{"To": {m.To}, "From": {m.From}, "Body": {m.Body}}
	endpoint := strings.TrimRight(g.o.URL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(g.o.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &GatewayError{Reason: err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(g.o.AccountSID, g.o.Token)
	var ans struct {
		SID     string `json:"sid"`
		Message string `json:"message"`
	}
	return do(g.o, req, &ans, func() (string, string) { return ans.SID, ans.Message })
}

// do sends req and reads a JSON answer into ans; read gives the id and the error text.
func do(o GatewayOptions, req *http.Request, ans any, read func() (id, msg string)) (string, error) {
	ctx, cancel := context.WithTimeout(req.Context(), o.Timeout)
	defer cancel()
	resp, err := o.Client.Do(req.WithContext(ctx))
	if err != nil {
		return "", &GatewayError{Reason: safehttp.Class(err)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(raw, ans) // a gateway may answer anything; the status decides
	id, msg := read()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if msg == "" {
			msg = strings.TrimSpace(string(raw))
			if len(msg) > 200 {
				msg = msg[:200]
			}
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return "", &GatewayError{Status: resp.StatusCode, Reason: msg}
	}
	return id, nil
}
