package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const scOrdersTD = `{"family": "orders", "networkMode": "awsvpc", "containerDefinitions": [
  {"name": "app", "image": "ecsgit-demo/app:1", "memory": 32,
   "portMappings": [{"name": "http", "containerPort": 8080, "appProtocol": "http"}]}]}`

const scClientTD = `{"family": "client", "networkMode": "awsvpc", "containerDefinitions": [
  {"name": "app", "image": "ecsgit-demo/app:1", "memory": 32}]}`

func scService(name, sc string) string {
	return `{"serviceName": "` + name + `", "taskDefinition": "` + name + `", "desiredCount": 1,
  "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}},
  "serviceConnectConfiguration": ` + sc + `}`
}

func loadFiles(t *testing.T, files map[string]string) *Desired {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestServiceConnectValidation(t *testing.T) {
	orders := `{"enabled": true, "namespace": "shop", "services": [{"portName": "http", "discoveryName": "orders", "clientAliases": [{"dnsName": "orders", "port": 8080}]}]}`
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // file:line:col rule message fragment; "" = valid
	}{
		{"valid provider and client", map[string]string{
			"orders-td.json": scOrdersTD, "orders.json": scService("orders", orders),
			"client-td.json": scClientTD, "client.json": scService("client", `{"enabled": true, "namespace": "shop"}`)}, ""},
		{"unknown portName", map[string]string{
			"orders-td.json": scOrdersTD,
			"orders.json":    scService("orders", `{"enabled": true, "namespace": "shop", "services": [{"portName": "htp", "clientAliases": [{"port": 8080}]}]}`)},
			`orders.json:3:99: ECS-SVC-020 serviceConnectConfiguration.services[0].portName "htp": no portMappings[].name of task definition "orders" is "htp"; port names: http; did you mean "http"?`},
		{"alias without a port", map[string]string{
			"orders-td.json": scOrdersTD,
			"orders.json":    scService("orders", `{"enabled": true, "namespace": "shop", "services": [{"portName": "http", "clientAliases": [{"dnsName": "orders"}]}]}`)},
			`orders.json:3:124: ECS-SVC-020 serviceConnectConfiguration.services[0].clientAliases[0]: port is required (1-65535)`},
		{"discoveryName collision", map[string]string{
			"orders-td.json": scOrdersTD, "orders.json": scService("orders", orders),
			"client-td.json": strings.Replace(scOrdersTD, `"orders"`, `"client"`, 1),
			"client.json":    scService("client", `{"enabled": true, "namespace": "shop", "services": [{"portName": "http", "discoveryName": "orders", "clientAliases": [{"dnsName": "orders2", "port": 8080}]}]}`)},
			`orders.json:3:124: ECS-SVC-021 serviceConnectConfiguration.services[0]: discovery name "orders" is already used in namespace "shop" by service "client"`},
		{"alias collision", map[string]string{
			"orders-td.json": scOrdersTD, "orders.json": scService("orders", orders),
			"client-td.json": strings.Replace(scOrdersTD, `"orders"`, `"client"`, 1),
			"client.json":    scService("client", `{"enabled": true, "namespace": "shop", "services": [{"portName": "http", "discoveryName": "orders-v2", "clientAliases": [{"dnsName": "orders", "port": 8080}]}]}`)},
			`orders.json:3:164: ECS-SVC-021 serviceConnectConfiguration.services[0].clientAliases[0]: client alias orders:8080 is already provided in namespace "shop" by service "client"`},
		{"client without a provider", map[string]string{
			"orders-td.json": scOrdersTD, "orders.json": scService("orders", orders),
			"client-td.json": scClientTD, "client.json": scService("client", `{"enabled": true, "namespace": "shopp"}`)},
			`client.json:3:65: ECS-SVC-021 serviceConnectConfiguration.namespace "shopp": no service of the repository provides a client alias in this namespace`},
		{"client listens on an alias port", map[string]string{
			"orders-td.json": scOrdersTD, "orders.json": scService("orders", orders),
			"client-td.json": strings.Replace(scOrdersTD, `"orders"`, `"client"`, 1),
			"client.json":    scService("client", `{"enabled": true, "namespace": "shop"}`)},
			`client.json:3:34: ECS-SVC-020 serviceConnectConfiguration: container "app" of task definition "client" listens on port 8080, the port of client alias orders:8080 (service "orders") in namespace "shop"`},
		{"bridge network", map[string]string{
			"orders-td.json": strings.Replace(scOrdersTD, `"awsvpc"`, `"bridge"`, 1), "orders.json": scService("orders", orders)},
			`orders.json:3:46: ECS-SVC-020 serviceConnectConfiguration: task definition "orders" uses networkMode bridge; ecsgit translates Service Connect for networkMode awsvpc only`},
		{"no namespace", map[string]string{
			"orders-td.json": scOrdersTD, "orders.json": scService("orders", `{"enabled": true, "services": [{"portName": "http"}]}`)},
			`orders.json:3:34: ECS-SVC-020 serviceConnectConfiguration: namespace is required when enabled is true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := loadFiles(t, tc.files)
			var got []string
			for _, dg := range d.Diagnostics {
				if dg.Severity == SeverityError {
					got = append(got, filepath.Base(dg.Pos.File)+":"+itoa(dg.Pos.Line)+":"+itoa(dg.Pos.Col)+": "+dg.Rule+" "+dg.Message)
				}
			}
			if tc.want == "" {
				if len(got) > 0 {
					t.Fatalf("want no error, got:\n%s", strings.Join(got, "\n"))
				}
				return
			}
			for _, g := range got {
				if strings.HasPrefix(g, tc.want) {
					return
				}
			}
			t.Fatalf("want an error starting %q, got:\n%s", tc.want, strings.Join(got, "\n"))
		})
	}
}

func itoa(n int) string { return sprintf("%d", n) }

func TestConnectEndpointsOfANamespace(t *testing.T) {
	d := loadFiles(t, map[string]string{
		"orders-td.json": scOrdersTD,
		"orders.json":    scService("orders", `{"enabled": true, "namespace": "arn:aws:servicediscovery:us-east-1:123456789012:namespace/shop", "services": [{"portName": "http", "clientAliases": [{"port": 8080}]}]}`),
	})
	eps := d.ConnectEndpoints("shop")
	if len(eps) != 1 {
		t.Fatalf("got %+v, want one endpoint", eps)
	}
	e := eps[0]
	if e.DNSName != "http" || e.Discovery != "http" || e.Port != 8080 || e.Container != "app" || e.ContainerPort != 8080 || e.AppProtocol != "http" || e.Service != "orders" {
		t.Fatalf("got %+v", e)
	}
}
