package awsproxy

import (
	"encoding/json"
	"net/http"
	"time"
)

// figures is the call-graph summary /_proxy/figures answers.
type figures struct {
	Calls            int            `json:"calls"`
	PerOperation     map[string]int `json:"perOperation"`
	MaxConcurrency   int            `json:"maxConcurrency"`
	SequentialRounds int            `json:"sequentialRounds"`
}

// callsAsked are the recorded calls between the request's from and to marks, for a GET; it has
// answered the request itself when it returns false.
func (p *Proxy) callsAsked(w http.ResponseWriter, r *http.Request) ([]Call, bool) {
	if !allow(w, r, http.MethodGet) {
		return nil, false
	}
	calls, err := p.CallsBetween(r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return nil, false
	}
	return calls, true
}

// serveControl answers the /_proxy/ endpoint (documented in README.md).
func (p *Proxy) serveControl(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_proxy/health":
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "upstream": p.opts.Upstream, "time": p.opts.Now().UTC().Format(time.RFC3339Nano)})
	case "/_proxy/calls":
		calls, ok := p.callsAsked(w, r)
		if !ok {
			return
		}
		if calls == nil {
			calls = []Call{}
		}
		writeJSON(w, http.StatusOK, calls)
	case "/_proxy/figures":
		calls, ok := p.callsAsked(w, r)
		if !ok {
			return
		}
		writeJSON(w, http.StatusOK, figures{
			Calls: len(calls), PerOperation: CallsPerOperation(calls),
			MaxConcurrency: MaxConcurrency(calls), SequentialRounds: SequentialRounds(calls),
		})
	case "/_proxy/reset":
		if !allow(w, r, http.MethodPost) {
			return
		}
		p.Reset()
		w.WriteHeader(http.StatusNoContent)
	case "/_proxy/mark":
		if !allow(w, r, http.MethodPost) {
			return
		}
		name := r.URL.Query().Get("name")
		if name == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "mark needs ?name=<mark name>"})
			return
		}
		writeJSON(w, http.StatusOK, p.Mark(name))
	case "/_proxy/flush":
		if !allow(w, r, http.MethodPost) {
			return
		}
		if err := p.Flush(r.Context()); err != nil {
			writeJSON(w, http.StatusGatewayTimeout, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "/_proxy/identities":
		if !allow(w, r, http.MethodPost) {
			return
		}
		var registration struct {
			AccessKeyID string `json:"accessKeyId"`
			Identity
		}
		if err := json.NewDecoder(r.Body).Decode(&registration); err != nil || registration.AccessKeyID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON {\"accessKeyId\", \"type\", \"principalId\", \"arn\", \"userName\"}"})
			return
		}
		p.RegisterIdentity(registration.AccessKeyID, registration.Identity)
		w.WriteHeader(http.StatusNoContent)
	case "/_proxy/trails", "/_proxy/cloudtrail":
		p.serveTrailControl(w, r)
	case "/_proxy/faults":
		p.serveFaults(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown awsproxy endpoint " + r.URL.Path + ": see internal/acctest/awsproxy/README.md"})
	}
}

func (p *Proxy) serveFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, p.Faults())
	case http.MethodPost:
		var rule Rule
		if err := json.NewDecoder(r.Body).Decode(&rule); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the fault rule is not valid JSON: " + err.Error()})
			return
		}
		added, err := p.AddFault(rule)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, added)
	case http.MethodDelete:
		if id := r.URL.Query().Get("id"); id != "" {
			if !p.ClearFault(id) {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "no fault rule with id " + id})
				return
			}
		} else {
			p.ClearFaults()
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET, POST or DELETE on /_proxy/faults"})
	}
}

func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use " + method + " on " + r.URL.Path})
	return false
}

func writeJSON(w http.ResponseWriter, status int, value any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	_ = encoder.Encode(value)
}
