package plan

import (
	"bytes"
	"strings"
	"testing"
)

func TestRenderServiceConnect(t *testing.T) {
	p := &Plan{Services: []ServicePlan{{Service: "orders", JobID: "orders", Action: ActionCreate, NewTaskDefinition: "orders:1",
		ServiceConnect: &ServiceConnect{Namespace: "shop",
			Provides: []string{"orders:8080 → app:8080 (Nomad service sc-shop-orders)"},
			Uses:     []string{"payments:8080 at 127.255.0.2:8080 → sc-shop-payments"}}}}}
	for _, f := range []Format{FormatHuman, FormatMarkdown} {
		var b bytes.Buffer
		if err := Render(&b, p, f, RenderOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"service connect (shop): provides orders:8080 → app:8080 (Nomad service sc-shop-orders)",
			"service connect (shop): calls payments:8080 at 127.255.0.2:8080 → sc-shop-payments",
		} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s view lacks %q:\n%s", f, want, b.String())
			}
		}
	}
	var b bytes.Buffer
	if err := Render(&b, p, FormatJSON, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"service_connect": {`) || !strings.Contains(b.String(), `"namespace": "shop"`) {
		t.Errorf("json lacks service_connect:\n%s", b.String())
	}
}
