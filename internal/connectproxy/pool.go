package connectproxy

import (
	"slices"
	"sync"
	"time"
)

// ejectFor is how long an endpoint that refused a connection is skipped (a passive
// outlier detection, as Service Connect's Envoy ejects failing hosts). The catalog
// drops a stopping task within a second or two, so a few seconds covers the gap.
const ejectFor = 5 * time.Second

// pool is the endpoint set of one upstream, balanced round-robin.
type pool struct {
	mu      sync.Mutex
	addrs   []string
	next    int
	ejected map[string]time.Time
	now     func() time.Time
}

func newPool(addrs []string) *pool {
	p := &pool{ejected: map[string]time.Time{}, now: time.Now}
	p.set(addrs)
	return p
}

// set replaces the endpoints (a re-rendered catalog).
func (p *pool) set(addrs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addrs = slices.Clone(addrs)
	for a := range p.ejected {
		if !slices.Contains(addrs, a) {
			delete(p.ejected, a)
		}
	}
}

func (p *pool) endpoints() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.addrs)
}

// pick returns the next endpoint not in tried, preferring endpoints that are not
// ejected; "" when every endpoint was tried.
func (p *pool) pick(tried map[string]bool) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	fallback := ""
	for range p.addrs {
		a := p.addrs[p.next%len(p.addrs)]
		p.next++
		if tried[a] {
			continue
		}
		if until, ok := p.ejected[a]; ok && now.Before(until) {
			if fallback == "" {
				fallback = a
			}
			continue
		}
		return a
	}
	// Only ejected endpoints are left: try one rather than fail (all may be back).
	return fallback
}

// eject skips addr for ejectFor.
func (p *pool) eject(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if slices.Contains(p.addrs, addr) {
		p.ejected[addr] = p.now().Add(ejectFor)
	}
}
