package spec

// FidelityLevel says how faithfully a source field is carried into what ecsgit deploys.
type FidelityLevel string

const (
	// Exact: the field means the same thing after translation.
	FidelityExact FidelityLevel = "exact"
	// Approximate: the field is carried over, but behaviour differs; Detail states the
	// consequence a user would notice.
	FidelityApproximate FidelityLevel = "approximate"
	// Unsupported: the field has no effect on what is deployed.
	FidelityUnsupported FidelityLevel = "unsupported"
)

// FidelityNote is one line of a fidelity report: a field that is not translated exactly.
// Both the compose converter (compose key → ECS) and the Nomad translator (ECS → Nomad)
// produce them, so the plan can show one report per service. Exact fields produce no note.
type FidelityNote struct {
	// Field is the path of the source field: an ECS path such as
	// "containerDefinitions[web].healthCheck" or a compose key such as
	// "services.web.deploy.update_config.order".
	Field  string        `json:"field"`
	Level  FidelityLevel `json:"level"`
	Detail string        `json:"detail"`
	Pos    Pos           `json:"pos"`
	// Rule is a stable identifier for the kind of translation gap (e.g. "FID-DEPENDSON-HEALTHY").
	Rule string `json:"rule,omitempty"`
}
