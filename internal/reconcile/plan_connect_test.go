package reconcile

import (
	"reflect"
	"testing"

	"github.com/ecsgit/ecsgit/internal/plan"
	"github.com/ecsgit/ecsgit/internal/repotest"
)

// The plan names what each service provides in its namespace and every alias its
// proxy serves (not those on the task's own ports: those reach the task itself).
func TestPlanShowsServiceConnectEndpoints(t *testing.T) {
	d := repotest.Load(t, "testdata/serviceconnect")
	want := map[string]*plan.ServiceConnect{
		"orders": {Namespace: "shop",
			Provides: []string{"orders:80 → app:8080 (Nomad service sc-shop-orders)", "orders-grpc:9091 → app:9090 (Nomad service sc-shop-orders-grpc)"},
			Uses:     []string{"orders:80 at 127.255.0.1:80 → sc-shop-orders", "orders-grpc:9091 at 127.255.0.2:9091 → sc-shop-orders-grpc"}},
		"client": {Namespace: "shop",
			Uses: []string{"orders:80 at 127.255.0.1:80 → sc-shop-orders", "orders-grpc:9091 at 127.255.0.2:9091 → sc-shop-orders-grpc"}},
	}
	for _, s := range d.Services {
		if got := serviceConnect(d, s); !reflect.DeepEqual(got, want[s.ServiceName]) {
			t.Errorf("%s: got %+v, want %+v", s.ServiceName, got, want[s.ServiceName])
		}
	}
}
