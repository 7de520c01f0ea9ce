package rotator

import (
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// Outcome says how a step ended.
type Outcome string

const (
	// OutcomeSucceeded: the step did its work.
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeAlreadyDone: the step had nothing to do, because an earlier attempt for the same
	// token already did it or the token is already AWSCURRENT.
	OutcomeAlreadyDone Outcome = "already_done"
	// OutcomeFailed: the step failed; Code and Error say why.
	OutcomeFailed Outcome = "failed"
)

// LogLine is the one JSON line the rotator writes to stdout per step. The bundle reads the latest
// line with outcome "failed" from the function's log group to show the last rotation error, so
// fields are only ever added, never renamed.
type LogLine struct {
	Step    string  `json:"step"`
	Secret  string  `json:"secret"`
	Token   string  `json:"token"`
	Outcome Outcome `json:"outcome"`
	// DurationMS is the handler's own time for the step, in milliseconds.
	DurationMS float64 `json:"duration_ms"`
	// SecretsManagerCalls counts the Secrets Manager API calls the step made.
	SecretsManagerCalls int    `json:"secrets_manager_calls"`
	Error               string `json:"error,omitempty"`
	Code                Code   `json:"code,omitempty"`
}

// ParseLogLine reads a rotator log line from a log event's message. Lines the rotator did not
// write (the runtime's START/END/REPORT lines, anything else on stdout) return false.
func ParseLogLine(message string) (LogLine, bool) {
	message = strings.TrimSpace(message)
	if !strings.HasPrefix(message, "{") {
		return LogLine{}, false
	}
	var line LogLine
	if err := json.Unmarshal([]byte(message), &line); err != nil {
		return LogLine{}, false
	}
	if line.Step == "" || line.Outcome == "" {
		return LogLine{}, false
	}
	return line, true
}

// logWriter serialises log lines so that each is written whole with one Write.
type logWriter struct {
	mu  sync.Mutex
	out io.Writer
}

func (w *logWriter) write(line LogLine) {
	encoded, err := json.Marshal(line)
	if err != nil {
		// LogLine holds only strings and numbers; Marshal cannot fail on it.
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = w.out.Write(append(encoded, '\n'))
}
