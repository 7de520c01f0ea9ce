// Package awsrpc sends the few calls of services for which the provider carries no SDK client
// (CloudTrail, RDS): the generated SDK packages of those two services alone made up 4 MB of the
// provider's binary for six read-only operations.
//
// A call goes through the parts of the shared aws.Config an SDK client would use: its credentials
// (signed with the SDK's SigV4 signer), HTTP client (custom CA bundle, proxies), retryer (standard
// or adaptive, max attempts), app id in the User-Agent, and endpoint resolution (the provider's
// endpoints block, AWS_ENDPOINT_URL_<SERVICE> and the profile's services section, AWS_ENDPOINT_URL,
// FIPS, else the partition's regional endpoint). Errors are built as the SDK builds them
// (smithy.OperationError around awshttp.ResponseError around smithy.GenericAPIError), so they read
// the same and errors.As(err, *smithy.APIError) and the SDK's retryables keep working.
package awsrpc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Service names a service the way the SDK does.
type Service struct {
	// ID is the SDK's service id ("CloudTrail", "RDS"): the first word of its errors and the key
	// of AWS_ENDPOINT_URL_<ID> and of the profile's services section.
	ID string
	// SigningName is the SigV4 service name and the endpoint's host prefix ("cloudtrail", "rds").
	SigningName string
	// APIVersion is the User-Agent's api/<name>#<version> token's version.
	APIVersion string
	// ModeledErrors are the error codes the SDK has types for in the operations the provider
	// calls: they read "Code: message", where other codes read "api error Code: message".
	ModeledErrors []string
}

// ModeledError is an error the service's API model declares, worded as the SDK's error types are.
type ModeledError struct {
	Code    string
	Message string
	Fault   smithy.ErrorFault
}

func (e *ModeledError) Error() string                 { return e.Code + ": " + e.Message }
func (e *ModeledError) ErrorCode() string             { return e.Code }
func (e *ModeledError) ErrorMessage() string          { return e.Message }
func (e *ModeledError) ErrorFault() smithy.ErrorFault { return e.Fault }

// Options are a client's settings, as the SDK's <service>.Options.
type Options struct {
	// Region is the region of the endpoint and of the signature.
	Region string
	// BaseEndpoint, when set, replaces endpoint resolution.
	BaseEndpoint *string
	Credentials  aws.CredentialsProvider
	HTTPClient   aws.HTTPClient
	// Retryer decides on retries and their delays; aws.NopRetryer{} makes one attempt.
	Retryer aws.Retryer
	// AppID is appended to the User-Agent as app/<AppID>.
	AppID string
	// UseFIPSEndpoint selects the service's FIPS endpoint when BaseEndpoint is not set.
	UseFIPSEndpoint bool
	// ResultFilter, when set, sees every decoded output before the caller does (the provider's
	// ignore_tags, which the SDK clients apply as middleware).
	ResultFilter func(output any)
}

// OptionsFromConfig are the options an SDK client would take from cfg; baseEndpoint (the provider
// block's endpoint, or nil) takes precedence over everything cfg says about endpoints.
func OptionsFromConfig(cfg aws.Config, svc Service, baseEndpoint *string) Options {
	o := Options{
		Region:       cfg.Region,
		BaseEndpoint: cfg.BaseEndpoint,
		Credentials:  cfg.Credentials,
		HTTPClient:   cfg.HTTPClient,
		AppID:        cfg.AppID,
	}
	if cfg.Retryer != nil {
		o.Retryer = cfg.Retryer()
	}
	// As the SDK's resolveBaseEndpoint: a service's own endpoint (AWS_ENDPOINT_URL_<ID>, the
	// profile's services section) beats AWS_ENDPOINT_URL.
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, own := os.LookupEnv(EndpointEnvVar(svc.ID))
	if !global || own {
		if value, found := serviceBaseEndpoint(cfg.ConfigSources, svc.ID); found {
			o.BaseEndpoint = &value
		}
	}
	if baseEndpoint != nil {
		o.BaseEndpoint = baseEndpoint
	}
	for _, source := range cfg.ConfigSources {
		if p, ok := source.(interface {
			GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
		}); ok {
			if state, found, err := p.GetUseFIPSEndpoint(context.Background()); err == nil && found {
				o.UseFIPSEndpoint = state == aws.FIPSEndpointStateEnabled
				break
			}
		}
	}
	return o
}

// EndpointEnvVar is the SDK's AWS_ENDPOINT_URL_<SERVICE> variable of a service id.
func EndpointEnvVar(serviceID string) string {
	return "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
}

// serviceBaseEndpoint is the SDK's configsources.ResolveServiceBaseEndpoint.
func serviceBaseEndpoint(sources []any, serviceID string) (string, bool) {
	for _, source := range sources {
		if p, ok := source.(interface {
			GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
		}); ok {
			if ignore, found, _ := p.GetIgnoreConfiguredEndpoints(context.Background()); found {
				if ignore {
					return "", false
				}
				break
			}
		}
	}
	for _, source := range sources {
		if p, ok := source.(interface {
			GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
		}); ok {
			value, found, err := p.GetServiceBaseEndpoint(context.Background(), serviceID)
			if err != nil {
				return "", false
			}
			if found {
				return value, true
			}
		}
	}
	return "", false
}

// dnsSuffix is the partition's domain for a region, as the SDK's partitions.json says.
func dnsSuffix(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-iso-"):
		return "c2s.ic.gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "sc2s.sgov.gov"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "cloud.adc-e.uk"
	case strings.HasPrefix(region, "us-isof-"):
		return "csp.hci.ic.gov"
	case strings.HasPrefix(region, "eusc-"):
		return "amazonaws.eu"
	}
	return "amazonaws.com"
}

// Endpoint is the URL a call goes to.
func (o Options) Endpoint(svc Service) (string, error) {
	if o.BaseEndpoint != nil && *o.BaseEndpoint != "" {
		return strings.TrimRight(*o.BaseEndpoint, "/") + "/", nil
	}
	if o.Region == "" {
		// The SDK's own wording for a client without a region.
		return "", errors.New("Invalid Configuration: Missing Region") //nolint:staticcheck // the SDK's message, kept word for word
	}
	host := svc.SigningName
	if o.UseFIPSEndpoint {
		host += "-fips"
	}
	return "https://" + host + "." + o.Region + "." + dnsSuffix(o.Region) + "/", nil
}

// Client sends one service's calls.
type Client struct {
	Service Service
	Options Options
	signer  *v4.Signer
}

// New returns a client of svc with options o, changed by optFns in turn (as the SDK's clients
// take them).
func New(svc Service, o Options, optFns ...func(*Options)) *Client {
	for _, fn := range optFns {
		fn(&o)
	}
	return &Client{Service: svc, Options: o, signer: v4.NewSigner()}
}

// Request is one call on the wire: a POST of Body to the endpoint's root.
type Request struct {
	Operation string
	Header    http.Header
	Body      []byte
}

// Response is a successful call's answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// ErrorDecoder reads a failed response (status ≥ 300) into the service's error code and message,
// and the request id as the SDK reports it (from the X-Amzn-RequestId header).
type ErrorDecoder func(header http.Header, body []byte) (code, message, requestID string)

// Do sends req with the client's retryer, signing every attempt. o overrides the client's options
// for this call.
func (c *Client) Do(ctx context.Context, req Request, decodeError ErrorDecoder, o Options) (*Response, error) {
	resp, err := c.do(ctx, req, decodeError, o)
	if err != nil {
		return nil, &smithy.OperationError{ServiceID: c.Service.ID, OperationName: req.Operation, Err: err}
	}
	return resp, nil
}

func (c *Client) do(ctx context.Context, req Request, decodeError ErrorDecoder, o Options) (*Response, error) {
	endpoint, err := o.Endpoint(c.Service)
	if err != nil {
		return nil, err
	}
	retryer := o.Retryer
	if retryer == nil {
		retryer = aws.NopRetryer{}
	}
	maxAttempts := retryer.MaxAttempts()
	if maxAttempts < 1 {
		maxAttempts = 1
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		releaseRetry := func(error) error { return nil }
		if attempt > 1 {
			var tokenErr error
			releaseRetry, tokenErr = retryer.GetRetryToken(ctx, lastErr)
			if tokenErr != nil {
				return nil, lastErr
			}
			delay, delayErr := retryer.RetryDelay(attempt, lastErr)
			if delayErr != nil {
				return nil, lastErr
			}
			if err := sleep(ctx, delay); err != nil {
				return nil, &aws.RequestCanceledError{Err: err}
			}
		}
		var release func(error) error
		if v2, ok := retryer.(aws.RetryerV2); ok {
			release, err = v2.GetAttemptToken(ctx)
		} else {
			release, err = retryer.GetInitialToken(), nil //nolint:staticcheck // the v1 interface, for retryers without GetAttemptToken
		}
		if err != nil {
			return nil, err
		}
		resp, attemptErr := c.attempt(ctx, endpoint, req, decodeError, o)
		_ = release(attemptErr)
		_ = releaseRetry(attemptErr)
		if attemptErr == nil {
			return resp, nil
		}
		lastErr = attemptErr
		if ctx.Err() != nil || !retryer.IsErrorRetryable(attemptErr) {
			return nil, attemptErr
		}
		if attempt >= maxAttempts {
			if maxAttempts == 1 {
				return nil, attemptErr
			}
			return nil, &retry.MaxAttemptsError{Attempt: attempt, Err: attemptErr}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// userAgent is the SDK's User-Agent in short: the SDK, the platform, the api and the app id.
func (c *Client) userAgent(o Options) string {
	ua := fmt.Sprintf("aws-sdk-go-v2/%s os/%s lang/go#%s md/GOOS#%s md/GOARCH#%s api/%s#%s",
		aws.SDKVersion, runtime.GOOS, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH,
		strings.ToLower(strings.ReplaceAll(c.Service.ID, " ", "")), c.Service.APIVersion)
	if o.AppID != "" {
		ua += " app/" + o.AppID
	}
	return ua
}

func (c *Client) attempt(ctx context.Context, endpoint string, req Request, decodeError ErrorDecoder, o Options) (*Response, error) {
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(req.Body))
	if err != nil {
		return nil, &smithy.SerializationError{Err: err}
	}
	for key, values := range req.Header {
		httpReq.Header[key] = values
	}
	httpReq.Header.Set("User-Agent", c.userAgent(o))
	httpReq.ContentLength = int64(len(req.Body))
	if o.Credentials != nil {
		creds, err := o.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("failed to retrieve credentials: %w", err)
		}
		sum := sha256.Sum256(req.Body)
		if err := c.signer.SignHTTP(ctx, creds, httpReq, hex.EncodeToString(sum[:]), c.Service.SigningName, o.Region, time.Now().UTC()); err != nil {
			return nil, fmt.Errorf("failed to sign request: %w", err)
		}
	}
	client := o.HTTPClient
	if client == nil {
		client = awshttp.NewBuildableClient()
	}
	httpResp, err := client.Do(httpReq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &aws.RequestCanceledError{Err: err}
		}
		return nil, &smithyhttp.RequestSendError{Err: err}
	}
	body, err := io.ReadAll(httpResp.Body)
	_ = httpResp.Body.Close()
	if err != nil {
		return nil, &smithy.DeserializationError{Err: fmt.Errorf("failed to read response body: %w", err)}
	}
	if httpResp.StatusCode < 200 || httpResp.StatusCode >= 300 {
		code, message, requestID := decodeError(httpResp.Header, body)
		if code == "" {
			code = "UnknownError"
			if message == "" {
				message = http.StatusText(httpResp.StatusCode)
			}
		}
		httpResp.Body = io.NopCloser(bytes.NewReader(body))
		var apiErr error = &smithy.GenericAPIError{Code: code, Message: message, Fault: fault(httpResp.StatusCode)}
		if slices.Contains(c.Service.ModeledErrors, code) {
			apiErr = &ModeledError{Code: code, Message: message, Fault: fault(httpResp.StatusCode)}
		}
		return nil, &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{
				Response: &smithyhttp.Response{Response: httpResp},
				Err:      apiErr,
			},
			RequestID: requestID,
		}
	}
	return &Response{StatusCode: httpResp.StatusCode, Header: httpResp.Header, Body: body}, nil
}

func fault(status int) smithy.ErrorFault {
	if status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}
