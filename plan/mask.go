package plan

import (
	"regexp"
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

// shouldMask decides masking for one leaf: by the map key (name) or by either value.
func shouldMask(path, name, old, new string) bool {
	if sensitiveName(name) {
		return true
	}
	if unmaskedPath(path) {
		return false
	}
	return looksSecret(old) || looksSecret(new)
}
