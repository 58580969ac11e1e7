package synctest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/eventsink"
	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// receiver is a webhook endpoint on 127.0.0.1 that verifies every delivery's signature
// and keeps the deliveries in arrival order.
type receiver struct {
	t      *testing.T
	secret []byte
	mu     sync.Mutex
	got    []delivery
}

type delivery struct {
	ID, DetailType, EventName, DeploymentID, Body string
	// Latency is arrival minus the task's updatedAt (Nomad's time of the change), for
	// task state changes.
	Latency time.Duration
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !eventsink.Verify(rc.secret, body, r.Header.Get(eventsink.HeaderSignature)) {
		rc.t.Errorf("delivery with a bad signature %q", r.Header.Get(eventsink.HeaderSignature))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var env struct {
		ID         string `json:"id"`
		DetailType string `json:"detail-type"`
		Detail     struct {
			EventName, DeploymentID, LastStatus string
			UpdatedAt                           time.Time
		} `json:"detail"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		rc.t.Errorf("delivery is not an envelope: %v: %s", err, body)
	}
	if env.ID != r.Header.Get(eventsink.HeaderEventID) {
		rc.t.Errorf("header ID %q, envelope ID %q", r.Header.Get(eventsink.HeaderEventID), env.ID)
	}
	name := env.Detail.EventName
	if name == "" {
		name = env.Detail.LastStatus
	}
	rc.mu.Lock()
	dl := delivery{ID: env.ID, DetailType: env.DetailType, EventName: name, DeploymentID: env.Detail.DeploymentID, Body: string(body)}
	if env.DetailType == ecsevents.DetailTaskStateChange {
		dl.Latency = time.Since(env.Detail.UpdatedAt)
	}
	rc.got = append(rc.got, dl)
	rc.mu.Unlock()
}

func (rc *receiver) snapshot() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// first is the position of the first delivery of name for deployment dep (-1: none).
func first(ds []delivery, name, dep string) int {
	for i, d := range ds {
		if d.EventName == name && (dep == "" || d.DeploymentID == dep) {
			return i
		}
	}
	return -1
}

// TestEventsWebhookAcrossKill9 is issue 18's must-show: during a rolling deployment a
// webhook receiver on 127.0.0.1 gets the deployment and steady-state events in order;
// the daemon is killed with SIGKILL mid-deployment and restarted; no event is lost (the
// IDs received are checked against an independent mapping of Nomad's event buffer) and
// the repeats are recognisable by their ID. No delivery carries the environment value.
func TestEventsWebhookAcrossKill9(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	secretValue := fmt.Sprintf("env-secret-%d", time.Now().UnixNano())
	rc := &receiver{t: t, secret: []byte("hook-key")}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	t.Setenv("ECSGIT_TEST_EVENT_KEY", "hook-key")

	repo := gittest.New(t)
	commit := func(version string) string {
		files := repotest.New(ns, repotest.Service{Name: "web", Count: 2, Version: version + "-" + secretValue}).Files()
		// 50/100 with 2 tasks: one task at a time, each healthy after 5 s: a rollout of
		// about 12 s, long enough to kill the daemon in the middle of it.
		files["web-service.json"] = `{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2,
  "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 100}}` + "\n"
		return repo.Commit(version, files)
	}
	sha1 := commit("v1")
	args := []string{"--repo", repo.FileURL(), "--namespace", ns, "--interval", "300ms", "--cache-dir", t.TempDir(),
		"--event-webhook", srv.URL, "--event-webhook-secret-env", "ECSGIT_TEST_EVENT_KEY",
		// The cursor is written at start, then not again before the kill: the restarted
		// daemon re-delivers everything since, which the receiver must recognise by ID.
		"--event-cursor-interval", "2m"}
	d := synctest.StartDaemon(t, addr, args...)
	defer func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.Output())
		}
	}()
	synctest.Eventually(t, 90*time.Second, "the first deployment completed", func() bool {
		st, err := d.Status()
		return err == nil && st.Deployed != nil && st.Deployed.SHA == sha1 && first(rc.snapshot(), ecsevents.ServiceSteadyState, "") >= 0
	})
	startIndex, err := c.CurrentIndex(t.Context(), ns)
	if err != nil {
		t.Fatal(err)
	}
	before := len(rc.snapshot())

	// The rolling deployment; kill -9 once it is in progress, with tasks still to replace.
	commit("v2")
	var dep2 string
	synctest.Eventually(t, 60*time.Second, "the second deployment in progress", func() bool {
		for _, dl := range rc.snapshot()[before:] {
			if dl.EventName == ecsevents.ServiceDeploymentInProgress {
				dep2 = dl.DeploymentID
				return true
			}
		}
		return false
	})
	time.Sleep(500 * time.Millisecond)
	d.Kill()
	atKill := len(rc.snapshot())
	// The deployment goes on unseen: the first task's 5 s of health, the second batch's
	// start (its events happen while no daemon runs).
	time.Sleep(7 * time.Second)
	d = synctest.StartDaemon(t, addr, args...)
	synctest.Eventually(t, 90*time.Second, "the second deployment completed and the service steady", func() bool {
		ds := rc.snapshot()
		return first(ds, ecsevents.ServiceDeploymentCompleted, dep2) >= 0 && lastSteady(ds, before) >= 0
	})
	time.Sleep(2 * time.Second) // let late task events arrive
	got := rc.snapshot()

	// In order: in progress, completed, then the steady state, for the rolling deployment.
	inProg, done := first(got, ecsevents.ServiceDeploymentInProgress, dep2), first(got, ecsevents.ServiceDeploymentCompleted, dep2)
	steady := lastSteady(got, before)
	if !(inProg >= 0 && inProg < done && done < steady) {
		t.Fatalf("order: IN_PROGRESS at %d, COMPLETED at %d, STEADY_STATE at %d; want increasing\n%s", inProg, done, steady, list(got[before:]))
	}
	if atKill >= done {
		t.Fatalf("the daemon was killed after the deployment completed (%d deliveries at the kill, completed at %d): not mid-deployment", atKill, done)
	}

	// None lost: every event an independent mapper derives from Nomad's buffer after the
	// second commit was received, with the same ID.
	want := groundTruth(t, c, ns, startIndex)
	ids := map[string]int{}
	for _, dl := range got {
		ids[dl.ID]++
	}
	var lost []string
	for _, ev := range want {
		if ids[ev.Envelope.ID] == 0 {
			lost = append(lost, ev.Envelope.ID+" "+ev.Text)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d events lost across the kill:\n%s\nreceived:\n%s", len(lost), len(want), strings.Join(lost, "\n"), list(got[before:]))
	}
	dups, bodies := 0, map[string]string{}
	for _, dl := range got {
		if b, seen := bodies[dl.ID]; seen {
			dups++
			if withoutTimes(t, b) != withoutTimes(t, dl.Body) {
				t.Errorf("repeat of %s differs from the first delivery:\n%s\n%s", dl.ID, b, dl.Body)
			}
			continue
		}
		bodies[dl.ID] = dl.Body
	}
	if dups == 0 {
		t.Fatalf("no repeat after the kill although the cursor was not written since the start: the restart did not resume from the cursor")
	}
	for _, dl := range got {
		if strings.Contains(dl.Body, secretValue) {
			t.Fatalf("a delivery carries the environment value: %s", dl.Body)
		}
	}
	// What an operator checks on the restarted daemon: the delivery metrics, and the
	// last events it kept (GET /v1/events, behind `ecsgit status web --server`).
	metrics := httpGet(t, d.URL+"/metrics")
	for _, want := range []string{`ecsgit_events_delivered_total{sink="webhook-1"}`, `ecsgit_events_dropped_total{reason="queue_full",sink="webhook-1"} 0`,
		`ecsgit_events_queue_length{sink="webhook-1"}`, `ecsgit_events_cursor_index`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var recs []ecsevents.Record
	if err := json.Unmarshal([]byte(httpGet(t, d.URL+"/v1/events?service=web&limit=50")), &recs); err != nil || len(recs) == 0 {
		t.Errorf("/v1/events: %d records, %v", len(recs), err)
	} else if last := recs[len(recs)-1]; last.Service != "web" || last.Text == "" {
		t.Errorf("/v1/events: last record %+v", last)
	}
	var lat []time.Duration
	for _, dl := range got[:atKill] { // delivered live, not replayed after the restart
		if dl.Latency > 0 {
			lat = append(lat, dl.Latency)
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		t.Logf("task state change latency (Nomad's update to the receiver), %d live deliveries: median %s, max %s",
			len(lat), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}
	t.Logf("rolling deployment %s: %d events expected after index %d, all received; %d deliveries in all, %d repeats identified by ID; %d deliveries before the kill",
		dep2, len(want), startIndex, len(got)-before, dups, atKill-before)
}

// withoutTimes is a delivery without its timestamps: Nomad's deployment events carry no
// time, so ecsgit stamps those when it derives them (docs/events.md); all else of a repeat
// must be the same.
func withoutTimes(t *testing.T, body string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "time")
	if d, ok := m["detail"].(map[string]any); ok {
		delete(d, "createdAt")
		delete(d, "updatedAt")
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// lastSteady is the position of the last SERVICE_STEADY_STATE after position from.
func lastSteady(ds []delivery, from int) int {
	pos := -1
	for i := from; i < len(ds); i++ {
		if ds[i].EventName == ecsevents.ServiceSteadyState {
			pos = i
		}
	}
	return pos
}

// groundTruth maps Nomad's buffered events with a fresh mapper (warmed on the whole
// buffer, as the daemon is) and returns those after index.
func groundTruth(t *testing.T, c interface {
	ecsevents.Stream
}, ns string, after uint64) []ecsevents.Event {
	m := ecsevents.NewMapper(ecsevents.Options{Namespace: ns, Services: map[string]string{"web": "web"}})
	var out []ecsevents.Event
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err := ecsevents.Follow(ctx, c, ecsevents.FollowOptions{Namespace: ns, After: after, WarmUp: true, Mapper: m, Idle: 2 * time.Second,
		OnBatch: func(_ uint64, evs []ecsevents.Event) { out = append(out, evs...) }})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func list(ds []delivery) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  %s %s %s %s\n", d.ID, d.DetailType, d.EventName, d.DeploymentID)
	}
	return b.String()
}
