package nomadjob

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/nomad/api"
)

// JobJSON encodes job the way Nomad's HTTP API and `nomad job run -json` take it
// ({"Job": {...}}), indented, with a trailing newline. encoding/json sorts map keys, so
// equal jobs give equal bytes.
func JobJSON(job *api.Job) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Nomad interpolation (${meta.zone}) and shell operators must stay readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct{ Job *api.Job }{job}); err != nil {
		return nil, fmt.Errorf("encode job %s: %w", deref(job.ID), err)
	}
	return buf.Bytes(), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
