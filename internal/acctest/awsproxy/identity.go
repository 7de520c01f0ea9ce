package awsproxy

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Identity is who made a call, as CloudTrail's userIdentity shows it.
type Identity struct {
	// Type is CloudTrail's userIdentity.type: Root, IAMUser or AssumedRole.
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	// UserName is the IAM user name, "root", or the role session name of an assumed role: what
	// LookupEvents shows as Username.
	UserName string `json:"userName,omitempty"`
	// IssuerARN is an assumed role's role ARN with its path, where known; CloudTrail records it as
	// userIdentity.sessionContext.sessionIssuer.arn.
	IssuerARN string `json:"-"`
}

// identities maps access key ids to identities. Keys registered by tests win; keys issued by an
// AssumeRole that went through the proxy are learned from its response; any other key except the
// default one is asked of the upstream's STS once (LocalStack remembers the keys it issued, also
// those it gives to Lambda functions), and the answer is cached.
type identities struct {
	account string
	lookup  func(ctx context.Context, accessKeyID, region string) (Identity, bool)

	mu    sync.Mutex
	known map[string]Identity
}

func newIdentities(account string, lookup func(ctx context.Context, accessKeyID, region string) (Identity, bool)) *identities {
	return &identities{account: account, lookup: lookup, known: map[string]Identity{}}
}

func (ids *identities) root() Identity {
	return Identity{
		Type:        "Root",
		PrincipalID: ids.account,
		ARN:         "arn:aws:iam::" + ids.account + ":root",
		AccountID:   ids.account,
		UserName:    "root",
	}
}

func (ids *identities) register(accessKeyID string, identity Identity) {
	if identity.AccountID == "" {
		identity.AccountID = ids.account
	}
	ids.mu.Lock()
	defer ids.mu.Unlock()
	ids.known[accessKeyID] = identity
}

func (ids *identities) resolve(ctx context.Context, accessKeyID, region string) Identity {
	ids.mu.Lock()
	identity, ok := ids.known[accessKeyID]
	ids.mu.Unlock()
	if ok {
		return identity
	}
	if accessKeyID == "" || accessKeyID == "test" {
		return ids.root()
	}
	identity, ok = ids.lookup(ctx, accessKeyID, region)
	if !ok {
		// The upstream did not know the key (or did not answer): keep the call attributable to the
		// key itself, as CloudTrail would for a temporary credential it cannot name.
		identity = ids.root()
		if strings.HasPrefix(accessKeyID, "ASIA") || strings.HasPrefix(accessKeyID, "LSIA") {
			identity = Identity{Type: "AssumedRole", PrincipalID: accessKeyID, ARN: identity.ARN, AccountID: ids.account, UserName: accessKeyID}
		}
	}
	ids.register(accessKeyID, identity)
	return identity
}

// identityFromARN builds the CloudTrail identity of a caller from the ARN STS reports for it.
func identityFromARN(arn, principalID, account string) Identity {
	identity := Identity{ARN: arn, PrincipalID: principalID, AccountID: account}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[4] != "" {
		identity.AccountID = parts[4]
	}
	resource := ""
	if len(parts) == 6 {
		resource = parts[5]
	}
	switch {
	case strings.HasPrefix(resource, "assumed-role/"):
		identity.Type = "AssumedRole"
		segments := strings.Split(resource, "/")
		identity.UserName = segments[len(segments)-1]
	case strings.HasPrefix(resource, "user/"):
		identity.Type = "IAMUser"
		segments := strings.Split(resource, "/")
		identity.UserName = segments[len(segments)-1]
	default:
		identity.Type = "Root"
		identity.UserName = "root"
	}
	return identity
}

// stsLookup asks the upstream's STS who an access key belongs to. LocalStack does not check
// signatures, so the unknown secret key does not matter.
func stsLookup(httpClient aws.HTTPClient, upstream, account string) func(ctx context.Context, accessKeyID, region string) (Identity, bool) {
	return func(ctx context.Context, accessKeyID, region string) (Identity, bool) {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		client := sts.New(sts.Options{
			Region:       region,
			BaseEndpoint: aws.String(upstream),
			HTTPClient:   httpClient,
			Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, "awsproxy-lookup", ""),
		})
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || out.Arn == nil {
			return Identity{}, false
		}
		return identityFromARN(aws.ToString(out.Arn), aws.ToString(out.UserId), account), true
	}
}
