package source

import (
	"path/filepath"
	"strings"
)

// ignoredPath reports whether p (below root) is noise: anything inside a
// .git directory, or an editor's temporary, swap or backup file. Those change
// on every keystroke or save and never hold desired state.
func ignoredPath(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == ".git" {
			return true
		}
	}
	return ignoredName(filepath.Base(p))
}

func ignoredName(name string) bool {
	switch {
	case name == "4913": // vim probes directory writability with this file
		return true
	case name == ".DS_Store":
		return true
	case strings.HasSuffix(name, "~"): // vim/emacs backups
		return true
	case strings.HasPrefix(name, ".#"): // emacs lock files
		return true
	case strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"): // emacs auto-save
		return true
	case strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".swp") || strings.HasSuffix(name, ".swo") || strings.HasSuffix(name, ".swx")):
		return true // vim swap files
	case strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, "___jb_tmp___") || strings.HasSuffix(name, "___jb_old___"):
		return true // generic and JetBrains safe-write files
	}
	return false
}
