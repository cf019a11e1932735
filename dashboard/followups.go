package dashboard

import (
	"net/http"

	"github.com/voxdial/voxdial/store"
)

// Follow-ups (package aftercall, docs/follow-ups.md): the texts queued after calls and
// their delivery log. Every role reads them; a role that sees masked numbers sees the
// recipient masked and the text through the contact's redactor, links removed (a payment
// link is a credential to the payment page).

var followUpStates = []string{"", store.FollowUpPending, store.FollowUpSent, store.FollowUpFailed, store.FollowUpBlocked}

// handleFollowUpList is GET /api/follow-ups?campaign=&attempt=&state=&limit=.
func (s *Server) handleFollowUpList(w http.ResponseWriter, r *http.Request, p *principal) {
	state := r.URL.Query().Get("state")
	known := false
	for _, st := range followUpStates {
		known = known || st == state
	}
	if !known {
		writeError(w, http.StatusBadRequest, "state %q: want pending, sent, failed or blocked", state)
		return
	}
	limit := int(queryInt(r, "limit", 100))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	fus, err := s.db.FollowUpList(r.Context(), &store.FollowUpListParams{CampaignID: queryInt(r, "campaign", 0),
		AttemptID: queryInt(r, "attempt", 0), State: state, Limit: limit, WithLog: true})
	if err != nil {
		s.storeError(w, err)
		return
	}
	owners, err := s.db.CampaignOwnerList(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	type doc struct {
		*store.FollowUp
		Masked bool `json:"masked"`
	}
	out := make([]doc, 0, len(fus))
	reds := map[int64]*redactor{}
	for _, f := range fus {
		if seesFull(p, owners[f.CampaignID]) {
			out = append(out, doc{FollowUp: f})
			continue
		}
		red, ok := reds[f.ContactID]
		if !ok {
			var vars map[string]string
			if c, err := s.db.ContactGet(r.Context(), &store.ContactGetParams{ID: f.ContactID}); err == nil {
				vars = contactVars(c.Variables, nil)
			}
			red = newRedactor(vars)
			reds[f.ContactID] = red
		}
		cp := *f
		cp.To = mask(false, f.To)
		cp.Body = red.text(redactURLs(f.Body))
		out = append(out, doc{FollowUp: &cp, Masked: true})
	}
	writeJSON(w, http.StatusOK, map[string]any{"follow_ups": out})
}
