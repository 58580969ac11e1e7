package reconcile

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/plan"
)

func sps(deps map[string][]string) []plan.ServicePlan {
	var out []plan.ServicePlan
	for _, name := range []string{"api", "cache", "db", "web", "worker"} {
		if after, ok := deps[name]; ok {
			out = append(out, plan.ServicePlan{Service: name, After: after})
		}
	}
	return out
}

func TestLevels(t *testing.T) {
	got, err := Levels(sps(map[string][]string{
		"db": nil, "cache": nil,
		"api":    {"db", "cache", "missing"}, // unknown names are not waited for
		"web":    {"api"},
		"worker": {"db"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"cache", "db"}, {"api", "worker"}, {"web"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("levels = %v, want %v", got, want)
	}
}

func TestLevelsCycle(t *testing.T) {
	_, err := Levels(sps(map[string][]string{"api": {"web"}, "web": {"worker"}, "worker": {"api"}, "db": nil}))
	if err == nil || !strings.Contains(err.Error(), "api → web → worker → api") {
		t.Fatalf("err = %v, want the cycle named", err)
	}
}

func TestLevelsSelfDependencyIgnored(t *testing.T) {
	got, err := Levels(sps(map[string][]string{"web": {"web"}}))
	if err != nil || !reflect.DeepEqual(got, [][]string{{"web"}}) {
		t.Fatalf("got %v, %v", got, err)
	}
}
