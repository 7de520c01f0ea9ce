package awsproxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// ARN keys of Secrets Manager's CloudTrail response elements.
const (
	// ARNKeyCurrent is how CloudTrail writes a secret's ARN in responseElements since January 2024.
	ARNKeyCurrent = "arn"
	// ARNKeyLegacy is how it wrote it before, for legacyARNOperations (AWS re:Post
	// knowledge-center/secrets-manager-arn). Trails and archives still hold such events.
	ARNKeyLegacy = "aRN"
)

// legacyARNOperations wrote responseElements.aRN before January 2024; the others always wrote arn.
var legacyARNOperations = map[string]bool{
	"CancelRotateSecret": true, "DeleteResourcePolicy": true, "DeleteSecret": true, "PutResourcePolicy": true,
	"RemoveRegionsFromReplication": true, "ReplicateSecretToRegions": true, "RestoreSecret": true,
	"RotateSecret": true, "StopReplicationToReplica": true, "UpdateSecretVersionStage": true,
}

// secretsManagerARNKey is the key under which CloudTrail writes the secret's ARN in the response
// elements of op, with the given choice of spelling.
func secretsManagerARNKey(op, arnKey string) string {
	if arnKey == ARNKeyLegacy && legacyARNOperations[op] {
		return ARNKeyLegacy
	}
	return ARNKeyCurrent
}

// SetARNKey chooses how the response elements of Secrets Manager's CloudTrail events spell the
// secret's ARN from now on: ARNKeyCurrent (the default) or ARNKeyLegacy.
func (p *Proxy) SetARNKey(key string) error {
	if key != ARNKeyCurrent && key != ARNKeyLegacy {
		return fmt.Errorf("ARN key %q: use %q (CloudTrail since January 2024) or %q (before)", key, ARNKeyCurrent, ARNKeyLegacy)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.arnKey = key
	return nil
}

// Trail is an emulated CloudTrail trail. None exists unless a test or the harness adds one.
type Trail struct {
	Name string `json:"name"`
	// HomeRegion is where the trail was created; default the proxy's region.
	HomeRegion string `json:"homeRegion,omitempty"`
	// MultiRegion trails log every region's events.
	MultiRegion bool `json:"multiRegion"`
	// Logging is GetTrailStatus's IsLogging.
	Logging bool `json:"logging"`
	// ExcludeManagementEvents makes the trail's event selector leave management events out.
	ExcludeManagementEvents bool `json:"excludeManagementEvents,omitempty"`
}

func (t Trail) arn(account string) string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", t.HomeRegion, account, t.Name)
}

// PutTrail adds or replaces an emulated trail.
func (p *Proxy) PutTrail(t Trail) error {
	if t.Name == "" {
		return fmt.Errorf("a trail needs a name")
	}
	if t.HomeRegion == "" {
		t.HomeRegion = p.opts.Region
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.trails == nil {
		p.trails = map[string]Trail{}
	}
	p.trails[t.Name] = t
	return nil
}

// DeleteTrails removes every emulated trail.
func (p *Proxy) DeleteTrails() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trails = nil
}

// Trails lists the emulated trails by name.
func (p *Proxy) Trails() []Trail {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []Trail{}
	for _, t := range p.trails {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// findTrail finds a trail by name or ARN, as CloudTrail's Name parameters accept either.
func (p *Proxy) findTrail(nameOrARN, account string) (Trail, bool) {
	for _, t := range p.Trails() {
		if t.Name == nameOrARN || t.arn(account) == nameOrARN {
			return t, true
		}
	}
	return Trail{}, false
}

// serveTrailOperation answers DescribeTrails, GetTrailStatus and GetEventSelectors from the
// emulated trails; ok is false for other operations.
//
// Each is authorized first (authorize) as CloudTrail would: DescribeTrails on "*", the others on
// the trail's ARN.
func (p *Proxy) serveTrailOperation(op operation, call *Call, body []byte, header http.Header) (any, *awsError, bool) {
	var request struct {
		Name                string
		TrailName           string
		TrailNameList       []string
		IncludeShadowTrails *bool
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &request); err != nil {
			return nil, &awsError{Code: "SerializationException", Message: "the request is not valid JSON: " + err.Error(), Status: http.StatusBadRequest}, true
		}
	}
	account := call.Identity.AccountID
	notFound := func(name string) *awsError {
		return &awsError{Code: "TrailNotFoundException", Message: fmt.Sprintf("Unknown trail: %s for the user: %s", name, account), Status: http.StatusBadRequest}
	}
	switch op.Name {
	case "DescribeTrails", "GetTrailStatus", "GetEventSelectors":
		resource := "*"
		if name := request.Name + request.TrailName; op.Name != "DescribeTrails" {
			resource = name
			if !strings.HasPrefix(name, "arn:") {
				resource = Trail{Name: name, HomeRegion: op.Region}.arn(account)
			}
		}
		if denied := p.authorize(header, "cloudtrail:"+op.Name, resource); denied != nil {
			return nil, denied, true
		}
	}
	switch op.Name {
	case "DescribeTrails":
		shadows := request.IncludeShadowTrails == nil || *request.IncludeShadowTrails
		list := []map[string]any{}
		for _, t := range p.Trails() {
			if t.HomeRegion != op.Region && (!t.MultiRegion || !shadows) {
				continue
			}
			if len(request.TrailNameList) > 0 && !containsString(request.TrailNameList, t.Name) && !containsString(request.TrailNameList, t.arn(account)) {
				continue
			}
			list = append(list, map[string]any{
				"Name": t.Name, "TrailARN": t.arn(account), "HomeRegion": t.HomeRegion,
				"IsMultiRegionTrail": t.MultiRegion, "IncludeGlobalServiceEvents": true,
				"S3BucketName": "aws-cloudtrail-logs-" + account, "HasCustomEventSelectors": t.ExcludeManagementEvents,
				"IsOrganizationTrail": false, "LogFileValidationEnabled": true,
			})
		}
		return map[string]any{"trailList": list}, nil, true
	case "GetTrailStatus":
		t, found := p.findTrail(request.Name, account)
		if !found {
			return nil, notFound(request.Name), true
		}
		return map[string]any{"IsLogging": t.Logging}, nil, true
	case "GetEventSelectors":
		t, found := p.findTrail(request.TrailName, account)
		if !found {
			return nil, notFound(request.TrailName), true
		}
		return map[string]any{"TrailARN": t.arn(account), "EventSelectors": []map[string]any{{
			"ReadWriteType": "All", "IncludeManagementEvents": !t.ExcludeManagementEvents, "DataResources": []any{},
		}}}, nil, true
	}
	return nil, nil, false
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// serveTrailControl answers /_proxy/trails (GET lists, POST adds a Trail, DELETE removes all) and
// /_proxy/cloudtrail (POST ?arnKey=arn|aRN).
func (p *Proxy) serveTrailControl(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_proxy/cloudtrail" {
		if !allow(w, r, http.MethodPost) {
			return
		}
		if err := p.SetARNKey(r.URL.Query().Get("arnKey")); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, p.Trails())
	case http.MethodPost:
		var t Trail
		if err := json.NewDecoder(r.Body).Decode(&t); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the trail is not valid JSON: " + err.Error()})
			return
		}
		if err := p.PutTrail(t); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		p.DeleteTrails()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET, POST or DELETE on /_proxy/trails"})
	}
}
