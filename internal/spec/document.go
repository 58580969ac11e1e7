package spec

import (
	"reflect"
	"slices"
)

// DocKind is what a JSON file in the repository holds.
type DocKind int

const (
	DocOther           DocKind = iota // not an ECS definition; ignored
	DocTaskDefinition                 // has containerDefinitions, or the {"taskDefinition": {...}} wrapper
	DocService                        // has serviceName, or the {"service": {...}} wrapper
	DocELBLoadBalancer                // create-load-balancer input (elb.go)
	DocELBListener                    // create-listener input
	DocELBRule                        // create-rule input
	DocELBTargetGroup                 // create-target-group input
	DocScaling                        // an Application Auto Scaling target, policy or scheduled action (scaling.go)
	DocSchedule                       // has ScheduleExpression (EventBridge Scheduler schedule or rule)
)

// readOnlyTaskDefinitionFields are what `aws ecs describe-task-definition` prints but
// RegisterTaskDefinition rejects; the list is aws-actions/amazon-ecs-deploy-task-definition's.
var readOnlyTaskDefinitionFields = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt",
}

// readOnlyServiceFields are what `aws ecs create-service`/`describe-services` print for a
// service but CreateService does not take.
var readOnlyServiceFields = []string{
	"serviceArn", "clusterArn", "status", "runningCount", "pendingCount", "deployments",
	"events", "createdAt", "createdBy", "roleArn", "taskSets", "currentServiceDeployment",
	"currentServiceRevisions", "resourceManagementType",
}

// classify tells what a parsed top-level value is.
func classify(root *node) DocKind {
	if root == nil || root.kind != kindObject {
		return DocOther
	}
	switch {
	case root.get("containerDefinitions") != nil:
		return DocTaskDefinition
	case root.get("serviceName") != nil:
		return DocService
	case isScalingDoc(root):
		return DocScaling
	case isKind(root.get("taskDefinition"), kindObject):
		return DocTaskDefinition
	case isKind(root.get("service"), kindObject):
		return DocService
	}
	return classifyELB(root)
}

func isKind(n *node, k nodeKind) bool { return n != nil && n.kind == k }

// unwrap returns the definition inside a describe-style wrapper ({"taskDefinition": {...}}
// or {"service": {...}}), plus the wrapper's "tags" (describe-task-definition --include
// TAGS prints them beside the definition), or the root itself.
func unwrap(root *node, key string) (def, tags *node) {
	if w := root.get(key); isKind(w, kindObject) && root.get("containerDefinitions") == nil && root.get("serviceName") == nil {
		return w, root.get("tags")
	}
	return root, nil
}

// stripReadOnly removes read-only fields from obj and notes each one.
func (d *decoder) stripReadOnly(obj *node, fields []string, what string) {
	obj.members = slices.DeleteFunc(slices.Clone(obj.members), func(m member) bool {
		if slices.Contains(fields, m.key) {
			d.notef(m.keyPos, RuleReadOnlyField, "%q is a read-only field of %s output; ignored", m.key, what)
			return true
		}
		return false
	})
}

// DecodeTaskDefinition strictly decodes a task definition file. The result is nil only
// when the file is not parseable; otherwise it holds everything that could be decoded
// (not yet normalized), and the diagnostics list every problem.
func DecodeTaskDefinition(file string, src []byte) (*TaskDefinitionDoc, Diagnostics) {
	root, err := parseJSON(file, src)
	if err != nil {
		return nil, Diagnostics{syntaxDiagnostic(err)}
	}
	return decodeTaskDefinitionNode(root)
}

func decodeTaskDefinitionNode(root *node) (*TaskDefinitionDoc, Diagnostics) {
	d := newDecoder()
	if root.kind != kindObject {
		d.errorf(root.pos, RuleType, "a task definition must be a JSON object, got %s", describe(root))
		return nil, d.diags
	}
	def, tags := unwrap(root, "taskDefinition")
	d.stripReadOnly(def, readOnlyTaskDefinitionFields, "describe-task-definition")
	doc := &TaskDefinitionDoc{Pos: Pos{File: root.pos.File}, Origin: "ecs"}
	d.decode(def, reflect.ValueOf(&doc.TaskDefinition).Elem(), "")
	if tags != nil && doc.Tags == nil {
		d.decode(tags, reflect.ValueOf(&doc.Tags).Elem(), "tags")
	}
	doc.Fields = d.fields
	return doc, d.diags
}

// DecodeService strictly decodes a service definition file; see DecodeTaskDefinition.
func DecodeService(file string, src []byte) (*ServiceDoc, Diagnostics) {
	root, err := parseJSON(file, src)
	if err != nil {
		return nil, Diagnostics{syntaxDiagnostic(err)}
	}
	return decodeServiceNode(root)
}

func decodeServiceNode(root *node) (*ServiceDoc, Diagnostics) {
	d := newDecoder()
	if root.kind != kindObject {
		d.errorf(root.pos, RuleType, "a service definition must be a JSON object, got %s", describe(root))
		return nil, d.diags
	}
	def, _ := unwrap(root, "service")
	d.stripReadOnly(def, readOnlyServiceFields, "create-service/describe-services")
	doc := &ServiceDoc{Pos: Pos{File: root.pos.File}, Origin: "ecs"}
	d.decode(def, reflect.ValueOf(&doc.Service).Elem(), "")
	doc.Fields = d.fields
	return doc, d.diags
}

func syntaxDiagnostic(err error) Diagnostic {
	if se, ok := err.(*syntaxError); ok {
		return Diagnostic{Pos: se.pos, Severity: SeverityError, Rule: RuleSyntax, Message: se.msg}
	}
	return Diagnostic{Severity: SeverityError, Rule: RuleSyntax, Message: err.Error()}
}
