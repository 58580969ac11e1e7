package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// elbRepo is a small repository with a load balancer, one HTTP listener, a path rule and
// two target groups; over replaces or adds files.
func elbRepo(over map[string]string) map[string]string {
	files := map[string]string{
		"td.json": td("", `"portMappings": [{"containerPort": 8080}]`),
		"svc.json": `{"serviceName": "web", "taskDefinition": "app", "desiredCount": 2,
  "loadBalancers": [{"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 8080}]}`,
		"lb/lb.json":       `{"Name": "front", "Type": "application", "Scheme": "internal", "Subnets": ["subnet-0123456789abcdef0"]}`,
		"lb/listener.json": `{"LoadBalancerArn": "front", "Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web-tg"}]}`,
		"lb/rule-api.json": `{"ListenerArn": "front:80", "Priority": 10,
  "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
  "Actions": [{"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-tg/0123456789abcdef"}]}`,
		"lb/tg-web.json": `{"Name": "web-tg", "Protocol": "HTTP", "Port": 8080, "TargetType": "instance", "HealthCheckPath": "/healthz",
  "HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2, "Matcher": {"HttpCode": "200-299"},
  "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}]}`,
		"lb/tg-api.json": `{"Name": "api-tg", "Protocol": "HTTP", "Port": 8080}`,
	}
	for k, v := range over {
		if v == "" {
			delete(files, k)
			continue
		}
		files[k] = v
	}
	return files
}

// TestELBDefinitions: the create-* JSON files load with positions, references resolve
// by name or ARN, and each mistake is an error with its rule and line:col.
func TestELBDefinitions(t *testing.T) {
	runAgreeCases(t, []agreeCase{
		{name: "a load balancer, a listener, a rule and target groups", clean: true, files: elbRepo(nil)},
		{name: "a service's target group must be defined", files: elbRepo(map[string]string{"lb/tg-web.json": ""}),
			want: []want{
				{RuleELBReference, SeverityError, `svc.json:2:40: error: loadBalancers[0].targetGroupArn "web-tg": no target group named "web-tg" in the repository`},
				{RuleELBReference, SeverityError, `lb/listener.json:1:119: error: DefaultActions[0].TargetGroupArn "web-tg": no target group named "web-tg"`},
			}},
		{name: "a listener names its load balancer", files: elbRepo(map[string]string{"lb/listener.json": `{"LoadBalancerArn": "back", "Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": "web-tg"}]}`}),
			want: []want{{RuleELBReference, SeverityError, `no load balancer named "back"`}, {RuleELBReference, SeverityError, `ListenerArn "front:80": no listener of the repository`}}},
		{name: "a rule's listener is LOAD-BALANCER:PORT", files: elbRepo(map[string]string{"lb/rule-api.json": `{"ListenerArn": "front:8080", "Priority": 10,
  "Conditions": [{"Field": "path-pattern", "Values": ["/api/*"]}], "Actions": [{"Type": "forward", "TargetGroupArn": "api-tg"}]}`}),
			want: []want{{RuleELBReference, SeverityError, `lb/rule-api.json:1:17: error: ListenerArn "front:8080": no listener of the repository is LOAD-BALANCER:PORT "front:8080" (write the load balancer's name or ARN, a colon and the listener port; listeners: front:80)`}}},
		{name: "rule priorities are unique per listener", files: elbRepo(map[string]string{"lb/rule-2.json": `{"ListenerArn": "front:80", "Priority": 10,
  "Conditions": [{"Field": "host-header", "Values": ["api.example.com"]}], "Actions": [{"Type": "forward", "TargetGroupArn": "api-tg"}]}`}),
			want: []want{{RuleELBDuplicate, SeverityError, `listener front:80 already has a rule with priority 10`}}},
		{name: "names", files: elbRepo(map[string]string{"lb/tg-api.json": `{"Name": "api_tg", "Protocol": "HTTP"}`}),
			want: []want{{RuleELBName, SeverityError, `lb/tg-api.json:1:10: error: Name "api_tg": a target group name has 1–32 letters, digits and hyphens`}}},
		{name: "duplicate target group", files: elbRepo(map[string]string{"lb/tg-api2.json": `{"Name": "api-tg", "Protocol": "HTTP"}`}),
			want: []want{{RuleELBDuplicate, SeverityError, `target group "api-tg" is already defined in`}}},
		{name: "health check ranges and matcher", files: elbRepo(map[string]string{"lb/tg-api.json": `{"Name": "api-tg", "Protocol": "HTTP",
  "HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": 10, "HealthyThresholdCount": 1, "Matcher": {"HttpCode": "2xx"},
  "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "7200"}, {"Key": "stickiness.enabled", "Value": "true"}]}`}),
			want: []want{
				{RuleELBValue, SeverityError, `HealthCheckTimeoutSeconds 10 must be less than HealthCheckIntervalSeconds 10`},
				{RuleELBValue, SeverityError, `HealthyThresholdCount 1 is out of range: 2–10`},
				{RuleELBValue, SeverityError, `Matcher.HttpCode "2xx"`},
				{RuleELBValue, SeverityError, `deregistration_delay.timeout_seconds "7200" must be a number of seconds, 0–3600`},
				{RuleELBSupported, SeverityError, `Attributes[1].Key "stickiness.enabled": only deregistration_delay.timeout_seconds is translated`},
			}},
		{name: "conditions and actions the proxy cannot do are refused", files: elbRepo(map[string]string{"lb/rule-api.json": `{"ListenerArn": "front:80", "Priority": 10,
  "Conditions": [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-A", "Values": ["b"]}}],
  "Actions": [{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301"}}]}`}),
			want: []want{
				{RuleELBSupported, SeverityError, `Conditions[0].Field "http-header": ecsgit's proxy routes on path-pattern and host-header conditions only`},
				{RuleELBSupported, SeverityError, `Actions[0].Type redirect`},
			}},
		{name: "HTTPS listener is refused", files: elbRepo(map[string]string{"lb/listener.json": `{"LoadBalancerArn": "front", "Protocol": "HTTPS", "Port": 443, "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]}`}),
			want: []want{{RuleELBSupported, SeverityError, `Protocol HTTPS: ecsgit's proxy serves HTTP listeners only`}}},
		{name: "unknown member", files: elbRepo(map[string]string{"lb/tg-api.json": `{"Name": "api-tg", "Protocol": "HTTP", "HealthCheckPathh": "/"}`}),
			want: []want{{RuleUnknownField, SeverityError, `did you mean "HealthCheckPath"?`}}},
		{name: "loadBalancers needs containerName and containerPort", files: elbRepo(map[string]string{"svc.json": `{"serviceName": "web", "taskDefinition": "app", "desiredCount": 2,
  "loadBalancers": [{"targetGroupArn": "web-tg"}]}`}),
			want: []want{{RuleServiceLB, SeverityError, `loadBalancers[0]: containerName and containerPort are required with a target group`}}},
		{name: "awsvpc needs an ip target group", files: elbRepo(map[string]string{"td.json": td(`"networkMode": "awsvpc"`, `"portMappings": [{"containerPort": 8080}]`),
			"svc.json": `{"serviceName": "web", "taskDefinition": "app", "desiredCount": 2, "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}},
  "loadBalancers": [{"targetGroupArn": "web-tg", "containerName": "app", "containerPort": 8080}]}`}),
			want: []want{{RuleServiceLB, SeverityError, `uses networkMode awsvpc, which registers ip targets, but target group "web-tg" has TargetType "instance"`}}},
	})
}

// TestELBRoutes: RoutesTo lists rules by priority, then the listener's default action.
func TestELBRoutes(t *testing.T) {
	dir := t.TempDir()
	files := elbRepo(map[string]string{"lb/rule-web.json": `{"ListenerArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/front/50dc6c495c0c9188/f2f7dc8efc522ab2", "Priority": 5,
  "Conditions": [{"Field": "host-header", "Values": ["www.example.com"]}], "Actions": [{"Type": "forward", "TargetGroupArn": "web-tg"}]}`})
	writeFiles(t, dir, files)
	d, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Diagnostics.HasErrors(true) {
		t.Fatalf("unexpected diagnostics:\n%s", diagLines(d.Diagnostics))
	}
	routes := d.RoutesTo("web-tg")
	if len(routes) != 2 || routes[0].Rule == nil || *routes[0].Rule.Priority != 5 || routes[1].Rule != nil {
		t.Fatalf("routes to web-tg: want the priority-5 rule then the default action, got %+v", routes)
	}
	if got := routes[0].Rule.Pos.File; got != filepath.Join(dir, "lb/rule-web.json") {
		t.Errorf("rule file = %s", got)
	}
	if tg := d.TargetGroup("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-tg/0123456789abcdef"); tg == nil || tg.DeregistrationDelay() != 5 {
		t.Errorf("TargetGroup by ARN = %+v, want web-tg with a 5 s deregistration delay", tg)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
