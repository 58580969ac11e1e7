package source

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// Replay protection. A verified delivery is remembered by two keys: the delivery ID the
// provider sends, and the SHA-256 of the body. A second delivery with either key is a
// duplicate and triggers nothing. The body key is the one an attacker cannot get around:
// the providers sign the body only, not the headers, so a captured payload can be sent
// again under a fresh delivery ID, but not with another body without the secret. A
// provider's own redelivery of an event the daemon already received is a duplicate too,
// which is what it should be: that event already triggered a fetch.
//
// No provider sends a signed timestamp (the timestamps in push payloads are commit times,
// not delivery times), so there is no age check on the delivery itself; the memory's
// window is the bound. The memory is per process: a restarted daemon, or another replica,
// has not seen earlier deliveries.

// Defaults of WebhookOptions.ReplayMemory and ReplayWindow.
const (
	DefaultReplayMemory = 4096
	DefaultReplayWindow = 24 * time.Hour
)

// deliveryIDHeaders are the headers naming one delivery, per provider, in the order they
// are tried. GitLab sends Idempotency-Key (stable across its retries) and, before it had
// that, X-Gitlab-Event-UUID.
var deliveryIDHeaders = map[provider][]string{
	providerGitHub: {"X-GitHub-Delivery"},
	providerGitea:  {"X-Forgejo-Delivery", "X-Gitea-Delivery", "X-Gogs-Delivery", "X-GitHub-Delivery"},
	providerGitLab: {"Idempotency-Key", "X-Gitlab-Event-UUID"},
}

// deliveryID is the provider's ID of this delivery, or "" when it sent none.
func (d delivery) deliveryID(h http.Header) string {
	for _, name := range deliveryIDHeaders[d.provider] {
		if v := h.Get(name); v != "" {
			return v
		}
	}
	return ""
}

// replayKeys are the keys a delivery is remembered by: its ID (when it has one) and its
// body digest.
func replayKeys(p provider, id string, body []byte) []string {
	sum := sha256.Sum256(body)
	keys := []string{"body:" + hex.EncodeToString(sum[:])}
	if id != "" {
		keys = append(keys, "id:"+string(p)+":"+id)
	}
	return keys
}

// replayMemory remembers keys for at most window, and at most max deliveries: the oldest
// is forgotten first. Only verified deliveries are added, so an unauthenticated sender
// cannot fill it or push real deliveries out.
type replayMemory struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	seen  map[string]time.Time // key → when it was first received
	order []seenEntry          // insertion order (and time order): the oldest first
}

type seenEntry struct {
	keys []string
	at   time.Time
}

func newReplayMemory(max int, window time.Duration, now func() time.Time) *replayMemory {
	return &replayMemory{max: max, window: window, now: now, seen: map[string]time.Time{}}
}

// firstTime records a delivery by its keys. It reports false, and records nothing, when
// any of the keys was received within the window.
func (m *replayMemory) firstTime(keys []string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	for _, k := range keys {
		if _, dup := m.seen[k]; dup {
			return false
		}
	}
	for _, k := range keys {
		m.seen[k] = now
	}
	m.order = append(m.order, seenEntry{keys: keys, at: now})
	for len(m.order) > m.max {
		m.forgetOldest()
	}
	return true
}

func (m *replayMemory) expire(now time.Time) {
	for len(m.order) > 0 && now.Sub(m.order[0].at) >= m.window {
		m.forgetOldest()
	}
}

func (m *replayMemory) forgetOldest() {
	e := m.order[0]
	for _, k := range e.keys {
		delete(m.seen, k) // firstTime never adds a key twice, so it is this entry's
	}
	m.order[0] = seenEntry{}
	m.order = m.order[1:]
}

// len is the number of deliveries remembered (for tests).
func (m *replayMemory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.order)
}
