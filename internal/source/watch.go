package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch signals on the returned channel after the directory's content
// changed and then stayed quiet for Debounce. Signals coalesce: the channel
// has room for one, so a slow consumer sees one pending signal, never a
// queue. The channel is closed when ctx ends.
//
// inotify watches are per directory, so every subdirectory is added, and
// directories created later are added as they appear. Events in .git and
// on editor temporary files are ignored; so are chmod-only events.
// An event-queue overflow counts as a change (something happened).
func (l *LocalDir) Watch(ctx context.Context) (<-chan struct{}, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", l.dir, err)
	}
	if err := addTree(w, l.dir, l.dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch %s: %w", l.dir, err)
	}
	debounce := l.Debounce
	if debounce <= 0 {
		debounce = 300 * time.Millisecond
	}
	out := make(chan struct{}, 1)
	go l.watchLoop(ctx, w, debounce, out)
	return out, nil
}

func (l *LocalDir) watchLoop(ctx context.Context, w *fsnotify.Watcher, debounce time.Duration, out chan struct{}) {
	defer close(out)
	defer w.Close()
	timer := time.NewTimer(debounce)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if !l.relevant(w, ev) {
				continue
			}
			timer.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				timer.Reset(debounce)
			}
		case <-timer.C:
			select {
			case out <- struct{}{}:
			default: // one signal already pending
			}
		}
	}
}

// relevant filters noise and follows new directories.
func (l *LocalDir) relevant(w *fsnotify.Watcher, ev fsnotify.Event) bool {
	if ignoredPath(l.dir, ev.Name) {
		return false
	}
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if ev.Has(fsnotify.Create) {
		if st, err := os.Lstat(ev.Name); err == nil && st.IsDir() {
			// Files created in it before the watch was added are covered:
			// this Create event itself already triggers a re-read.
			_ = addTree(w, l.dir, ev.Name)
		}
	}
	return true
}

// addTree watches dir and every directory below it except ignored ones.
func addTree(w *fsnotify.Watcher, root, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && ignoredPath(root, p) {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			return fmt.Errorf("add %s: %w", p, err)
		}
		return nil
	})
}
