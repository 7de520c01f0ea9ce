package awsclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	eventbridgetypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/net/http/httpproxy"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/awsclient/cloudwatchlogs"
)

// AssumeRoleWithWebIdentity mirrors the provider's assume_role_with_web_identity block: the
// credentials come from STS AssumeRoleWithWebIdentity with an OIDC token (CI such as GitHub
// Actions), not from the credential chain. Empty fields fall back to AWS_ROLE_ARN,
// AWS_ROLE_SESSION_NAME and AWS_WEB_IDENTITY_TOKEN_FILE, as in the AWS provider.
type AssumeRoleWithWebIdentity struct {
	RoleARN              string
	SessionName          string
	WebIdentityToken     string
	WebIdentityTokenFile string
	Duration             time.Duration
	Policy               string
	PolicyARNs           []string
}

// IgnoreTags are tags the provider neither reads nor removes: a key in Keys, or a key starting
// with one of KeyPrefixes, is dropped from every tag list an AWS answer carries.
type IgnoreTags struct {
	Keys        []string
	KeyPrefixes []string
}

// Ignored reports whether key is ignored.
func (t *IgnoreTags) Ignored(key string) bool {
	if t == nil {
		return false
	}
	if slices.Contains(t.Keys, key) {
		return true
	}
	for _, prefix := range t.KeyPrefixes {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

// Retry modes, as the SDK and AWS_RETRY_MODE name them.
const (
	RetryModeStandard = "standard"
	RetryModeAdaptive = "adaptive"
)

// RetryModes are the values retry_mode accepts.
var RetryModes = []string{RetryModeStandard, RetryModeAdaptive}

// retryMode is the configured mode, else AWS_RETRY_MODE, else adaptive (the provider's default).
func retryMode(c Config) (string, error) {
	mode, source := c.RetryMode, "retry_mode"
	if mode == "" {
		mode, source = os.Getenv("AWS_RETRY_MODE"), "AWS_RETRY_MODE"
	}
	if mode == "" {
		return RetryModeAdaptive, nil
	}
	if !slices.Contains(RetryModes, mode) {
		return "", fmt.Errorf("%s is %q: must be one of %s", source, mode, strings.Join(RetryModes, ", "))
	}
	return mode, nil
}

// httpClientOption returns the SDK's HTTP client with the proxy settings, when any is given in the
// provider block; otherwise nil, and the SDK's own client honours HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY.
func httpClientOption(c Config) (config.LoadOptionsFunc, error) {
	if c.HTTPProxy == nil && c.HTTPSProxy == nil && c.NoProxy == nil {
		return nil, nil
	}
	proxy := httpproxy.FromEnvironment()
	if c.HTTPProxy != nil {
		proxy.HTTPProxy = *c.HTTPProxy
	}
	if c.HTTPSProxy != nil {
		proxy.HTTPSProxy = *c.HTTPSProxy
	}
	if c.NoProxy != nil {
		proxy.NoProxy = *c.NoProxy
	}
	for name, value := range map[string]string{"http_proxy": proxy.HTTPProxy, "https_proxy": proxy.HTTPSProxy} {
		if value == "" {
			continue
		}
		if u, err := url.Parse(value); err != nil || u.Host == "" {
			return nil, fmt.Errorf("%s %q is not a proxy URL such as http://proxy.example.com:3128", name, value)
		}
	}
	proxyFor := proxy.ProxyFunc()
	client := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.Proxy = func(r *http.Request) (*url.URL, error) { return proxyFor(r.URL) }
	})
	return config.WithHTTPClient(client), nil
}

// caBundleOption reads custom_ca_bundle (AWS_CA_BUNDLE is read by the SDK itself).
func caBundleOption(c Config) (config.LoadOptionsFunc, error) {
	if c.CustomCABundle == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(c.CustomCABundle)
	if err != nil {
		return nil, fmt.Errorf("reading custom_ca_bundle: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("custom_ca_bundle %s holds no PEM certificate", c.CustomCABundle)
	}
	return config.WithCustomCABundle(strings.NewReader(string(pem))), nil
}

// stsClient is the STS client for assuming roles and GetCallerIdentity: the sts endpoint and
// sts_region when given.
func stsClient(cfg aws.Config, c Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		setEndpoint(c, "sts", &o.BaseEndpoint)
		if c.STSRegion != "" {
			o.Region = c.STSRegion
		}
	})
}

// webIdentityCredentials replaces the chain's credentials with those of the web identity's role.
func webIdentityCredentials(cfg aws.Config, c Config) (aws.CredentialsProvider, error) {
	w := *c.AssumeRoleWithWebIdentity
	if w.RoleARN == "" {
		w.RoleARN = os.Getenv("AWS_ROLE_ARN")
	}
	if w.SessionName == "" {
		w.SessionName = os.Getenv("AWS_ROLE_SESSION_NAME")
	}
	if w.WebIdentityToken == "" && w.WebIdentityTokenFile == "" {
		w.WebIdentityTokenFile = os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE")
	}
	if w.RoleARN == "" {
		return nil, errors.New("assume_role_with_web_identity needs role_arn (or AWS_ROLE_ARN)")
	}
	var token stscreds.IdentityTokenRetriever
	switch {
	case w.WebIdentityToken != "":
		token = staticToken(w.WebIdentityToken)
	case w.WebIdentityTokenFile != "":
		token = stscreds.IdentityTokenFile(w.WebIdentityTokenFile)
	default:
		return nil, errors.New("assume_role_with_web_identity needs web_identity_token or web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE)")
	}
	return aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(stsClient(cfg, c), w.RoleARN, token, func(o *stscreds.WebIdentityRoleOptions) {
		if w.SessionName != "" {
			o.RoleSessionName = w.SessionName
		}
		if w.Duration > 0 {
			o.Duration = w.Duration
		}
		if w.Policy != "" {
			o.Policy = aws.String(w.Policy)
		}
		o.PolicyARNs = policyARNs(w.PolicyARNs)
	})), nil
}

type staticToken string

func (t staticToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

// checkAccount applies allowed_account_ids and forbidden_account_ids, as the AWS provider does.
func checkAccount(c Config, accountID string) error {
	if slices.Contains(c.ForbiddenAccountIDs, accountID) {
		return fmt.Errorf("forbidden account ID (%s): the credentials belong to an account in forbidden_account_ids", accountID)
	}
	if len(c.AllowedAccountIDs) > 0 && !slices.Contains(c.AllowedAccountIDs, accountID) {
		return fmt.Errorf("account ID not allowed (%s): the credentials belong to an account that is not in allowed_account_ids (%s)", accountID, strings.Join(c.AllowedAccountIDs, ", "))
	}
	return nil
}

// PartitionOfARN is the partition of an ARN (aws, aws-cn, aws-us-gov, aws-iso, ...), parsed with
// the SDK's arn package, which knows every partition; "" when arnString is not an ARN.
func PartitionOfARN(arnString string) string {
	a, err := arn.Parse(arnString)
	if err != nil {
		return ""
	}
	return a.Partition
}

// ignoreTagsMiddleware drops ignored tags from the answers that carry a part's tags.
func ignoreTagsMiddleware(t *IgnoreTags) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("secretsbundleIgnoreTags",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, metadata, err := next.HandleInitialize(ctx, in)
				if err == nil {
					filterTags(t, out.Result)
				}
				return out, metadata, err
			}), middleware.After)
	}
}

func filterTags(t *IgnoreTags, result any) {
	switch r := result.(type) {
	case *secretsmanager.DescribeSecretOutput:
		r.Tags = slices.DeleteFunc(r.Tags, func(tag smtypes.Tag) bool { return t.Ignored(aws.ToString(tag.Key)) })
	case *lambda.GetFunctionOutput:
		filterMap(t, r.Tags)
	case *lambda.ListTagsOutput:
		filterMap(t, r.Tags)
	case *iam.GetRoleOutput:
		if r.Role != nil {
			r.Role.Tags = slices.DeleteFunc(r.Role.Tags, func(tag iamtypes.Tag) bool { return t.Ignored(aws.ToString(tag.Key)) })
		}
	case *iam.ListRoleTagsOutput:
		r.Tags = slices.DeleteFunc(r.Tags, func(tag iamtypes.Tag) bool { return t.Ignored(aws.ToString(tag.Key)) })
	case *sns.ListTagsForResourceOutput:
		r.Tags = slices.DeleteFunc(r.Tags, func(tag snstypes.Tag) bool { return t.Ignored(aws.ToString(tag.Key)) })
	case *eventbridge.ListTagsForResourceOutput:
		r.Tags = slices.DeleteFunc(r.Tags, func(tag eventbridgetypes.Tag) bool { return t.Ignored(aws.ToString(tag.Key)) })
	case *cloudwatchlogs.ListTagsForResourceOutput:
		filterMap(t, r.Tags)
	}
}

func filterMap(t *IgnoreTags, tags map[string]string) {
	for key := range tags {
		if t.Ignored(key) {
			delete(tags, key)
		}
	}
}

func policyARNs(arns []string) []ststypes.PolicyDescriptorType {
	var out []ststypes.PolicyDescriptorType
	for _, a := range arns {
		out = append(out, ststypes.PolicyDescriptorType{Arn: aws.String(a)})
	}
	return out
}
