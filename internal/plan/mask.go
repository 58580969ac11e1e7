package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// SensitiveValue replaces a masked value in FieldChange.Old/New. The change itself (its
// path and kind) is still shown: a reviewer learns that DB_PASSWORD changed, not to what.
const SensitiveValue = "(sensitive)"

// Masking errs on the side of hiding: a false positive costs a reviewer one hidden value, a
// false negative leaks a credential into a pull-request comment or CI log (anchors B7).

// secretNameParts match anywhere in a map key (environment variable name, label or
// option key), case-insensitively.
var secretNameParts = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY", "API_KEY", "ACCESS_KEY", "SESSION_KEY", "SIGNING_KEY"}

// secretNameWords match a whole word of the key (split at _ - . and space), so KEY and
// AUTH hide DB_KEY and AUTH_HEADER but not MONKEY or AUTHOR.
var secretNameWords = map[string]bool{"KEY": true, "AUTH": true, "PWD": true, "PASS": true, "SALT": true, "DSN": true, "CERT": true, "COOKIE": true}

func sensitiveName(name string) bool {
	if name == "" {
		return false
	}
	u := strings.ToUpper(name)
	for _, p := range secretNameParts {
		if strings.Contains(u, p) {
			return true
		}
	}
	for _, w := range strings.FieldsFunc(u, func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ' ' }) {
		if secretNameWords[w] {
			return true
		}
	}
	return false
}

var (
	// A run of 32+ characters from the base64/hex alphabet: API keys, tokens, hashes.
	tokenRun = regexp.MustCompile(`[A-Za-z0-9+/_\-]{32,}={0,2}`)
	// user:password@ in a URL (DATABASE_URL=postgres://u:p@db/x).
	urlPassword = regexp.MustCompile(`://[^/@:\s]+:[^/@\s]+@`)
	gitSHA      = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// looksSecret reports whether a value looks like a credential whatever its name: a PEM
// block, a password in a URL, or a long high-entropy token (letters and digits mixed).
// A lowercase 40-hex string is taken to be a Git commit and shown.
func looksSecret(v string) bool {
	if strings.Contains(v, "-----BEGIN") || urlPassword.MatchString(v) {
		return true
	}
	for _, run := range tokenRun.FindAllString(v, -1) {
		if gitSHA.MatchString(run) || strings.Contains(run, "/") && !strings.ContainsAny(run, "+=") {
			continue // a commit, or a path like /usr/local/lib/...
		}
		if hasLetterAndDigit(run) {
			return true
		}
	}
	return false
}

func hasLetterAndDigit(s string) bool {
	var l, d bool
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d = true
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			l = true
		}
	}
	return l && d
}

// unmaskedLeaves are fields whose values identify rather than hold a secret and look
// random by nature: images (digests), ARNs and SSM parameter names. secrets[].valueFrom is
// how ECS keeps secrets out of task definitions; showing it is the point.
func unmaskedPath(path string) bool {
	last := path[strings.LastIndexAny(path, ".]")+1:]
	switch {
	case last == "image", last == "valueFrom", last == "credentialsParameter",
		strings.HasSuffix(last, "Arn"), strings.HasSuffix(last, "Arns"):
		return true
	}
	return false
}

// shouldMask decides masking for one change by its path and values: a field that
// identifies a secret is shown; otherwise the name the path ends in (a map key such as an
// environment variable, or a field name) or either value may make it secret.
func shouldMask(path, old, new string) bool {
	if unmaskedPath(path) {
		return false
	}
	return sensitiveName(leafName(path)) || looksSecret(old) || looksSecret(new)
}

// leafName is the name a path ends in: the key of its last map entry
// ("containerDefinitions[web].environment[DB_PASSWORD]" → DB_PASSWORD; quoted keys are
// unquoted) or its last field ("nomad:task[app].Env.DB_PASSWORD" → DB_PASSWORD).
func leafName(path string) string {
	if !strings.HasSuffix(path, "]") {
		return path[strings.LastIndexAny(path, ".]")+1:]
	}
	body := path[:len(path)-1]
	if strings.HasSuffix(body, `"`) { // formatKey quoted a key holding [ ] or "
		for i := strings.LastIndex(body, `["`); i >= 0; i = strings.LastIndex(body[:i], `["`) {
			if k, err := strconv.Unquote(body[i+1:]); err == nil {
				return k
			}
		}
	}
	return body[strings.LastIndex(body, "[")+1:]
}

// NewFieldChange builds one field change with the secret rules applied. Every producer of
// field changes uses it (the ECS diff walk here, the Nomad-level and drift lines in
// reconcile), so none of them has to remember to mask; Redact catches any change built
// another way before it reaches a view.
func NewFieldChange(path string, kind ChangeKind, old, new string) FieldChange {
	return redactChange(FieldChange{Path: path, Kind: kind, Old: old, New: new})
}

// redactChange masks c when the secret rules match it or it is already marked Masked. A
// masked change keeps its path and kind; each value present becomes SensitiveValue.
func redactChange(c FieldChange) FieldChange {
	if !c.Masked && !shouldMask(c.Path, c.Old, c.New) {
		return c
	}
	c.Masked = true
	if c.Kind != KindAdded {
		c.Old = SensitiveValue
	}
	if c.Kind != KindRemoved {
		c.New = SensitiveValue
	}
	return c
}

// Redact masks, in place, every field change of p (Changes and DriftChanges) that the
// secret rules match. It is idempotent. Render redacts a copy of the plan it is given,
// Save the plan it writes and Load the plan it reads, so no plan view and no plan file
// shows a secret value, whatever built the change.
func (p *Plan) Redact() {
	for i := range p.Services {
		sp := &p.Services[i]
		for j := range sp.Changes {
			sp.Changes[j] = redactChange(sp.markSecret(sp.Changes[j]))
		}
		for j := range sp.DriftChanges {
			sp.DriftChanges[j] = redactChange(sp.markSecret(sp.DriftChanges[j]))
		}
	}
	for i := range p.LoadBalancing {
		r := &p.LoadBalancing[i]
		for j := range r.Changes {
			r.Changes[j] = redactChange(r.Changes[j])
		}
	}
}

// HideSecretValue returns v, or "sha256:" and 16 hex digits of its hash when the secret
// rules match the value at path. What is recorded and diffed then still changes with
// the value, and no plan, record or view holds the value itself. Load-balancing
// resources use it for their fields (a tag value may hold anything).
func HideSecretValue(path, v string) string {
	if !shouldMask(path, v, "") {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// markSecret marks c masked when it names one of the service's secret variables.
func (sp *ServicePlan) markSecret(c FieldChange) FieldChange {
	if len(sp.SecretNames) > 0 && !unmaskedPath(c.Path) && slices.Contains(sp.SecretNames, leafName(c.Path)) {
		c.Masked = true
	}
	return c
}

// redacted returns a redacted copy of p and leaves p as it is: the service list and the
// change lists are copied, the rest is shared (renderers only read it).
func (p *Plan) redacted() *Plan {
	cp := *p
	if p.Services != nil {
		cp.Services = make([]ServicePlan, len(p.Services))
		for i, sp := range p.Services {
			sp.Changes = slices.Clone(sp.Changes)
			sp.DriftChanges = slices.Clone(sp.DriftChanges)
			cp.Services[i] = sp
		}
	}
	if p.LoadBalancing != nil {
		cp.LoadBalancing = make([]ResourcePlan, len(p.LoadBalancing))
		for i, r := range p.LoadBalancing {
			r.Changes = slices.Clone(r.Changes)
			cp.LoadBalancing[i] = r
		}
	}
	cp.Redact()
	return &cp
}
