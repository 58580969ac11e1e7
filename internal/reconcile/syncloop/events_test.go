package syncloop

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// fakeEvents is an in-memory stream of batches (one deployment event per index) and a
// cursor variable.
type fakeEvents struct {
	mu      sync.Mutex
	batches []nomadbackend.EventBatch
	current uint64
	cursor  uint64
	writes  []uint64
	froms   []uint64
}

func (f *fakeEvents) EventsOf(ctx context.Context, _ string, index uint64, _ ...nomadbackend.EventTopic) (<-chan nomadbackend.EventBatch, error) {
	f.mu.Lock()
	f.froms = append(f.froms, index)
	var out []nomadbackend.EventBatch
	for _, b := range f.batches {
		if b.Index >= index {
			out = append(out, b)
		}
	}
	f.mu.Unlock()
	ch := make(chan nomadbackend.EventBatch)
	go func() {
		for _, b := range out {
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
		}
		<-ctx.Done()
	}()
	return ch, nil
}

func (f *fakeEvents) ListOwned(context.Context, string, string) ([]nomadbackend.OwnedJob, error) {
	return []nomadbackend.OwnedJob{{ID: "web"}}, nil
}
func (f *fakeEvents) CurrentIndex(context.Context, string) (uint64, error) { return f.current, nil }
func (f *fakeEvents) ReadEventCursor(context.Context, string, string) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cursor, nil
}
func (f *fakeEvents) WriteEventCursor(_ context.Context, _, _ string, i uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cursor = i
	f.writes = append(f.writes, i)
	return nil
}

// recordingPublisher delivers at once.
type recordingPublisher struct {
	mu     sync.Mutex
	ids    []string
	latest uint64
}

func (p *recordingPublisher) Publish(index uint64, evs []ecsevents.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ev := range evs {
		p.ids = append(p.ids, ev.Envelope.ID)
	}
	p.latest = index
}

func (p *recordingPublisher) Cursor() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.latest, 1) - 1
}

func (p *recordingPublisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ids)
}

func deploymentBatches(n int) []nomadbackend.EventBatch {
	var out []nomadbackend.EventBatch
	for i := 1; i <= n; i++ {
		status := nomadbackend.DeploymentRunning
		if i%2 == 0 {
			status = nomadbackend.DeploymentSuccessful
		}
		idx := uint64(100 + i)
		out = append(out, nomadbackend.EventBatch{Index: idx, Events: []nomadbackend.Event{{Index: idx,
			Deployment: &nomadbackend.DeploymentEvent{ID: "dep-" + string(rune('a'+(i-1)/2)), JobID: "web", Status: status, ModifyTime: time.Unix(int64(i), 0)}}}})
	}
	return out
}

func runForwarder(t *testing.T, f *fakeEvents, p *recordingPublisher, want int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	fw := &EventForwarder{Cluster: f, Namespace: "prod", Source: "repo", Publisher: p, Recent: &RecentEvents{}, PersistEvery: time.Millisecond}
	go func() { fw.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for p.count() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	<-done
}

// TestForwarderFirstStartWritesCursorThenResumes: a first start writes the current index
// before publishing anything and sends nothing older; a restart resumes after the
// persisted cursor, re-deriving (not re-sending) what came before, with the same IDs.
func TestForwarderFirstStartWritesCursorThenResumes(t *testing.T) {
	f := &fakeEvents{batches: deploymentBatches(4), current: 102} // 101 running, 102 successful, 103 running, 104 successful
	p1 := &recordingPublisher{}
	runForwarder(t, f, p1, 3) // 103: IN_PROGRESS; 104: COMPLETED, console, STEADY, console
	if len(f.writes) == 0 || f.writes[0] != 102 {
		t.Fatalf("cursor writes %v: want the start index 102 first", f.writes)
	}
	if f.froms[0] != 1 {
		t.Fatalf("subscribed from %d, want 1 (warm up on Nomad's buffer)", f.froms[0])
	}
	if p1.count() != 5 {
		t.Fatalf("first run published %d events, want 5 (nothing at or before index 102)", p1.count())
	}
	if f.cursor != 103 {
		t.Fatalf("cursor after the run = %d, want 103 (one below the newest index)", f.cursor)
	}

	// More happened while no daemon ran; the restart resumes after 103.
	f.batches = append(f.batches, deploymentBatches(6)[4:]...) // 105 running, 106 successful
	p2 := &recordingPublisher{}
	runForwarder(t, f, p2, 6)
	seen := map[string]bool{}
	for _, id := range p1.ids {
		seen[id] = true
	}
	repeats := 0
	for _, id := range p2.ids {
		if seen[id] {
			repeats++
		}
	}
	if p2.count() != 4+1+4 || repeats != 4 {
		t.Fatalf("restart published %d events with %d repeats; want 104's four again (same IDs: at least once) and 105, 106's five", p2.count(), repeats)
	}
}
