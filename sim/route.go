package sim

import (
	"math/rand/v2"
	"sync"
)

// router picks a behaviour for a dialled number: the first route whose
// regexp matches the Request-URI user part, else a weighted draw from the
// mix. It is safe for concurrent use.
type router struct {
	p   *Profile
	mu  sync.Mutex
	rng *rand.Rand
}

func newRouter(p *Profile, seed uint64) *router {
	if seed == 0 {
		seed = p.Seed
	}
	var src rand.Source
	if seed != 0 {
		src = rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	} else {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	return &router{p: p, rng: rand.New(src)}
}

// pick returns the plan for user, or nil when no route matches and there is no mix.
func (r *router) pick(user string) *plan {
	for _, rt := range r.p.routes {
		if rt.re.MatchString(user) {
			return r.p.plans[rt.behaviour]
		}
	}
	if r.p.mixTotal == 0 {
		return nil
	}
	r.mu.Lock()
	n := r.rng.IntN(r.p.mixTotal)
	r.mu.Unlock()
	for _, w := range r.p.mix {
		if n < w.upTo {
			return r.p.plans[w.behaviour]
		}
	}
	return nil // unreachable: n < mixTotal == last upTo
}
