package compliancebench

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/voxdial/voxdial/compliance"
)

type Options struct {
	DNCNumbers       int // national DNC entries (default 5,000,000)
	Contacts         int // distinct callees, each with a consent record (default 1,000,000)
	HistoryFraction  float64
	HistoryPerNumber int
	Attempts         int // distinct prepared attempts cycled by the benchmark (default 65,536)
	Seed             uint64
}

type World struct {
	Gate          *compliance.Gate
	Memory        *compliance.Memory
	DNC           *compliance.DNCIndex
	Attempts      []compliance.Attempt
	DNCBuildTime  time.Duration
	DNCNumbers    uint64
	DNCBytes      uint64
	ConsentsCount int
}

const allPurposes = compliance.PurposeSet(1<<compliance.Telemarketing | 1<<compliance.Informational | 1<<compliance.Collections)

func benchNPAs() []uint64 {
	var out []uint64
	for n := uint64(201); n <= 989; n++ {
		mid, last := n/10%10, n%10
		if mid == 9 || (mid == 1 && last == 1) || n/100 == 5 && mid == 0 || n == 800 || n == 888 || n == 877 ||
			n == 866 || n == 855 || n == 844 || n == 833 || n/100 == 9 && mid >= 5 {
			continue
		}
		out = append(out, n)
	}
	return out
}

func New(o Options) (*World, error) {
	if o.DNCNumbers == 0 {
		o.DNCNumbers = 5_000_000
	}
	if o.Contacts == 0 {
		o.Contacts = 1_000_000
	}
	if o.Attempts == 0 {
		o.Attempts = 1 << 16
	}
	if o.HistoryFraction == 0 {
		o.HistoryFraction = 0.2
	}
	if o.HistoryPerNumber == 0 {
		o.HistoryPerNumber = 3
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	npas := benchNPAs()
	space := float64(len(npas)) * 8e6   // NXX 200–999 × 10,000 lines
	numberAt := func(i uint64) uint64 { // i-th number of the space, in order
		npa := npas[i/8_000_000]
		rest := i % 8_000_000
		return 1e10 + npa*1e7 + (200+rest/10_000)*1e4 + rest%10_000
	}

	w := &World{Memory: compliance.NewMemory(), DNC: compliance.NewDNCIndex()}
	start := time.Now()
	p := float64(o.DNCNumbers) / space
	batch := make([]uint64, 0, 1<<20)
	var pos float64
	lg := math.Log1p(-p)
	for added := 0; added < o.DNCNumbers; added++ {
		pos += math.Floor(math.Log(1-rng.Float64())/lg) + 1
		if pos >= space {
			break
		}
		batch = append(batch, numberAt(uint64(pos)))
		if len(batch) == cap(batch) {
			w.DNC.AddMany(compliance.ListNational, "", batch)
			batch = batch[:0]
		}
	}
	w.DNC.AddMany(compliance.ListNational, "", batch)
	w.DNC.Optimize()
	w.DNCBuildTime = time.Since(start)
	w.DNCNumbers = w.DNC.Len()
	w.DNCBytes = w.DNC.SizeInBytes()

	day := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	w.DNC.SetSnapshot(compliance.ListNational, day.AddDate(0, 0, -3))
	for i := 1; i <= 4; i++ {
		id := "S" + strconv.Itoa(i)
		cid := "+1212555000" + strconv.Itoa(i)
		w.Memory.PutSeller(compliance.Seller{ID: id, CallerIDs: []string{cid}})
		w.Memory.PutCampaign(compliance.Campaign{ID: "tm" + id, Seller: id, Purpose: compliance.Telemarketing, Voice: compliance.VoiceArtificial, Subject: "offer", CallerID: cid, Pacing: compliance.PacingPredictive,
			Abandon30d: compliance.AbandonStats{LiveAnswers: 10000, Abandoned: 120}})
		w.Memory.PutCampaign(compliance.Campaign{ID: "dc" + id, Seller: id, Purpose: compliance.Collections, Voice: compliance.VoiceArtificial, CallerID: cid, Pacing: compliance.PacingOneToOne})
	}
	contacts := make([]uint64, o.Contacts)
	for i := range contacts {
		n := numberAt(uint64(rng.Float64() * space))
		contacts[i] = n
		seller := "S" + strconv.Itoa(1+i%4)
		w.Memory.AddConsent(compliance.Consent{Number: n, Seller: seller, Kind: compliance.ConsentWritten, Scope: allPurposes, ArtificialVoice: true,
			GivenAt: day.AddDate(-1, 0, 0), ID: "c" + strconv.Itoa(i)})
		if i%5 == 0 {
			w.Memory.PutContact(n, compliance.Contact{LineType: compliance.LineWireless})
		}
		if rng.Float64() < o.HistoryFraction {
			for k := 0; k < o.HistoryPerNumber; k++ {
				w.Memory.AddEvent(compliance.Event{Number: n, Seller: seller, Campaign: "tm" + seller, Subject: "offer",
					At: day.Add(-time.Duration(rng.IntN(7*24*3600)) * time.Second), Outcome: compliance.OutcomeNoAnswer, DebtIDs: []string{"D" + strconv.Itoa(i)}})
			}
		}
	}
	w.ConsentsCount = o.Contacts
	g, err := compliance.NewGate(compliance.Options{Directory: w.Memory, Consents: w.Memory, History: w.Memory, DNC: w.DNC, Resolver: compliance.NewResolver(4 * o.Contacts)})
	if err != nil {
		return nil, err
	}
	w.Gate = g
	w.Attempts = make([]compliance.Attempt, o.Attempts)
	for i := range w.Attempts {
		j := rng.IntN(len(contacts))
		seller := "S" + strconv.Itoa(1+j%4)
		camp := "tm" + seller
		var debts []string
		if i%4 == 3 {
			camp = "dc" + seller
			debts = []string{"D" + strconv.Itoa(j)}
		}
		// 11:00–23:00 UTC: mostly inside the windows, some before or after.
		at := day.Add(11*time.Hour + time.Duration(rng.IntN(12*3600))*time.Second)
		w.Attempts[i] = compliance.Attempt{ID: strconv.Itoa(i), Number: compliance.FormatNumber(contacts[j]), Campaign: camp, At: at, DebtIDs: debts}
	}
	return w, nil
}

func (w *World) Warm(ctx context.Context) {
	var d compliance.Decision
	for i := range w.Attempts {
		w.Gate.CheckTo(ctx, &w.Attempts[i], &d)
	}
}
