package plan

import (
	"encoding/json"
	"io"
)

// jsonRenderer writes the Plan struct itself: the JSON view is the data model, versioned by
// format_version and documented field by field in docs/plan-json.md. Field order is the
// struct order, so output is stable across runs.
type jsonRenderer struct{}

func (jsonRenderer) render(w io.Writer, p *Plan) error {
	cp := *p
	if cp.FormatVersion == 0 {
		cp.FormatVersion = FormatVersion
	}
	if cp.Services == nil {
		cp.Services = []ServicePlan{} // consumers get [], never null
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(&cp)
}
