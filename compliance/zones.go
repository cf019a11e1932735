package compliance

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nyaruka/phonenumbers"

	_ "time/tzdata" // IANA tzdata embedded: never fixed offsets, same answer on every host
)

// NumberInfo is what a number itself says about where its subscriber is, from
// libphonenumber's metadata (github.com/nyaruka/phonenumbers v1.8.1): its region, the
// area-code state for US numbers, and the time zones of its prefix.
type NumberInfo struct {
	CountryCode int
	Region      string // ISO 3166-1 alpha-2 from libphonenumber ("" when unknown)
	State       string // two-letter US state of the area code, for US geographic numbers
	Zones       []string
	// Geographic is false when the number's zones say nothing usable about where the callee
	// is: toll-free and other non-geographic types, Etc/Unknown, an invalid zone name, or a
	// country-level fallback whose zones disagree on the local time.
	Geographic bool
	Why        string // why the number is not geographic
	locs       []*time.Location
}

// ZoneSet is the set of candidate zones of one callee: the number's zones ∪ the address
// zone. A window passes only if it passes in every zone.
type ZoneSet struct {
	Names  []string
	Usable bool
	Why    string // why the set is not usable
	locs   []*time.Location
	info   *NumberInfo // the number's info, when the set is interned for it
}

// Resolver maps numbers to NumberInfo and candidate ZoneSets. Lookups of numbers already
// seen are lock-free and allocation-free (a direct-mapped cache of number → interned info);
// a miss asks libphonenumber. Safe for concurrent use.
type Resolver struct {
	cache []atomic.Uint64 // number<<infoBits | info id; 0 is empty
	mask  uint64
	infos [maxInfos]atomic.Pointer[NumberInfo]
	plain [maxInfos]atomic.Pointer[ZoneSet] // zone sets without an address zone

	mu      sync.RWMutex
	byKey   map[string]uint16
	nInfos  uint16
	unions  map[unionKey]*ZoneSet
	locs    map[string]*time.Location
	uniform map[string]bool
}

const (
	infoBits = 14
	maxInfos = 1 << infoBits
)

type unionKey struct {
	info uint16
	addr string
}

// NewResolver returns a resolver whose number cache has about cacheSize slots (a power of
// two is used; zero means 1<<20, 8 MiB).
func NewResolver(cacheSize int) *Resolver {
	if cacheSize <= 0 {
		cacheSize = 1 << 20
	}
	size := 4
	for size < cacheSize {
		size <<= 1
	}
	return &Resolver{
		cache:   make([]atomic.Uint64, size),
		mask:    uint64(size - 1),
		byKey:   make(map[string]uint16),
		unions:  make(map[unionKey]*ZoneSet),
		locs:    make(map[string]*time.Location),
		uniform: make(map[string]bool),
	}
}

// Info returns what the number says about its subscriber. number is the E.164 digits.
func (r *Resolver) Info(number uint64) *NumberInfo {
	_, info := r.info(number)
	return info
}

func (r *Resolver) info(number uint64) (uint16, *NumberInfo) {
	// 4-way set-associative: a bucket of 4 slots, so that two hot numbers rarely evict
	// each other.
	h := number * 0x9E3779B97F4A7C15
	b := (h >> 20) & r.mask &^ 3
	bucket := r.cache[b : b+4 : b+4]
	empty := -1
	for i := range bucket {
		e := bucket[i].Load()
		if e != 0 && e>>infoBits == number {
			id := uint16(e & (maxInfos - 1))
			return id, r.infos[id].Load()
		}
		if e == 0 && empty < 0 {
			empty = i
		}
	}
	info := r.resolve(number)
	id := r.intern(info)
	if id != 0 && number < 1<<(64-infoBits) {
		if empty < 0 {
			empty = int(h>>60) & 3 // pseudo-random victim
		}
		bucket[empty].Store(number<<infoBits | uint64(id))
	}
	if id == 0 {
		return 0, info
	}
	return id, r.infos[id].Load()
}

// intern returns the id of an info equal to info (0 when the table is full).
func (r *Resolver) intern(info *NumberInfo) uint16 {
	key := strconv.Itoa(info.CountryCode) + "|" + info.Region + "|" + info.State + "|" +
		strconv.FormatBool(info.Geographic) + "|" + info.Why + "|" + strings.Join(info.Zones, ",")
	r.mu.RLock()
	id, ok := r.byKey[key]
	r.mu.RUnlock()
	if ok {
		return id
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.byKey[key]; ok {
		return id
	}
	if int(r.nInfos)+1 >= maxInfos {
		return 0
	}
	r.nInfos++
	id = r.nInfos
	r.infos[id].Store(info)
	r.byKey[key] = id
	return id
}

// nonGeographicTypes are number types whose prefix says nothing about where the callee is.
var nonGeographicTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.TOLL_FREE:       "toll-free",
	phonenumbers.PREMIUM_RATE:    "premium-rate",
	phonenumbers.SHARED_COST:     "shared-cost",
	phonenumbers.VOIP:            "VoIP",
	phonenumbers.PERSONAL_NUMBER: "personal",
	phonenumbers.PAGER:           "pager",
	phonenumbers.UAN:             "UAN",
	phonenumbers.VOICEMAIL:       "voicemail-access",
}

// usTerritories are NANP regions where US federal law applies.
var usTerritories = map[string]bool{"US": true, "PR": true, "GU": true, "VI": true, "AS": true, "MP": true}

func (r *Resolver) resolve(number uint64) *NumberInfo {
	e164 := FormatNumber(number)
	p, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return &NumberInfo{Why: "unknown number (" + err.Error() + ")"}
	}
	info := &NumberInfo{
		CountryCode: int(p.GetCountryCode()),
		Region:      phonenumbers.GetRegionCodeForNumber(p),
	}
	zones, err := phonenumbers.GetTimezonesForNumber(p)
	if err != nil || len(zones) == 0 || (len(zones) == 1 && zones[0] == phonenumbers.UNKNOWN_TIMEZONE) {
		info.Why = "no time zone known for the number's prefix"
		return info
	}
	info.Zones = slices.Clone(zones)
	typ := phonenumbers.GetNumberType(p)
	if kind, ok := nonGeographicTypes[typ]; ok {
		info.Why = "non-geographic (" + kind + ") number"
		return info
	}
	for _, z := range info.Zones {
		loc := r.location(z)
		if loc == nil {
			info.Why = "time zone " + z + " is not in tzdata"
			info.locs = nil
			return info
		}
		info.locs = append(info.locs, loc)
	}
	if country, _ := phonenumbers.GetTimezonesForPrefix(strconv.Itoa(info.CountryCode)); len(country) > 1 &&
		slices.Equal(country, zones) && !r.isUniform(info.Zones, info.locs) {
		info.Why = "only the country-level zone list is known for the number, and its zones disagree"
		info.locs = nil
		return info
	}
	info.Geographic = true
	if usTerritories[info.Region] {
		if info.Region != "US" {
			info.State = info.Region
		} else if desc, err := phonenumbers.GetGeocodingForNumber(p, "en"); err == nil {
			info.State = usStateFromDescription(desc)
		}
	}
	return info
}

// location loads an IANA zone once.
func (r *Resolver) location(name string) *time.Location {
	r.mu.RLock()
	loc, ok := r.locs[name]
	r.mu.RUnlock()
	if ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		loc = nil
	}
	r.mu.Lock()
	r.locs[name] = loc
	r.mu.Unlock()
	return loc
}

// isUniform reports whether every zone shows the same offset at weekly samples over
// 2024–2031: a zone list whose members always agree is as good as one zone.
func (r *Resolver) isUniform(names []string, locs []*time.Location) bool {
	key := strings.Join(names, ",")
	r.mu.RLock()
	u, ok := r.uniform[key]
	r.mu.RUnlock()
	if ok {
		return u
	}
	u = true
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := start; t.Year() < 2032 && u; t = t.Add(7 * 24 * time.Hour) {
		_, off0 := t.In(locs[0]).Zone()
		for _, l := range locs[1:] {
			if _, off := t.In(l).Zone(); off != off0 {
				u = false
				break
			}
		}
	}
	r.mu.Lock()
	r.uniform[key] = u
	r.mu.Unlock()
	return u
}

// Zones returns the candidate zones for a number and an optional address zone. The result
// is interned: callers must not modify it.
func (r *Resolver) Zones(number uint64, addressZone string) (*ZoneSet, *NumberInfo) {
	id, info := r.info(number)
	if id == 0 {
		return r.union(info, addressZone), info
	}
	if addressZone == "" {
		if zs := r.plain[id].Load(); zs != nil {
			return zs, info
		}
		zs := r.union(info, "")
		zs.info = info
		r.plain[id].Store(zs)
		return zs, info
	}
	k := unionKey{info: id, addr: addressZone}
	r.mu.RLock()
	zs, ok := r.unions[k]
	r.mu.RUnlock()
	if ok {
		return zs, info
	}
	zs = r.union(info, addressZone)
	zs.info = info
	r.mu.Lock()
	r.unions[k] = zs
	r.mu.Unlock()
	return zs, info
}

func (r *Resolver) union(info *NumberInfo, addressZone string) *ZoneSet {
	zs := &ZoneSet{}
	if info.Geographic {
		zs.Names = append(zs.Names, info.Zones...)
		zs.locs = append(zs.locs, info.locs...)
	}
	if addressZone != "" {
		loc := r.location(addressZone)
		if loc == nil {
			return &ZoneSet{Names: append(zs.Names, addressZone), Why: "address time zone " + strconv.Quote(addressZone) + " is not an IANA zone"}
		}
		if !slices.Contains(zs.Names, addressZone) {
			zs.Names = append(zs.Names, addressZone)
			zs.locs = append(zs.locs, loc)
		}
	}
	if len(zs.locs) == 0 {
		zs.Why = info.Why
		if zs.Why == "" {
			zs.Why = "no usable time zone"
		}
		zs.Why += " and no address time zone"
		return zs
	}
	// Sort names and locations together for stable output.
	idx := make([]int, len(zs.Names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(zs.Names[a], zs.Names[b]) })
	names := make([]string, len(idx))
	locs := make([]*time.Location, len(idx))
	for i, j := range idx {
		names[i], locs[i] = zs.Names[j], zs.locs[j]
	}
	zs.Names, zs.locs, zs.Usable = names, locs, true
	return zs
}

var usStateNames = map[string]string{
	"Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
	"Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
	"Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
	"Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
	"Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
	"Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
	"New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
	"North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
	"Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
	"Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA",
	"Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
	"Washington D.C.": "DC", "Washington DC": "DC", "District of Columbia": "DC",
}

// usStateFromDescription maps libphonenumber's English geocoding ("Florida",
// "Tallahassee, FL", "Washington State") to a two-letter state.
func usStateFromDescription(desc string) string {
	if s, ok := usStateNames[desc]; ok {
		return s
	}
	if i := strings.LastIndex(desc, ", "); i >= 0 && len(desc)-i == 4 {
		st := desc[i+2:]
		if st[0] >= 'A' && st[0] <= 'Z' && st[1] >= 'A' && st[1] <= 'Z' {
			return st
		}
	}
	return ""
}
