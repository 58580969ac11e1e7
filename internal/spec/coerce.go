package spec

import (
	"fmt"
	"slices"
)

// coerceWarnings reports the values that ECS accepts but replaces by a default
// (CoercedEnums). It runs before normalization, which performs the same replacement, so
// the warning can still name the value the file has.
func coerceWarnings(td *TaskDefinitionDoc) Diagnostics {
	v := &validator{fields: td.Positions(), file: td.Pos.File}
	ce := CoercedEnums["PortMapping.protocol"]
	for i, c := range td.ContainerDefinitions {
		for j, pm := range c.PortMappings {
			if pm.Protocol == "" || slices.Contains(ce.Values, pm.Protocol) {
				continue
			}
			msg := sprintf("container %q: protocol %q: ECS knows only \"tcp\" and \"udp\" (case-sensitive) and treats any other value as %s; so does ecsgit", c.Name, pm.Protocol, ce.Default)
			if s := suggestFold(pm.Protocol, ce.Values); s != "" && s != ce.Default {
				msg += sprintf(" (write %q for %s)", s, s)
			}
			v.warnf(fmt.Sprintf("containerDefinitions[%d].portMappings[%d].protocol", i, j), RuleProtocolCoerced, "%s", msg)
		}
	}
	return v.diags
}
