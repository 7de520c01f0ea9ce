package rotator

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/credentials"
)

// Outcome says how a step ended (internal/credentials, the contract with the bundle).
type Outcome = credentials.Outcome

// The outcomes of a step.
const (
	OutcomeSucceeded   = credentials.OutcomeSucceeded
	OutcomeAlreadyDone = credentials.OutcomeAlreadyDone
	OutcomeFailed      = credentials.OutcomeFailed
)

// LogLine is the one JSON line the rotator writes to stdout per step; internal/credentials
// declares it, because the bundle reads it back.
type LogLine = credentials.LogLine

// ParseLogLine reads a rotator log line from a log event's message.
var ParseLogLine = credentials.ParseLogLine

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
