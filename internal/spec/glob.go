package spec

import (
	"fmt"
	"path"
	"strings"
)

// matchGlob reports whether the slash-separated relative path name matches pattern, where
// pattern is a path.Match pattern whose segments may also be "**" (any number of
// segments, including none). A pattern without a slash matches the base name in any
// directory, as .gitignore does ("*.json").
func matchGlob(pattern, name string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	if !strings.Contains(pattern, "/") {
		pattern = "**/" + pattern
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// matchDirGlob reports whether pattern matches the directory dir or a directory above
// it, i.e. whether everything under dir is selected ("vendor" or "legacy/**").
func matchDirGlob(pattern, dir string) bool {
	p := strings.TrimSuffix(strings.TrimSuffix(pattern, "/**"), "/")
	return matchGlob(p, dir)
}

func checkGlob(pattern string) error {
	for _, seg := range strings.Split(pattern, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("invalid glob %q: %w", pattern, err)
		}
	}
	return nil
}
