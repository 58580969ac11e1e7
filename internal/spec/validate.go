package spec

import "fmt"

var sprintf = fmt.Sprintf

// ValidateTaskDefinition checks one normalized task definition against the ECS rules
// documented in docs/validation-rules.md.
func ValidateTaskDefinition(td *TaskDefinitionDoc) Diagnostics {
	v := &validator{fields: td.Positions(), file: td.Pos.File}
	v.taskDefinition(&td.TaskDefinition)
	return v.diags
}

// ValidateService checks one normalized service definition on its own.
func ValidateService(s *ServiceDoc) Diagnostics {
	v := &validator{fields: s.Positions(), file: s.Pos.File}
	v.service(&s.Service)
	return v.diags
}

func validateServiceWithTask(s *ServiceDoc, td *TaskDefinitionDoc) Diagnostics {
	v := &validator{fields: s.Positions(), file: s.Pos.File}
	v.serviceWithTask(&s.Service, &td.TaskDefinition)
	if s.isFargateService() && len(td.RequiresCompatibilities) == 0 {
		// The task definition was not validated for Fargate at registration (it does not
		// require it), so CreateService checks it now; reported at the task definition.
		tv := &validator{fields: td.Positions(), file: td.Pos.File}
		tv.fargate(&td.TaskDefinition, sprintf("service %q runs it on Fargate: ", s.ServiceName))
		v.diags = append(v.diags, tv.diags...)
	}
	return v.diags
}

// validator accumulates diagnostics for one document.
type validator struct {
	fields Positions
	file   string
	diags  Diagnostics
}

func (v *validator) at(path string) Pos {
	p := v.fields.At(path)
	if p.File == "" {
		p.File = v.file
	}
	return p
}

func (v *validator) errorf(path, rule, format string, args ...any) {
	v.diags = append(v.diags, diag(v.at(path), SeverityError, rule, format, args...))
}

func (v *validator) warnf(path, rule, format string, args ...any) {
	v.diags = append(v.diags, diag(v.at(path), SeverityWarning, rule, format, args...))
}

func (v *validator) advisef(path, rule, format string, args ...any) {
	v.diags = append(v.diags, diag(v.at(path), SeverityAdvice, rule, format, args...))
}
