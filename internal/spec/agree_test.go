package spec

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The tests in this file hold validation to what AWS does at registration: a definition
// AWS accepts must not be refused, and one AWS refuses must not be accepted. Each case
// names the SDK documentation (aws-sdk-go-v2/service/ecs v1.104.1) it follows.

// want is one diagnostic a case expects: its rule, severity and a part of its message.
type want struct {
	rule     string
	severity Severity
	text     string
}

type agreeCase struct {
	name  string
	files map[string]string // path in the repository → content
	want  []want
	// clean: no error and no warning at all (what `validate --strict` needs); the
	// wanted diagnostics may still be notes or advice.
	clean bool
}

// loadRepo writes files into a fresh directory and loads it as a repository.
func loadRepo(t *testing.T, files map[string]string) Diagnostics {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Load(dir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Diagnostics {
		d.Diagnostics[i].Pos.File = strings.TrimPrefix(d.Diagnostics[i].Pos.File, dir+"/")
	}
	return d.Diagnostics
}

func runAgreeCases(t *testing.T, cases []agreeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diags := loadRepo(t, tc.files)
			for _, w := range tc.want {
				found := false
				for _, d := range diags {
					if d.Rule == w.rule && d.Severity == w.severity && strings.Contains(d.String(), w.text) {
						found = true
					}
				}
				if !found {
					t.Errorf("want %s %s containing %q; got:\n%s", w.severity, w.rule, w.text, diagLines(diags))
				}
			}
			if tc.clean && diags.HasErrors(true) {
				t.Errorf("want no errors or warnings; got:\n%s", diagLines(diags))
			}
		})
	}
}

func diagLines(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("  " + d.String() + "\n")
	}
	return b.String()
}

// td builds a one-container task definition file around container fields and task fields
// (both JSON object members without the braces; either may be empty).
func td(task, container string) string {
	if task != "" {
		task += ","
	}
	if container != "" {
		container = "," + container
	}
	return `{"family": "app", ` + task + `
  "containerDefinitions": [{"name": "app", "image": "registry.example.com/app:1.0", "memory": 256` + container + `}]}`
}

// TestEnumsAgreeWithAWS: every enumerated field accepts exactly the SDK's values; the
// values ECS coerces instead of refusing are warnings, as ECS runs them.
func TestEnumsAgreeWithAWS(t *testing.T) {
	runAgreeCases(t, []agreeCase{
		{name: "protocol other than tcp/udp is treated as tcp (PortMapping.Protocol)",
			files: map[string]string{"td.json": td("", `"portMappings": [{"containerPort": 80, "protocol": "sctp"}]`)},
			want:  []want{{RuleProtocolCoerced, SeverityWarning, `protocol "sctp": ECS knows only "tcp" and "udp" (case-sensitive) and treats any other value as tcp`}}},
		{name: "protocol values are case-sensitive: UDP is tcp",
			files: map[string]string{"td.json": td("", `"portMappings": [{"containerPort": 53, "protocol": "UDP"}]`)},
			want:  []want{{RuleProtocolCoerced, SeverityWarning, `(write "udp" for udp)`}}},
		{name: "protocol udp and tcp are clean",
			files: map[string]string{"td.json": td("", `"portMappings": [{"containerPort": 53, "protocol": "udp"}, {"containerPort": 80, "protocol": "tcp"}]`)},
			clean: true},
		{name: "appProtocol grpc",
			files: map[string]string{"td.json": td("", `"portMappings": [{"containerPort": 80, "appProtocol": "grpc", "name": "api"}]`)},
			clean: true},
		{name: "dockerVolumeConfiguration.scope (Scope)",
			files: map[string]string{"td.json": td(`"volumes": [{"name": "d", "dockerVolumeConfiguration": {"scope": "global"}}]`, "")},
			want:  []want{{RuleVolumes, SeverityError, `dockerVolumeConfiguration.scope "global": allowed values are task, shared`}}},
		{name: "firelensConfiguration.type (FirelensConfigurationType)",
			files: map[string]string{"td.json": td("", `"firelensConfiguration": {"type": "fluent-bit"}`)},
			want:  []want{{RuleContainerEnums, SeverityError, `firelensConfiguration.type "fluent-bit": allowed values are fluentd, fluentbit`}}},
		{name: "runtimePlatform.cpuArchitecture is case-sensitive (CPUArchitecture)",
			files: map[string]string{"td.json": td(`"runtimePlatform": {"cpuArchitecture": "arm64", "operatingSystemFamily": "LINUX"}`, "")},
			want:  []want{{RuleTaskEnums, SeverityError, `did you mean "ARM64"?`}}},
		{name: "runtimePlatform.operatingSystemFamily (OSFamily)",
			files: map[string]string{"td.json": td(`"runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2025_CORE"}`, "")},
			clean: true},
		{name: "proxyConfiguration.type (ProxyConfigurationType)",
			files: map[string]string{"td.json": td(`"proxyConfiguration": {"type": "ISTIO", "containerName": "app"}`, "")},
			want:  []want{{RuleTaskEnums, SeverityError, `proxyConfiguration.type "ISTIO": allowed values are APPMESH`}}},
		{name: "resourceRequirements type NeuronDevice (ResourceType)",
			files: map[string]string{"td.json": td("", `"resourceRequirements": [{"type": "NeuronDevice", "value": "1"}]`)},
			clean: true},
		{name: "environmentFiles type (EnvironmentFileType)",
			files: map[string]string{"td.json": td("", `"environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "S3"}]`)},
			want:  []want{{RuleContainerEnums, SeverityError, `did you mean "s3"?`}}},
		{name: "versionConsistency (VersionConsistency)",
			files: map[string]string{"td.json": td("", `"versionConsistency": "off"`)},
			want:  []want{{RuleContainerEnums, SeverityError, `versionConsistency "off": allowed values are enabled, disabled`}}},
		{name: "device permissions (DeviceCgroupPermission)",
			files: map[string]string{"td.json": td("", `"linuxParameters": {"devices": [{"hostPath": "/dev/fuse", "permissions": ["read", "exec"]}]}`)},
			want:  []want{{RuleContainerEnums, SeverityError, `device permission "exec": allowed values are read, write, mknod`}}},
		{name: "service propagateTags (PropagateTags)",
			files: map[string]string{"td.json": td("", ""), "svc.json": `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, "propagateTags": "TASK"}`},
			want:  []want{{RuleServiceEnums, SeverityError, `propagateTags "TASK": allowed values are TASK_DEFINITION, SERVICE, NONE`}}},
		{name: "service availabilityZoneRebalancing (AvailabilityZoneRebalancing)",
			files: map[string]string{"td.json": td("", ""), "svc.json": `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, "availabilityZoneRebalancing": "ENABLED"}`},
			clean: true},
	})
}

// TestAdviceIsNotAFidelityProblem: style advice about a definition AWS accepts as it is
// never fails validation, not even with --strict (HasErrors(true)).
func TestAdviceIsNotAFidelityProblem(t *testing.T) {
	image := func(img string) map[string]string {
		return map[string]string{"td.json": `{"family": "app", "containerDefinitions": [{"name": "app", "image": "` + img + `", "memory": 128}]}`}
	}
	runAgreeCases(t, []agreeCase{
		{name: "untagged image", files: image("nginx"), clean: true,
			want: []want{{RuleImage, SeverityAdvice, `image "nginx" has no tag`}}},
		{name: "latest tag", files: image("public.ecr.aws/nginx/nginx:latest"), clean: true,
			want: []want{{RuleImage, SeverityAdvice, `the tag latest moves`}}},
		{name: "digest", files: image("nginx@sha256:" + strings.Repeat("ab", 32)), clean: true},
	})
}

// fargateTD is a valid Fargate task definition with extra task and container members.
func fargateTD(task, container string) string {
	if task != "" {
		task = ", " + task
	}
	if container != "" {
		container = ", " + container
	}
	return `{"family": "app", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512"` + task + `,
  "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "portMappings": [{"containerPort": 80}]` + container + `}]}`
}

const fargateRole = `"executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"`

// TestFargateAgreesWithAWS: what RegisterTaskDefinition (requiresCompatibilities FARGATE)
// or CreateService (launchType FARGATE) refuses is an error; the valid shapes pass.
func TestFargateAgreesWithAWS(t *testing.T) {
	awslogs := `"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app"}}`
	runAgreeCases(t, []agreeCase{
		{name: "valid", files: map[string]string{"td.json": fargateTD("", "")}, clean: true},
		{name: "awslogs without execution role",
			files: map[string]string{"td.json": fargateTD("", awslogs)},
			want:  []want{{RuleFargateExecutionRole, SeverityError, `logDriver awslogs on Fargate needs the task's executionRoleArn`}}},
		{name: "awslogs with execution role", files: map[string]string{"td.json": fargateTD(fargateRole, awslogs)}, clean: true},
		{name: "secrets without execution role",
			files: map[string]string{"td.json": fargateTD("", `"secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/db"}]`)},
			want:  []want{{RuleFargateExecutionRole, SeverityError, `secrets on Fargate needs the task's executionRoleArn`}}},
		{name: "log secretOptions without execution role",
			files: map[string]string{"td.json": fargateTD("", `"logConfiguration": {"logDriver": "splunk", "secretOptions": [{"name": "splunk-token", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t"}]}`)},
			want:  []want{{RuleFargateExecutionRole, SeverityError, `logConfiguration.secretOptions on Fargate`}}},
		{name: "repositoryCredentials without execution role",
			files: map[string]string{"td.json": fargateTD("", `"repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:reg"}`)},
			want:  []want{{RuleFargateExecutionRole, SeverityError, `repositoryCredentials (a private registry) on Fargate`}}},
		{name: "environmentFiles without execution role",
			files: map[string]string{"td.json": fargateTD("", `"environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}]`)},
			want:  []want{{RuleFargateExecutionRole, SeverityError, `environmentFiles on Fargate`}}},
		{name: "ECR image without execution role registers but cannot be pulled",
			files: map[string]string{"td.json": strings.Replace(fargateTD("", ""), "public.ecr.aws/nginx/nginx:1.27", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0", 1)},
			want:  []want{{RuleFargateExecutionRole, SeverityWarning, `is in Amazon ECR`}}},
		{name: "cpu/memory pair outside the table",
			files: map[string]string{"td.json": strings.Replace(fargateTD("", ""), `"memory": "512"`, `"memory": "4096"`, 1)},
			want:  []want{{RuleFargate, SeverityError, `memory 4096 MiB: with cpu 256 Fargate allows 512 to 2048 MiB`}}},
		{name: "every pair of the table is valid", clean: true, files: map[string]string{
			"a.json": strings.Replace(strings.Replace(fargateTD("", ""), `"cpu": "256", "memory": "512"`, `"cpu": "1 vCPU", "memory": "8 GB"`, 1), `"app"`, `"a"`, 1),
			"b.json": strings.Replace(strings.Replace(fargateTD("", ""), `"cpu": "256", "memory": "512"`, `"cpu": "8192", "memory": "61440"`, 1), `"app"`, `"b"`, 1),
			"c.json": strings.Replace(strings.Replace(fargateTD("", ""), `"cpu": "256", "memory": "512"`, `"cpu": "16384", "memory": "32768"`, 1), `"app"`, `"c"`, 1),
		}},
		{name: "8 vCPU with memory off the 4 GB steps",
			files: map[string]string{"td.json": strings.Replace(fargateTD("", ""), `"cpu": "256", "memory": "512"`, `"cpu": "8192", "memory": "18432"`, 1)},
			want:  []want{{RuleFargate, SeverityError, `in steps of 4096 MiB`}}},
		{name: "bridge on Fargate",
			files: map[string]string{"td.json": strings.Replace(fargateTD("", ""), `"awsvpc"`, `"bridge"`, 1)},
			want:  []want{{RuleFargate, SeverityError, `Fargate requires awsvpc`}}},
		{name: "links on Fargate", files: map[string]string{"td.json": fargateTD("", `"links": ["db"]`)},
			want: []want{{RuleLinks, SeverityError, `links work only in networkMode bridge`}}},
		{name: "hostPort different from containerPort",
			files: map[string]string{"td.json": strings.Replace(fargateTD("", ""), `{"containerPort": 80}`, `{"containerPort": 80, "hostPort": 8080}`, 1)},
			want:  []want{{RuleHostPortMismatch, SeverityError, `hostPort (8080) must be omitted or equal containerPort (80)`}}},
		{name: "privileged", files: map[string]string{"td.json": fargateTD("", `"privileged": true`)},
			want: []want{{RuleFargateUnsupported, SeverityError, `privileged is not supported on Fargate`}}},
		{name: "devices and sharedMemorySize",
			files: map[string]string{"td.json": fargateTD("", `"linuxParameters": {"devices": [{"hostPath": "/dev/fuse"}], "sharedMemorySize": 64}`)},
			want: []want{{RuleFargateUnsupported, SeverityError, `linuxParameters.devices is not supported on Fargate`},
				{RuleFargateUnsupported, SeverityError, `linuxParameters.sharedMemorySize is not supported on Fargate`}}},
		{name: "dockerSecurityOptions", files: map[string]string{"td.json": fargateTD("", `"dockerSecurityOptions": ["no-new-privileges"]`)},
			want: []want{{RuleFargateUnsupported, SeverityError, `dockerSecurityOptions are not supported on Fargate`}}},
		{name: "Docker volume and host sourcePath",
			files: map[string]string{"td.json": fargateTD(`"volumes": [{"name": "d", "dockerVolumeConfiguration": {"scope": "task"}}, {"name": "h", "host": {"sourcePath": "/var/data"}}, {"name": "scratch", "host": {}}]`, "")},
			want: []want{{RuleFargateUnsupported, SeverityError, `volume "d": Docker volumes`},
				{RuleFargateUnsupported, SeverityError, `volume "h": host.sourcePath is not supported on Fargate`}}},
		{name: "ipcMode and pidMode host",
			files: map[string]string{"td.json": fargateTD(`"ipcMode": "task", "pidMode": "host"`, "")},
			want: []want{{RuleFargateUnsupported, SeverityError, `ipcMode is not supported on Fargate`},
				{RuleFargateUnsupported, SeverityError, `pidMode "host": on Fargate the only valid value is task`}}},
		{name: "pidMode task is fine", files: map[string]string{"td.json": fargateTD(`"pidMode": "task"`, "")}, clean: true},
		{name: "stopTimeout and startTimeout 2-120",
			files: map[string]string{"td.json": fargateTD("", `"stopTimeout": 150, "startTimeout": 1`)},
			want: []want{{RuleContainerTimeouts, SeverityError, `stopTimeout 150: Fargate allows 2 to 120 seconds`},
				{RuleContainerTimeouts, SeverityError, `startTimeout 1: Fargate allows 2 to 120 seconds`}}},
		{name: "FARGATE service runs a task definition that does not require FARGATE",
			files: map[string]string{
				"td.json":  td(`"networkMode": "awsvpc", "cpu": "256", "memory": "512"`, `"privileged": true, `+awslogs),
				"svc.json": `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, "launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0abc"]}}}`,
			},
			want: []want{{RuleFargateUnsupported, SeverityError, `service "app" runs it on Fargate: container "app": privileged is not supported on Fargate`},
				{RuleFargateExecutionRole, SeverityError, `service "app" runs it on Fargate: container "app": logDriver awslogs`}}},
		{name: "placement on a Fargate service",
			files: map[string]string{"td.json": fargateTD("", ""),
				"svc.json": `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, "launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0abc"]}},
				  "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}], "placementConstraints": [{"type": "distinctInstance"}]}`},
			want: []want{{RulePlacementStrategy, SeverityError, `placementStrategy is not supported for a service on Fargate`},
				{RulePlacementConstraint, SeverityError, `placementConstraints are not supported for a service on Fargate`}}},
		{name: "FARGATE_SPOT capacity provider counts as Fargate",
			files: map[string]string{
				"td.json":  td("", ""),
				"svc.json": `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, "capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}`,
			},
			want: []want{{RuleFargate, SeverityError, `service "app" runs it on Fargate: networkMode "bridge": Fargate requires awsvpc`}}},
	})
}

// TestTemplatePlaceholders: a definition that still holds template syntax gets one
// diagnostic per file, at the first occurrence, wherever the placeholder stands.
func TestTemplatePlaceholders(t *testing.T) {
	const msg = `this looks like template syntax (ecspresso / envsubst / CodeDeploy)`
	withImage := func(img string) map[string]string {
		return map[string]string{"td.json": "{\"family\": \"app\",\n  \"containerDefinitions\": [{\"name\": \"app\", \"memory\": 128,\n    \"image\": \"" + img + "\"}]}"}
	}
	svc := func(members string) string {
		return `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, ` + members + `}`
	}
	runAgreeCases(t, []agreeCase{
		{name: "envsubst in image", files: withImage("registry.example.com/app:${IMAGE_TAG}"),
			want: []want{{RuleTemplate, SeverityError, `td.json:3:14: error: ` + msg + `: "${IMAGE_TAG}" in containerDefinitions[0].image`}}},
		{name: "ecspresso must_env", files: withImage(`{{ must_env \"IMAGE\" }}`),
			want: []want{{RuleTemplate, SeverityError, `"{{ must_env \"IMAGE\" }}"`}}},
		{name: "CodeDeploy image placeholder", files: withImage("<IMAGE1_NAME>"),
			want: []want{{RuleTemplate, SeverityError, `"<IMAGE1_NAME>"`}}},
		{name: "tfstate in a role ARN", files: map[string]string{"td.json": td(`"executionRoleArn": "{{ tfstate \"aws_iam_role.exec.arn\" }}"`, "")},
			want: []want{{RuleTemplate, SeverityError, `in executionRoleArn`}}},
		{name: "ACCOUNT_ID inside an ARN", files: map[string]string{"td.json": td(`"taskRoleArn": "arn:aws:iam::ACCOUNT_ID:role/app"`, "")},
			want: []want{{RuleTemplate, SeverityError, `"arn:aws:iam::ACCOUNT_ID:role/app" in taskRoleArn`}}},
		{name: "REGION inside an ARN", files: map[string]string{"td.json": td("", `"secrets": [{"name": "A", "valueFrom": "arn:aws:ssm:REGION:123456789012:parameter/a"}]`)},
			want: []want{{RuleTemplate, SeverityError, `in containerDefinitions[0].secrets[0].valueFrom`}}},
		{name: "YOUR_..._HERE", files: map[string]string{"td.json": td("", `"environment": [{"name": "BUCKET", "value": "YOUR_BUCKET_HERE"}]`)},
			want: []want{{RuleTemplate, SeverityError, `"YOUR_BUCKET_HERE"`}}},
		{name: "placeholder IDs in a service's networkConfiguration", files: map[string]string{"td.json": td("", ""),
			"svc.json": svc(`"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-xxxxxxxx"], "securityGroups": ["sg-0123abcd"]}}`)},
			want: []want{{RuleTemplate, SeverityError, `"subnet-xxxxxxxx" in networkConfiguration.awsvpcConfiguration.subnets[0]`}}},
		{name: "once per file, with the count", files: map[string]string{"td.json": td(`"taskRoleArn": "arn:aws:iam::${ACCOUNT}:role/app", "executionRoleArn": "arn:aws:iam::${ACCOUNT}:role/exec"`, "")},
			want: []want{{RuleTemplate, SeverityError, `(2 places in this file)`}}},
		{name: "a template that is not JSON until rendered", files: map[string]string{"svc.json": "{\"serviceName\": \"app\", \"taskDefinition\": \"app\",\n  \"desiredCount\": {{ env \"COUNT\" \"1\" }}}"},
			want: []want{{RuleSyntax, SeverityError, `invalid JSON`}, {RuleTemplate, SeverityError, `svc.json:2:19: error: ` + msg + `: "{{ env \"COUNT\" \"1\" }}"`}}},
		{name: "real values are not placeholders", clean: true, files: map[string]string{
			"td.json": `{"family": "app", "taskRoleArn": "arn:aws:iam::123456789012:role/app", "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
			  "containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0", "memory": 128,
			    "command": ["sh", "-c", "exec app --port ${PORT}"],
			    "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:${PORT}/ || exit 1"]},
			    "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
			    "portMappings": [{"containerPort": 8080}],
			    "environment": [{"name": "PORT", "value": "8080"}]}]}`,
			"svc.json": svc(`"loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/app/0123456789abcdef", "containerName": "app", "containerPort": 8080}]`),
			"tg.json":  `{"Name": "app", "Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-0123456789abcdef0"}`,
		}},
		{name: "compose interpolation is compose's", clean: true, files: map[string]string{
			"compose.yaml": "services:\n  web:\n    image: nginx:${TAG:-1.27}\n"}},
	})
}

// TestNothingReadIsIgnoredSilently: a file ecsgit will not deploy says so, and a
// service never deploys another revision than the one it pins.
func TestNothingReadIsIgnoredSilently(t *testing.T) {
	// The shape ecspresso keeps as ecs-service-def.json: no serviceName, no taskDefinition.
	const ecspressoService = `{
  "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 100},
  "desiredCount": 2,
  "launchType": "FARGATE",
  "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d"], "assignPublicIp": "DISABLED"}}
}`
	runAgreeCases(t, []agreeCase{
		{name: "service definition without serviceName",
			files: map[string]string{"td.json": td("", ""), "ecs-service-def.json": ecspressoService},
			want: []want{{RuleNamelessService, SeverityWarning,
				`ecs-service-def.json:1:1: warning: JSON file not deployed: it has service-definition fields (desiredCount, launchType, deploymentConfiguration, networkConfiguration) but no "serviceName" (ecspresso keeps the name in ecspresso.yml)`}}},
		{name: "task-definition-looking file without containerDefinitions is still a note",
			files: map[string]string{"x.json": `{"family": "app", "networkMode": "awsvpc"}`},
			want:  []want{{RuleIgnoredJSON, SeverityNote, `neither "containerDefinitions"`}}, clean: true},
		{name: "other JSON is not ECS's", clean: true,
			files: map[string]string{"package.json": `{"name": "web", "version": "1.0.0"}`}},
		{name: "family:N with the family in the repository is refused",
			files: map[string]string{"td.json": td("", ""), "svc.json": `{"serviceName": "app", "taskDefinition": "app:3", "desiredCount": 1}`},
			want:  []want{{RulePinnedRevision, SeverityError, `taskDefinition "app:3" pins revision 3, but ecsgit deploys the definition of family "app" in this repository`}}},
		{name: "an ARN with a revision is a pin too",
			files: map[string]string{"td.json": td("", ""), "svc.json": `{"serviceName": "app", "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3", "desiredCount": 1}`},
			want:  []want{{RulePinnedRevision, SeverityError, `pins revision 3`}}},
		{name: "family:N of a family not in the repository is refused",
			files: map[string]string{"svc.json": `{"serviceName": "app", "taskDefinition": "other:3", "desiredCount": 1}`},
			want:  []want{{RulePinnedRevision, SeverityError, `pins revision 3 of family "other", which is not in this repository`}}},
		{name: "the family alone deploys the repository's definition", clean: true,
			files: map[string]string{"td.json": td("", ""), "svc.json": `{"serviceName": "app", "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/app", "desiredCount": 1}`}},
	})
}

// TestRangesAgreeWithAWS: the documented bounds (Ranges) that had no check before.
func TestRangesAgreeWithAWS(t *testing.T) {
	tags := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`{"key": "k` + strconv.Itoa(i) + `", "value": "v"}`)
		}
		return `"tags": [` + b.String() + `]`
	}
	envFiles := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, `{"value": "arn:aws:s3:::bucket/f`+strconv.Itoa(i)+`.env", "type": "s3"}`)
		}
		return `"environmentFiles": [` + strings.Join(parts, ", ") + `]`
	}
	runAgreeCases(t, []agreeCase{
		{name: "restartAttemptPeriod below 60", files: map[string]string{"td.json": td("", `"restartPolicy": {"enabled": true, "restartAttemptPeriod": 30}`)},
			want: []want{{RuleContainerLimits, SeverityError, `restartPolicy.restartAttemptPeriod 30: allowed range is 60 to 1800 seconds`}}},
		{name: "restartAttemptPeriod 60 and 1800", clean: true, files: map[string]string{
			"a.json": strings.Replace(td("", `"restartPolicy": {"enabled": true, "restartAttemptPeriod": 60}`), `"app"`, `"a"`, 1),
			"b.json": strings.Replace(td("", `"restartPolicy": {"enabled": true, "restartAttemptPeriod": 1800}`), `"app"`, `"b"`, 1)}},
		{name: "51 ignoredExitCodes", files: map[string]string{"td.json": td("", `"restartPolicy": {"enabled": true, "ignoredExitCodes": [`+strings.TrimSuffix(strings.Repeat("1,", 51), ",")+`]}`)},
			want: []want{{RuleContainerLimits, SeverityError, `51 restartPolicy.ignoredExitCodes, ECS allows at most 50`}}},
		{name: "swappiness 101", files: map[string]string{"td.json": td("", `"linuxParameters": {"maxSwap": 512, "swappiness": 101}`)},
			want: []want{{RuleContainerLimits, SeverityError, `swappiness 101: allowed range is 0 to 100`}}},
		{name: "11 environmentFiles", files: map[string]string{"td.json": td("", envFiles(11))},
			want: []want{{RuleContainerLimits, SeverityError, `11 environmentFiles, ECS allows at most 10`}}},
		{name: "10 environmentFiles", files: map[string]string{"td.json": td("", envFiles(10))}, clean: true},
		{name: "51 task tags", files: map[string]string{"td.json": td(tags(51), "")},
			want: []want{{RuleTags, SeverityError, `51 tags, ECS allows at most 50`}}},
		{name: "51 service tags", files: map[string]string{"td.json": td("", ""), "svc.json": `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, ` + tags(51) + `}`},
			want: []want{{RuleServiceTags, SeverityError, `51 tags, ECS allows at most 50`}}},
		{name: "50 tags", files: map[string]string{"td.json": td(tags(50), "")}, clean: true},
	})
}

// TestAwsvpcHostOptions: ECS refuses hostname and extraHosts with awsvpc (W8 of the
// translation audit: they validated clean and then failed in Docker).
func TestAwsvpcHostOptions(t *testing.T) {
	runAgreeCases(t, []agreeCase{
		{name: "hostname with awsvpc", files: map[string]string{"td.json": td(`"networkMode": "awsvpc"`, `"hostname": "web"`)},
			want: []want{{RuleAwsvpcHostOptions, SeverityError, `hostname is not supported with networkMode awsvpc`}}},
		{name: "extraHosts with awsvpc", files: map[string]string{"td.json": td(`"networkMode": "awsvpc"`, `"extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}]`)},
			want: []want{{RuleAwsvpcHostOptions, SeverityError, `extraHosts is not supported with networkMode awsvpc`}}},
		{name: "both with bridge", clean: true, files: map[string]string{"td.json": td("", `"hostname": "web", "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}]`)}},
	})
}

// TestPlaceholderFalsePositives: values that merely look alike are not templates.
func TestPlaceholderFalsePositives(t *testing.T) {
	for _, s := range []string{
		"fs-sync", "sg-proxy", "i-love-cats", "subnet-0123456789abcdef0", "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws-cn:ecs:cn-north-1:123456789012:cluster/x", "arn:aws:s3:::bucket/key", "$(ecs_task_id)", "Host(`example.com`)",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::", "WHERE", "%%host%%",
	} {
		if m := placeholder(s); m != "" {
			t.Errorf("placeholder(%q) = %q, want none", s, m)
		}
	}
	for _, s := range []string{"subnet-xxxxxxxx", "sg-XXXXXXXXXXXXXXXXX", "arn:aws:iam::<account-id>:role/x", "CHANGEME", "arn:aws:logs:${AWS_REGION}:123456789012:log-group:x"} {
		if placeholder(s) == "" {
			t.Errorf("placeholder(%q): want a match", s)
		}
	}
}

func TestCapacityProviderRanges(t *testing.T) {
	svc := func(item string) map[string]string {
		return map[string]string{"td.json": td("", ""), "svc.json": `{"serviceName": "app", "taskDefinition": "app", "desiredCount": 1, "capacityProviderStrategy": [` + item + `]}`}
	}
	runAgreeCases(t, []agreeCase{
		{name: "weight above 1000", files: svc(`{"capacityProvider": "spot", "weight": 2000}`),
			want: []want{{RuleLaunchType, SeverityError, `capacityProviderStrategy weight 2000: allowed range is 0 to 1000`}}},
		{name: "base above 100000", files: svc(`{"capacityProvider": "spot", "base": 100001, "weight": 1}`),
			want: []want{{RuleLaunchType, SeverityError, `capacityProviderStrategy base 100001`}}},
		{name: "bounds", files: svc(`{"capacityProvider": "spot", "base": 100000, "weight": 1000}`), clean: true},
	})
}

// TestFirelensAgreesWithAWS: the FireLens shapes AWS refuses at registration.
func TestFirelensAgreesWithAWS(t *testing.T) {
	router := func(options string) string {
		return `{"name": "log_router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2", "memoryReservation": 50, "firelensConfiguration": {"type": "fluentbit"` + options + `}}`
	}
	app := `{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 256, "logConfiguration": {"logDriver": "awsfirelens", "options": {"Name": "stdout"}}}`
	task := func(extra string, containers ...string) string {
		return `{"family": "app"` + extra + `, "containerDefinitions": [` + strings.Join(containers, ", ") + `]}`
	}
	fargate := `, "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256", "memory": "512", ` + fargateRole
	runAgreeCases(t, []agreeCase{
		{name: "router and app", clean: true, files: map[string]string{"td.json": task("", router(`, "options": {"enable-ecs-log-metadata": "true"}`), app)}},
		{name: "awsfirelens without a router", files: map[string]string{"td.json": task("", app)},
			want: []want{{RuleFirelens, SeverityError, `logDriver awsfirelens needs a log router in the task`}}},
		{name: "two routers", files: map[string]string{"td.json": task("", router(""), strings.Replace(router(""), "log_router", "second", 1), app)},
			want: []want{{RuleFirelens, SeverityError, `container "second": a task has at most one log router, and "log_router" already has a firelensConfiguration`}}},
		{name: "enable-ecs-log-metadata yes", files: map[string]string{"td.json": task("", router(`, "options": {"enable-ecs-log-metadata": "yes"}`), app)},
			want: []want{{RuleFirelens, SeverityError, `enable-ecs-log-metadata "yes"`}}},
		{name: "config-file-type without value", files: map[string]string{"td.json": task("", router(`, "options": {"config-file-type": "file"}`), app)},
			want: []want{{RuleFirelens, SeverityError, `config-file-type and config-file-value go together`}}},
		{name: "s3 config on Fargate", files: map[string]string{"td.json": task(fargate, router(`, "options": {"config-file-type": "s3", "config-file-value": "arn:aws:s3:::bucket/extra.conf"}`), app)},
			want: []want{{RuleFirelens, SeverityError, `config-file-type s3: tasks on Fargate support only the file type`}}},
		{name: "file config on Fargate", clean: true, files: map[string]string{"td.json": task(fargate, router(`, "options": {"config-file-type": "file", "config-file-value": "/fluent-bit/etc/extra.conf"}`), app)}},
		{name: "json-file on Fargate", files: map[string]string{"td.json": task(fargate, `{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "logConfiguration": {"logDriver": "json-file"}}`)},
			want: []want{{RuleLogDriver, SeverityError, `logDriver json-file is not supported with FARGATE (supported: awslogs, splunk, awsfirelens)`}}},
		{name: "json-file on Managed Instances", clean: true, files: map[string]string{"td.json": task(`, "requiresCompatibilities": ["MANAGED_INSTANCES"]`, `{"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 256, "logConfiguration": {"logDriver": "json-file"}}`)}},
	})
}

// TestPortRanges: containerPortRange as types.PortMapping documents it.
func TestPortRanges(t *testing.T) {
	runAgreeCases(t, []agreeCase{
		{name: "bridge range", clean: true, files: map[string]string{"td.json": td("", `"portMappings": [{"containerPortRange": "8000-8099"}]`)}},
		{name: "awsvpc range", clean: true, files: map[string]string{"td.json": td(`"networkMode": "awsvpc"`, `"portMappings": [{"containerPortRange": "8000-8099"}]`)}},
		{name: "host mode", files: map[string]string{"td.json": td(`"networkMode": "host"`, `"portMappings": [{"containerPortRange": "8000-8099"}]`)},
			want: []want{{RulePortMapping, SeverityError, `containerPortRange needs networkMode bridge or awsvpc`}}},
		{name: "reversed", files: map[string]string{"td.json": td("", `"portMappings": [{"containerPortRange": "9000-8000"}]`)},
			want: []want{{RulePortMapping, SeverityError, `the first less than the last`}}},
		{name: "not a range", files: map[string]string{"td.json": td("", `"portMappings": [{"containerPortRange": "8000"}]`)},
			want: []want{{RulePortMapping, SeverityError, `want FIRST-LAST`}}},
	})
}
