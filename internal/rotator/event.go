package rotator

// Event is what Secrets Manager sends the rotation function for each step.
type Event struct {
	Step               string `json:"Step"`
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	// RotationToken is set by Secrets Manager for functions in another account; it must be
	// passed back on PutSecretValue.
	RotationToken string `json:"RotationToken,omitempty"`
}

type step string

const (
	stepCreate step = "createSecret"
	stepSet    step = "setSecret"
	stepTest   step = "testSecret"
	stepFinish step = "finishSecret"
)

// stepNames accepts both spellings: Secrets Manager sends camelCase, and the AWS templates (and
// some hand-written invokers) use snake_case.
var stepNames = map[string]step{
	"createSecret":  stepCreate,
	"create_secret": stepCreate,
	"setSecret":     stepSet,
	"set_secret":    stepSet,
	"testSecret":    stepTest,
	"test_secret":   stepTest,
	"finishSecret":  stepFinish,
	"finish_secret": stepFinish,
}

func (e Event) validate() (step, error) {
	if e.SecretID == "" || e.ClientRequestToken == "" {
		return "", failure(CodeInvalidEvent,
			"the rotation event lacks SecretId or ClientRequestToken; the function must be invoked by Secrets Manager's rotation with {Step, SecretId, ClientRequestToken}")
	}
	s, ok := stepNames[e.Step]
	if !ok {
		return "", failure(CodeUnknownStep,
			"unknown rotation step %q for secret %s; expected createSecret, setSecret, testSecret or finishSecret", e.Step, e.SecretID)
	}
	return s, nil
}
