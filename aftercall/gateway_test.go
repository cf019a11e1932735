package aftercall

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/voxdial/voxdial/internal/safehttp"
)

// TestGateways: the JSON and Twilio forms of a text, and how refusals are classed.
func TestGateways(t *testing.T) {
	var got []map[string]string
	status := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := map[string]string{"path": r.URL.Path, "ctype": r.Header.Get("Content-Type"), "auth": r.Header.Get("Authorization")}
		if r.Header.Get("Content-Type") == "application/json" {
			var b map[string]string
			_ = json.NewDecoder(r.Body).Decode(&b)
			for k, v := range b {
				m[k] = v
			}
		} else {
			_ = r.ParseForm()
			for k := range r.PostForm {
				m[k] = r.PostForm.Get(k)
			}
		}
		got = append(got, m)
		w.WriteHeader(status)
		switch {
		case status >= 400 && r.URL.Path == "/send":
			_, _ = w.Write([]byte(`{"error":"number blocked"}`))
		case status >= 400:
			_, _ = w.Write([]byte(`{"code":21211,"message":"The 'To' number is not valid."}`))
		case r.URL.Path == "/send":
			_, _ = w.Write([]byte(`{"id":"m-1"}`))
		default:
			_, _ = w.Write([]byte(`{"sid":"SM123"}`))
		}
	}))
	defer srv.Close()
	js, err := NewGateway(GatewayOptions{Kind: "json", URL: srv.URL + "/send", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	tw, err := NewGateway(GatewayOptions{Kind: "twilio", URL: srv.URL, AccountSID: "AC1", Token: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	m := SMS{To: "+12125550123", From: "+12125550000", Body: "Hi Ana", Reference: "fu-1"}
	if id, err := js.Send(t.Context(), m); err != nil || id != "m-1" {
		t.Fatalf("json: %q %v", id, err)
	}
	if g := got[0]; g["to"] != m.To || g["from"] != m.From || g["body"] != m.Body || g["reference"] != "fu-1" || g["auth"] != "Bearer tok" {
		t.Fatalf("json request %v", g)
	}
	if id, err := tw.Send(t.Context(), m); err != nil || id != "SM123" {
		t.Fatalf("twilio: %q %v", id, err)
	}
	if g := got[1]; g["path"] != "/2010-04-01/Accounts/AC1/Messages.json" || g["ctype"] != "application/x-www-form-urlencoded" ||
		g["To"] != m.To || g["From"] != m.From || g["Body"] != m.Body || g["auth"] != "Basic QUMxOnNlY3JldA==" {
		t.Fatalf("twilio request %v", g)
	}
	for _, c := range []struct {
		status    int
		permanent bool
	}{{503, false}, {500, false}, {429, false}, {408, false}, {400, true}, {404, true}} {
		status = c.status
		for _, g := range []Gateway{js, tw} {
			_, err := g.Send(t.Context(), m)
			var ge *GatewayError
			if !errors.As(err, &ge) || ge.Status != c.status || ge.Permanent() != c.permanent || ge.Reason == "" {
				t.Fatalf("HTTP %d: %v", c.status, err)
			}
		}
	}
	status = 400
	_, err = tw.Send(t.Context(), m)
	if err.Error() != "sms gateway: HTTP 400: The 'To' number is not valid." {
		t.Fatal(err)
	}
}

// TestGatewayPolicy: a gateway URL is the operator's endpoint; a redirect elsewhere is not
// followed (internal/safehttp).
func TestGatewayPolicy(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the redirect was followed")
	}))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	pol, _ := safehttp.ParsePolicy(nil)
	g, err := NewGateway(GatewayOptions{URL: srv.URL, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Send(t.Context(), SMS{To: "+1", Body: "x"})
	var ge *GatewayError
	if !errors.As(err, &ge) || ge.Status != http.StatusTemporaryRedirect {
		t.Fatalf("%v", err)
	}
	if _, err := NewGateway(GatewayOptions{URL: "file:///etc/passwd"}); err == nil {
		t.Fatal("file URL accepted")
	}
	if _, err := NewGateway(GatewayOptions{Kind: "twilio", URL: "https://api.twilio.com"}); err == nil {
		t.Fatal("twilio without credentials accepted")
	}
}
