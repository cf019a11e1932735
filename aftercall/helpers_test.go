package aftercall

import (
	"time"

	"github.com/voxdial/voxdial/campaign"
)

func analyzerInfo() *campaign.AfterCallInfo {
	return &campaign.AfterCallInfo{CampaignID: 1, ContactID: 2, AttemptID: 3, Campaign: "c", Purpose: "collections",
		Script: "ref.yaml", Phone: "+12125550123", Vars: map[string]string{"first_name": "Ana", "amount": "120.50"},
		Outcome: "answered", Now: time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)}
}
