package plan

import (
	"fmt"
	"io"
)

// Format names an output format of Render.
type Format string

const (
	FormatHuman    Format = "human"
	FormatJSON     Format = "json"
	FormatMarkdown Format = "markdown"
)

// Formats lists every format Render accepts, the default first. Commands derive their
// flag validation, help text and completion from it, so a new format is added here only.
func Formats() []Format { return []Format{FormatHuman, FormatJSON, FormatMarkdown} }

// RenderOptions are the caller's choices; the plan package never looks at the terminal
// itself (cmd decides Color from whether stdout is a TTY and from NO_COLOR).
type RenderOptions struct {
	// Color adds ANSI colours to the human view. Ignored by the other formats.
	Color bool
	// Verbose lists unchanged services one line each instead of one collapsed line.
	Verbose bool
}

// renderer is implemented once per format, like Terraform's views.
type renderer interface {
	render(w io.Writer, p *Plan) error
}

var (
	_ renderer = humanRenderer{}
	_ renderer = jsonRenderer{}
	_ renderer = markdownRenderer{}
)

// Render writes p in the given format. It does not modify p: it renders a redacted copy
// (no view prints a value the secret rules match, whatever built the change) whose
// Summary is recomputed from Services, so a caller that forgot Summarize still gets a
// consistent output.
func Render(w io.Writer, p *Plan, format Format, opts RenderOptions) error {
	var r renderer
	switch format {
	case FormatHuman, "":
		r = humanRenderer{opts}
	case FormatJSON:
		r = jsonRenderer{}
	case FormatMarkdown:
		r = markdownRenderer{opts}
	default:
		return fmt.Errorf("unknown plan format %q (want one of %v)", format, Formats())
	}
	cp := p.redacted()
	cp.Summarize()
	return r.render(w, cp)
}
