package app

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/voxdial/voxdial/aftercall"
	"github.com/voxdial/voxdial/internal/safehttp"
	"github.com/voxdial/voxdial/voicebot"
)

// AfterCallConfig is the aftercall section: grades, summaries and follow-up texts
// (docs/follow-ups.md). Grades and the rule-based summary need no settings; texts need
// sms.gateway.
type AfterCallConfig struct {
	// LLMSummary: answered calls get a summary from the LLM of engines.classifier (its
	// url, model and api_key); LLMTimeout bounds it (default 5s).
	LLMSummary  bool              `yaml:"llm_summary"`
	LLMTimeout  time.Duration     `yaml:"llm_timeout"`
	PaymentLink PaymentLinkConfig `yaml:"payment_link"`
	SMS         SMSConfig         `yaml:"sms"`
}

// PaymentLinkConfig signs {{payment_link}} in follow-up texts.
type PaymentLinkConfig struct {
	URL    string        `yaml:"url"`    // the payment page, e.g. https://pay.example.com/p
	Secret string        `yaml:"secret"` // HMAC key shared with the payment page, ≥ 16 bytes
	TTL    time.Duration `yaml:"ttl"`    // default 72h
}

// SMSConfig is the gateway that sends follow-up texts.
type SMSConfig struct {
	Gateway    string        `yaml:"gateway"` // json | twilio; empty: no texts are sent (they stay queued)
	URL        string        `yaml:"url"`
	Token      string        `yaml:"token"`       // json: Bearer token; twilio: auth token
	AccountSID string        `yaml:"account_sid"` // twilio
	From       string        `yaml:"from"`        // sender number or id
	MaxTries   int           `yaml:"max_tries"`   // default 6
	Backoff    time.Duration `yaml:"backoff"`     // first retry wait, doubled each try; default 30s
}

func (c *Config) validateAfterCall() error {
	a := c.AfterCall
	var errs []error
	if a.LLMSummary && c.Engines.Classifier.URL == "" {
		errs = append(errs, c.errf("aftercall.llm_summary", "needs engines.classifier.url and model (the LLM it uses)"))
	}
	if a.PaymentLink.URL != "" || a.PaymentLink.Secret != "" {
		if _, err := aftercall.NewPayLink(a.PaymentLink.URL, []byte(a.PaymentLink.Secret), a.PaymentLink.TTL); err != nil {
			errs = append(errs, c.errf("aftercall.payment_link", "%v", err))
		}
	}
	if a.SMS.Gateway != "" {
		if _, err := aftercall.NewGateway(aftercall.GatewayOptions{Kind: a.SMS.Gateway, URL: a.SMS.URL, Token: a.SMS.Token,
			AccountSID: a.SMS.AccountSID}); err != nil {
			errs = append(errs, c.errf("aftercall.sms", "%v", err))
		}
	}
	if a.SMS.MaxTries < 0 || a.SMS.Backoff < 0 || a.LLMTimeout < 0 {
		errs = append(errs, c.errf("aftercall.sms", "max_tries, backoff and llm_timeout must not be negative"))
	}
	return errors.Join(errs...)
}

// buildAfterCall makes the analyzer the runner calls after each call and, with a gateway,
// the sender of follow-up texts.
func (n *Node) buildAfterCall(outbound *safehttp.Policy) error {
	a := n.cfg.AfterCall
	opts := aftercall.Options{Store: n.db, LLMTimeout: a.LLMTimeout, Logger: n.log.Named("aftercall")}
	if a.LLMSummary {
		cl := n.cfg.Engines.Classifier
		chat, err := voicebot.NewLLMChat(voicebot.LLMOptions{BaseURL: cl.URL, Model: cl.Model, APIKey: cl.APIKey})
		if err != nil {
			return &ConfigError{Err: fmt.Errorf("aftercall.llm_summary: %w", err)}
		}
		opts.LLM = chat
	}
	if a.PaymentLink.URL != "" {
		pl, err := aftercall.NewPayLink(a.PaymentLink.URL, []byte(a.PaymentLink.Secret), a.PaymentLink.TTL)
		if err != nil {
			return &ConfigError{Err: fmt.Errorf("aftercall.payment_link: %w", err)}
		}
		opts.PayLink = pl
	}
	n.after = aftercall.New(opts)
	if a.SMS.Gateway == "" {
		return nil
	}
	if n.comp == nil || n.comp.Store == nil {
		return &ConfigError{Err: fmt.Errorf("aftercall.sms: follow-up texts need the compliance gate (runner.no_compliance_gate is set)")}
	}
	gw, err := aftercall.NewGateway(aftercall.GatewayOptions{Kind: a.SMS.Gateway, URL: a.SMS.URL, Token: a.SMS.Token,
		AccountSID: a.SMS.AccountSID, Policy: outbound})
	if err != nil {
		return &ConfigError{Err: fmt.Errorf("aftercall.sms: %w", err)}
	}
	n.sms, err = aftercall.NewSender(aftercall.SenderOptions{Store: n.db, Gateway: gw, Gate: n.comp.Store.Gate, Audit: n.comp.Store.Audit, From: a.SMS.From,
		Holder: smsHolder(), MaxTries: a.SMS.MaxTries, Backoff: a.SMS.Backoff, Now: n.opts.Now, Logger: n.log.Named("sms")})
	return err
}

// smsHolder names this process's leases of follow-ups.
func smsHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-sms", host, os.Getpid())
}
