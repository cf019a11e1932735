package dashboard

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/voxdial/voxdial/store"
)

// Webhooks on call end (package webhook sends them). Deployment-wide
// webhooks are the admin's; a campaign's webhooks are managed by whoever
// manages the campaign. Everyone reads the list (never the secrets; only
// scheme and host of the URLs they may not manage) and the delivery log.

type webhookCreateRequest struct {
	CampaignID  int64  `json:"campaign_id"` // 0: every campaign (admin only)
	URL         string `json:"url"`
	Description string `json:"description"`
	Secret      string `json:"secret"` // empty: generated
}

// mayManageWebhook: admin for deployment-wide ones, the campaign's managers otherwise.
func (s *Server) mayManageWebhook(w http.ResponseWriter, r *http.Request, p *principal, campaignID int64) bool {
	if campaignID == 0 {
		if p.User.Role != store.RoleAdmin {
			writeError(w, http.StatusForbidden, "deployment-wide webhooks are for admin (role %s): give a campaign_id", p.User.Role)
			return false
		}
		return true
	}
	c, err := s.db.CampaignGet(r.Context(), &store.CampaignGetParams{ID: campaignID})
	if err != nil {
		s.storeError(w, err)
		return false
	}
	owner, err := s.owner(r, campaignID)
	if err != nil {
		s.storeError(w, err)
		return false
	}
	return !s.forbidUnlessManager(w, p, c, owner)
}

func (s *Server) handleWebhookList(w http.ResponseWriter, r *http.Request, p *principal) {
	ws, err := s.db.WebhookList(r.Context(), &store.WebhookListParams{CampaignID: queryInt(r, "campaign", 0),
		WithInactive: r.URL.Query().Get("inactive") == "1"})
	if err != nil {
		s.storeError(w, err)
		return
	}
	owners, err := s.db.CampaignOwnerList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	for _, wh := range ws {
		if !(p.User.Role == store.RoleAdmin || (wh.CampaignID != 0 && canManage(p, owners[wh.CampaignID]))) {
			wh.URL = redactURL(wh.URL)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": ws})
}

// redactURL keeps a webhook URL's scheme and host: its path and query often
// carry the receiver's own secret, which only those who manage it may see.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "…"
	}
	out := u.Scheme + "://" + u.Host + "/"
	if strings.TrimPrefix(u.EscapedPath(), "/") != "" || u.RawQuery != "" {
		out += "…"
	}
	return out
}

// urlInText finds URLs in free text (quoted by Go's url.Error or not).
var urlInText = regexp.MustCompile(`(?i)\b(?:https?|wss?)://[^\s"']+`)

// redactURLs replaces every URL in s by its scheme and host.
func redactURLs(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, redactURL)
}

func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request, p *principal) {
	var req webhookCreateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if !s.mayManageWebhook(w, r, p, req.CampaignID) {
		return
	}
	// Refused here when the URL's host is an address the dispatcher may not
	// reach; a name is checked again, resolved, on every connection.
	if err := s.opts.Outbound.CheckURL(req.URL); err != nil {
		writeError(w, http.StatusBadRequest, "url: %v", err)
		return
	}
	secret := req.Secret
	if secret == "" {
		secret = "whsec_" + randomString(24)
	}
	wh, err := s.db.WebhookCreate(r.Context(), &store.WebhookCreateParams{CampaignID: req.CampaignID, URL: req.URL, Secret: secret,
		Description: req.Description, CreatedBy: p.User.Name, Now: s.opts.Now()})
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "webhook_add", strconv.FormatInt(wh.ID, 10), map[string]any{"url": wh.URL, "campaign_id": wh.CampaignID})
	writeJSON(w, http.StatusCreated, map[string]any{"webhook": wh, "secret": secret})
}

func (s *Server) loadWebhook(w http.ResponseWriter, r *http.Request) (*store.Webhook, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return nil, false
	}
	wh, err := s.db.WebhookGet(r.Context(), &store.WebhookGetParams{ID: id})
	if err != nil {
		s.storeError(w, err)
		return nil, false
	}
	return wh, true
}

func (s *Server) handleWebhookDisable(w http.ResponseWriter, r *http.Request, p *principal) {
	wh, ok := s.loadWebhook(w, r)
	if !ok || !s.mayManageWebhook(w, r, p, wh.CampaignID) {
		return
	}
	if err := s.db.WebhookDisable(r.Context(), &store.WebhookDisableParams{ID: wh.ID, Now: s.opts.Now()}); err != nil {
		s.storeError(w, err)
		return
	}
	s.audit(r, p, "webhook_disable", strconv.FormatInt(wh.ID, 10), map[string]any{"url": wh.URL})
	wh.Active = false
	writeJSON(w, http.StatusOK, wh)
}

// handleWebhookDeliveries is a webhook's delivery log with every try.
func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request, p *principal) {
	wh, ok := s.loadWebhook(w, r)
	if !ok {
		return
	}
	limit := int(queryInt(r, "limit", 100))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	ds, err := s.db.WebhookDeliveryList(r.Context(), &store.WebhookDeliveryListParams{WebhookID: wh.ID,
		AttemptID: queryInt(r, "attempt", 0), Limit: limit, WithTries: true})
	if err != nil {
		s.storeError(w, err)
		return
	}
	// Tries recorded before errors were classed carry the client's text,
	// URL (and the receiver's token) included: every role reads this log.
	for _, d := range ds {
		d.LastError = redactURLs(d.LastError)
		for _, t := range d.TryLog {
			t.Error = redactURLs(t.Error)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}
