package compose

import (
	"io"
	"sync"

	"github.com/sirupsen/logrus"
)

// compose-go reports warnings (unset variables, obsolete `version`, YAML 1.1 booleans)
// through the global logrus logger. A daemon or a CLI with JSON output must not have them
// written to stderr in logrus's format; they belong in the diagnostics, with a position.
// logrus is process-global, so loads that capture it are serialized by logMu.
var logMu sync.Mutex

type captureHook struct {
	mu       sync.Mutex
	messages []string
}

func (h *captureHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (h *captureHook) Fire(e *logrus.Entry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.messages = append(h.messages, e.Message)
	return nil
}

// captureLogs runs fn with the standard logrus logger silenced and returns the warning
// (and worse) messages logged meanwhile, in order. The logger's output, hooks and level
// are restored afterwards. Anything else in the process that logs through logrus during
// fn is captured too; ecsgit itself does not use logrus.
func captureLogs(fn func()) []string {
	logMu.Lock()
	defer logMu.Unlock()
	std := logrus.StandardLogger()
	h := &captureHook{}
	oldHooks := std.ReplaceHooks(logrus.LevelHooks{})
	oldOut := std.Out
	oldLevel := std.GetLevel()
	std.AddHook(h)
	std.SetOutput(io.Discard)
	if oldLevel < logrus.WarnLevel {
		std.SetLevel(logrus.WarnLevel)
	}
	defer func() {
		std.SetLevel(oldLevel)
		std.SetOutput(oldOut)
		std.ReplaceHooks(oldHooks)
	}()
	fn()
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.messages...)
}
