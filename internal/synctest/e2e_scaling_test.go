package synctest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ecsgit/ecsgit/internal/gittest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend/nomadtest"
	"github.com/ecsgit/ecsgit/internal/repotest"
	"github.com/ecsgit/ecsgit/internal/synctest"
)

// TestSyncScheduledScalingAction: a put-scheduled-action definition a minute ahead
// (at(), in a time zone other than UTC) changes the service's capacity range at its
// time: the sync daemon wakes for it (its poll interval is an hour and Git does not
// change), and the count follows the new minimum.
func TestSyncScheduledScalingAction(t *testing.T) {
	c, ns, addr := synctest.Nomad(t)
	api := nomadtest.ClientAt(t, c.Address())
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(70 * time.Second).Truncate(time.Second)
	js := func(v any) string { b, _ := json.MarshalIndent(v, "", "  "); return string(b) }
	files := repotest.New(ns, repotest.Service{Name: "web", Count: 1}).Files()
	files["scaling-target.json"] = js(map[string]any{"ServiceNamespace": "ecs", "ResourceId": "service/default/web",
		"ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 2})
	files["scaling-peak.json"] = js(map[string]any{"ServiceNamespace": "ecs", "ScheduledActionName": "peak",
		"ResourceId": "service/default/web", "ScalableDimension": "ecs:service:DesiredCount",
		"Schedule": "at(" + due.In(berlin).Format("2006-01-02T15:04:05") + ")", "Timezone": "Europe/Berlin",
		"ScalableTargetAction": map[string]any{"MinCapacity": 2, "MaxCapacity": 4}})
	repo := gittest.New(t)
	repo.Commit("scaling", files)
	d := synctest.StartDaemon(t, addr, "--repo", repo.FileURL(), "--namespace", ns, "--interval", "1h", "--cache-dir", t.TempDir())

	rangeOf := func() (min, max, count int, ok bool) {
		j, _, err := api.Jobs().Info("web", nil2q(ns))
		if err != nil || j.TaskGroups[0].Scaling == nil {
			return 0, 0, 0, false
		}
		sc := j.TaskGroups[0].Scaling
		return int(*sc.Min), int(*sc.Max), *j.TaskGroups[0].Count, true
	}
	synctest.Eventually(t, 30*time.Second, "web registered with [1, 2]", func() bool {
		min, max, n, ok := rangeOf()
		return ok && min == 1 && max == 2 && n == 1
	})
	if time.Now().After(due) {
		t.Fatalf("the first apply took until after the action's time %s; the test cannot show the change", due)
	}
	var changed time.Time
	synctest.Eventually(t, 2*time.Minute, "the scheduled action's range [2, 4]", func() bool {
		min, max, _, ok := rangeOf()
		if ok && min == 2 && max == 4 {
			changed = time.Now()
			return true
		}
		return false
	})
	late := changed.Sub(due)
	t.Logf("measured: range changed %s after the action's time", late.Round(100*time.Millisecond))
	if late < 0 {
		t.Fatalf("the range changed %s before the action's time", -late)
	}
	if late > 20*time.Second {
		t.Errorf("the range changed %s after the action's time; want within 20 s", late)
	}
	synctest.Eventually(t, 30*time.Second, "count moved into [2, 4]", func() bool {
		_, _, n, ok := rangeOf()
		return ok && n == 2
	})
	if code := d.Stop(); code != 0 {
		t.Fatalf("SIGTERM exit code %d, want 0\n%s", code, d.Output())
	}
}
