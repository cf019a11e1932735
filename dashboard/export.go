package dashboard

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/voxdial/voxdial/store"
	"go.uber.org/zap"
)

// dispositionCode is what a goal may name: a disposition code as scripts set them.
var dispositionCode = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// exportPage is how many contacts an export reads at a time: the export streams, holding
// one page in memory whatever the campaign's size.
const exportPage = 1000

// exportColumns are the fixed columns of a results export, in order.
var exportColumns = []string{"phone", "external_id", "state", "disposition", "disposition_text", "goal", "attempts",
	"last_outcome", "last_outcome_text", "last_reason", "tags"}

// handleResultsCSV streams a campaign's contacts as CSV: the fixed columns, then one
// column per contact variable (its name; "var.NAME" when it collides with a fixed
// column) and one per call variable ("call.NAME": what the calls captured, or the
// script set, on the last finished attempt). Every cell goes through csvCell. Roles that
// see masked numbers get masked numbers, no external ids, and "[hidden]" for variable
// values.
func (s *Server) handleResultsCSV(w http.ResponseWriter, r *http.Request, p *principal, c *store.Campaign, owner int64) {
	ctx := r.Context()
	full := seesFull(p, owner)
	contactKeys, callKeys, err := s.db.VariableKeys(ctx, c.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	goal, err := s.db.GoalGet(ctx, c.ID)
	if err != nil {
		s.storeError(w, err)
		return
	}
	texts := s.dispositionTexts(r)
	header := slices.Clone(exportColumns)
	for _, k := range contactKeys {
		if slices.Contains(exportColumns, k) {
			k = "var." + k
		}
		header = append(header, k)
	}
	for _, k := range callKeys {
		header = append(header, "call."+k)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(c.Name)+`-results.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write(csvRow(header...))
	flusher, _ := w.(http.Flusher)
	row := make([]string, 0, len(header))
	for after := int64(0); ; {
		page, err := s.db.ContactExportPage(ctx, c.ID, after, exportPage)
		if err != nil {
			// The header is out: end the body with a line that says so rather than a silent cut.
			s.log.Warn("results export stopped", zap.Error(err))
			_ = cw.Write([]string{fmt.Sprintf("# export stopped: %v", err)})
			cw.Flush()
			return
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			var res struct {
				Tags      []string       `json:"tags"`
				Variables map[string]any `json:"variables"`
				Captured  map[string]any `json:"captured"`
				Reason    string         `json:"reason"`
				SIPStatus int            `json:"sip_status"`
				SIPReason string         `json:"sip_reason"`
			}
			_ = json.Unmarshal(e.LastResult, &res)
			reason := res.Reason
			if reason == "" && res.SIPStatus != 0 {
				reason = strings.TrimSpace("SIP " + strconv.Itoa(res.SIPStatus) + " " + res.SIPReason)
			}
			if reason == "" && e.State == store.ContactDone && e.Disposition != "" && e.Attempts == 0 {
				reason = dispositionText(texts, e.Disposition)
			}
			ext := e.ExternalID
			if !full {
				ext = ""
				reason = newRedactor(nil).text(reason)
			}
			isGoal := "no"
			if e.State == store.ContactDone && slices.Contains(goal.Dispositions, e.Disposition) {
				isGoal = "yes"
			}
			row = append(row[:0], mask(full, e.Phone), ext, e.State, e.Disposition, dispositionText(texts, e.Disposition), isGoal,
				strconv.Itoa(e.Attempts), e.LastOutcome, outcomeText(e.LastOutcome), reason, strings.Join(res.Tags, ";"))
			vars := contactVars(e.Variables, nil)
			for _, k := range contactKeys {
				row = append(row, hidden(full, vars[k]))
			}
			for _, k := range callKeys {
				v, ok := res.Captured[k]
				if !ok {
					v = res.Variables[k]
				}
				row = append(row, hidden(full, cellText(v)))
			}
			_ = cw.Write(csvRow(row...))
		}
		after = page[len(page)-1].ID
		cw.Flush()
		if flusher != nil {
			flusher.Flush()
		}
		if len(page) < exportPage {
			break
		}
	}
	cw.Flush()
}

func hidden(full bool, v string) string {
	if full || v == "" {
		return v
	}
	return "[hidden]"
}

// cellText is a JSON value as a cell: strings as they are, others as JSON.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}
