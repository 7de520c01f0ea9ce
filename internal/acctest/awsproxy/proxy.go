package awsproxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	// maxBufferedBody is the largest request body read before forwarding (Lambda's 50 MB zip,
	// base64-encoded, fits). Larger bodies are streamed and their parameters not recorded.
	maxBufferedBody = 128 << 20
	// maxCapturedResponse is how much of a response is kept to read its error code, ARNs and
	// response elements; the client always gets all of it.
	maxCapturedResponse = 1 << 20
	defaultMaxCalls     = 100000
	// lookupEventsPerSecond is CloudTrail's LookupEvents limit per account and region.
	lookupEventsPerSecond = 2
)

// Options configure a Proxy.
type Options struct {
	// Listen is the loopback address to listen on; "127.0.0.1:0" picks a free port.
	Listen string
	// Upstream is LocalStack's URL, e.g. http://127.0.0.1:4566.
	Upstream string
	// Region is assumed for requests whose signature names none. Default us-east-1.
	Region string
	// Account is the account id of the default identity. Default 000000000000.
	Account string
	// EventVisibilityDelay hides calls from LookupEvents until this long after they ended (AWS
	// takes minutes). Default 0.
	EventVisibilityDelay time.Duration
	// DisableEventBridge stops the delivery of CloudTrail events to EventBridge.
	DisableEventBridge bool
	// MaxCalls bounds the record; the oldest calls are forgotten beyond it. Default 100000.
	MaxCalls int
	// AccessLog writes one line per call (no parameters) to Logger.
	AccessLog bool
	// Logger receives delivery failures and the access log. Default: the standard logger.
	Logger *log.Logger
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
	// ARNKey is how Secrets Manager's CloudTrail events spell the secret's ARN in their response
	// elements: ARNKeyCurrent ("arn", the default) or ARNKeyLegacy ("aRN", before January 2024,
	// for the operations AWS lists). SetARNKey changes it while running.
	ARNKey string
	// Trails are the emulated CloudTrail trails at the start; default none.
	Trails []Trail
}

// Proxy is a recording, fault-injecting AWS proxy in front of LocalStack. It is safe for
// concurrent use.
type Proxy struct {
	opts      Options
	upstream  *url.URL
	transport *http.Transport
	reverse   *httputil.ReverseProxy
	ids       *identities
	faults    *faults
	delivery  *delivery
	logger    *log.Logger

	listener  net.Listener
	server    *http.Server
	closeOnce sync.Once

	mu       sync.Mutex
	seq      int64
	calls    []Call // ordered by Seq
	marks    map[string]Mark
	limiters map[string]*rate.Limiter
	arnKey   string
	trails   map[string]Trail
}

type inflightKey struct{}

// inflight is the state of one forwarded call, carried through the reverse proxy's context.
type inflight struct {
	call *Call
	op   operation
}

// New builds a proxy without listening, for use as an http.Handler.
func New(opts Options) (*Proxy, error) {
	if opts.Upstream == "" {
		return nil, errors.New("awsproxy: Options.Upstream is empty: give LocalStack's URL, e.g. http://127.0.0.1:4566")
	}
	upstream, err := url.Parse(opts.Upstream)
	if err != nil || upstream.Scheme == "" || upstream.Host == "" {
		return nil, fmt.Errorf("awsproxy: upstream %q is not an absolute URL such as http://127.0.0.1:4566", opts.Upstream)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.MaxCalls <= 0 {
		opts.MaxCalls = defaultMaxCalls
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ARNKey == "" {
		opts.ARNKey = ARNKeyCurrent
	}
	logger := opts.Logger
	if logger == nil {
		logger = log.Default()
	}
	transport := &http.Transport{
		// Never through an HTTP(S)_PROXY from the environment: the upstream is on loopback.
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
		// Pass Accept-Encoding through untouched, so clients get exactly what they asked for.
		DisableCompression: true,
	}
	httpClient := &http.Client{Transport: transport}
	p := &Proxy{
		opts:      opts,
		upstream:  upstream,
		transport: transport,
		faults:    newFaults(),
		logger:    logger,
		marks:     map[string]Mark{},
		limiters:  map[string]*rate.Limiter{},
	}
	if err := p.SetARNKey(opts.ARNKey); err != nil {
		return nil, fmt.Errorf("awsproxy: %w", err)
	}
	for _, t := range opts.Trails {
		if err := p.PutTrail(t); err != nil {
			return nil, fmt.Errorf("awsproxy: %w", err)
		}
	}
	p.ids = newIdentities(opts.Account, stsLookup(httpClient, opts.Upstream, opts.Account))
	p.reverse = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			// LocalStack builds URLs it returns (SQS queue URLs) from the Host header: keep the
			// client's, so follow-up calls come back through the proxy.
			pr.Out.Host = pr.In.Host
		},
		Transport:      transport,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.upstreamError,
		ErrorLog:       logger,
		BufferPool:     bufferPool{},
	}
	if !opts.DisableEventBridge {
		p.delivery = newDelivery(opts.Upstream, httpClient, logger)
	}
	return p, nil
}

// Start starts a proxy listening on opts.Listen (loopback only). It stops when ctx is done or
// Close is called.
func Start(ctx context.Context, opts Options) (*Proxy, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if err := checkLoopback(opts.Listen); err != nil {
		return nil, err
	}
	p, err := New(opts)
	if err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		p.closeBackground()
		return nil, fmt.Errorf("awsproxy: listening on %s failed (is another proxy running there? stop it or pick another port): %w", opts.Listen, err)
	}
	p.listener = listener
	p.server = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second, ErrorLog: p.logger}
	go func() { _ = p.server.Serve(listener) }()
	context.AfterFunc(ctx, p.Close)
	return p, nil
}

func checkLoopback(listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("awsproxy: listen address %q is not host:port: %w", listen, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("awsproxy: listen address %q is not on loopback: the proxy is test infrastructure and listens on 127.0.0.1 only", listen)
}

// URL is the proxy's base URL, to use as the AWS endpoint.
func (p *Proxy) URL() string {
	if p.listener == nil {
		return ""
	}
	return "http://" + p.listener.Addr().String()
}

// Close stops listening, waits briefly for calls in flight, and delivers the queued events.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() {
		if p.server != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = p.server.Shutdown(ctx)
			cancel()
		}
		p.closeBackground()
	})
}

func (p *Proxy) closeBackground() {
	if p.delivery != nil {
		p.delivery.close()
	}
	p.transport.CloseIdleConnections()
}

// Flush waits until every CloudTrail event recorded so far has been put on EventBridge.
func (p *Proxy) Flush(ctx context.Context) error {
	if p.delivery == nil {
		return nil
	}
	return p.delivery.flush(ctx)
}

// RegisterIdentity makes calls signed with accessKeyID appear as made by identity.
func (p *Proxy) RegisterIdentity(accessKeyID string, identity Identity) {
	p.ids.register(accessKeyID, identity)
}

// AddFault adds a fault rule and returns it with its ID.
func (p *Proxy) AddFault(rule Rule) (Rule, error) { return p.faults.add(rule) }

// Faults lists the fault rules with how often each matched and fired.
func (p *Proxy) Faults() []Rule { return p.faults.list() }

// ClearFault removes one fault rule; it reports whether the rule existed.
func (p *Proxy) ClearFault(id string) bool { return p.faults.remove(id) }

// ClearFaults removes every fault rule.
func (p *Proxy) ClearFaults() { p.faults.clear() }

// Calls returns the record, in arrival order.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// Reset forgets the recorded calls and marks and refills the LookupEvents rate limit. Fault
// rules stay (ClearFaults removes them).
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
	p.marks = map[string]Mark{}
	p.limiters = map[string]*rate.Limiter{}
}

// Mark names the present point of the record. Calls that arrive later come after it.
func (p *Proxy) Mark(name string) Mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	mark := Mark{Name: name, Seq: p.seq, Time: p.opts.Now()}
	p.marks[name] = mark
	return mark
}

// CallsBetween returns the completed calls that arrived after mark from and before mark to. An
// empty from means the beginning of the record, an empty to means now.
func (p *Proxy) CallsBetween(from, to string) ([]Call, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	low, high := int64(0), int64(1<<62)
	if from != "" {
		mark, ok := p.marks[from]
		if !ok {
			return nil, fmt.Errorf("awsproxy: no mark named %q: set it with Mark before the calls", from)
		}
		low = mark.Seq
	}
	if to != "" {
		mark, ok := p.marks[to]
		if !ok {
			return nil, fmt.Errorf("awsproxy: no mark named %q: set it with Mark after the calls", to)
		}
		high = mark.Seq
	}
	var calls []Call
	for _, call := range p.calls {
		if call.Seq > low && call.Seq < high {
			calls = append(calls, call)
		}
	}
	return calls, nil
}

// ServeHTTP proxies one request, or answers it from the control endpoint or the CloudTrail
// emulation.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_proxy/") {
		p.serveControl(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/_localstack/") || strings.HasPrefix(r.URL.Path, "/_aws/") {
		p.reverse.ServeHTTP(w, r)
		return
	}
	start := p.opts.Now()
	var body []byte
	if !isLambdaInvoke(r) && r.Body != nil && r.ContentLength <= maxBufferedBody {
		read, err := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody+1))
		if err != nil {
			http.Error(w, "awsproxy: reading the request body failed: "+err.Error(), http.StatusBadRequest)
			return
		}
		_ = r.Body.Close()
		if len(read) > maxBufferedBody {
			// Chunked and larger than announced: stream the rest without recording it.
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(read), r.Body))
		} else {
			body = read
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
	}
	op := detectOperation(r, body)
	if op.Service == "" || op.Name == "" {
		p.reverse.ServeHTTP(w, r)
		return
	}
	if op.Region == "" {
		op.Region = p.opts.Region
	}
	call := p.begin(r, op, body, start)

	decision := p.faults.decide(call, op, start)
	call.Fault = decision.rule
	if decision.delay > 0 {
		select {
		case <-time.After(decision.delay):
		case <-r.Context().Done():
		}
	}
	switch {
	case decision.after:
		p.answerLate(w, r, call, op, decision)
		return
	case decision.drop:
		call.Status = 0
		call.ErrorCode = "ConnectionDropped"
		call.ErrorMessage = "the awsproxy fault rule " + decision.rule + " closed the connection"
		call.RequestID = newUUID()
		p.finish(call)
		// The server closes the connection without answering when a handler aborts.
		panic(http.ErrAbortHandler)
	case decision.err != nil:
		p.answerError(w, op, call, *decision.err)
		return
	}
	// CloudTrail is answered here, after the fault rules, so that tests can make LookupEvents fail too.
	if op.Service == "cloudtrail" {
		p.serveCloudTrail(w, op, call, body, r.Header)
		return
	}
	ctx := context.WithValue(r.Context(), inflightKey{}, &inflight{call: call, op: op})
	p.reverse.ServeHTTP(w, r.WithContext(ctx))
}

// answerLate forwards the call to LocalStack, so that it acts, then drops the answer or holds it
// for the rule's delay (or until the client gives up) before sending it.
func (p *Proxy) answerLate(w http.ResponseWriter, r *http.Request, call *Call, op operation, decision decision) {
	held := &heldResponse{header: http.Header{}}
	// The record is finished while the answer is read from LocalStack, so the note comes first.
	call.ErrorMessage = "the awsproxy fault rule " + decision.rule + " held the answer after LocalStack acted"
	if decision.drop {
		call.ErrorMessage = "the awsproxy fault rule " + decision.rule + " dropped the answer after LocalStack acted"
	}
	ctx := context.WithValue(context.WithoutCancel(r.Context()), inflightKey{}, &inflight{call: call, op: op})
	p.reverse.ServeHTTP(held, r.WithContext(ctx))
	if decision.drop {
		// The server closes the connection without answering when a handler aborts.
		panic(http.ErrAbortHandler)
	}
	select {
	case <-time.After(decision.afterDelay):
	case <-r.Context().Done():
		panic(http.ErrAbortHandler)
	}
	for key, values := range held.header {
		w.Header()[key] = values
	}
	w.WriteHeader(held.status)
	_, _ = w.Write(held.body.Bytes())
}

// heldResponse keeps an answer in memory for answerLate.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

// begin starts the record of a call.
func (p *Proxy) begin(r *http.Request, op operation, body []byte, start time.Time) *Call {
	var params map[string]any
	switch op.Protocol {
	case protocolJSON:
		params = scrubbedParams(body)
	case protocolQuery:
		params, _ = scrub(op.Params).(map[string]any)
	case protocolREST:
		params = scrubbedParams(body)
		if params == nil && len(op.Params) > 0 {
			params = map[string]any{}
		}
		for key, value := range op.Params {
			params[key] = value
		}
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	call := &Call{
		Start:       start,
		Service:     op.Service,
		Operation:   op.Name,
		Region:      op.Region,
		Protocol:    op.Protocol.String(),
		EventID:     newUUID(),
		AccessKeyID: op.AccessKeyID,
		Identity:    p.ids.resolve(r.Context(), op.AccessKeyID, op.Region),
		SourceIP:    sourceIP,
		UserAgent:   r.Header.Get("User-Agent"),
		Parameters:  params,
		Resources:   requestResources(op.Service, params),
		ReadOnly:    isReadOnly(op.Service, op.Name),
		Management:  isManagement(op.Service, op.Name),
	}
	p.mu.Lock()
	p.seq++
	call.Seq = p.seq
	p.mu.Unlock()
	return call
}

// answerError answers a call with an AWS error and records it.
func (p *Proxy) answerError(w http.ResponseWriter, op operation, call *Call, e awsError) {
	if e.Status == 0 {
		e.Status = defaultStatus(op, e.Code)
	}
	call.RequestID = newUUID()
	writeError(w, op, e, call.RequestID)
	call.Status, call.ErrorCode, call.ErrorMessage = e.Status, e.Code, e.Message
	p.finish(call)
}

func (p *Proxy) modifyResponse(resp *http.Response) error {
	in, ok := resp.Request.Context().Value(inflightKey{}).(*inflight)
	if !ok {
		return nil
	}
	in.call.Status = resp.StatusCode
	for _, name := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id"} {
		if id := resp.Header.Get(name); id != "" {
			in.call.RequestID = id
			break
		}
	}
	capture := in.op.Protocol != protocolREST || !strings.HasPrefix(in.op.Name, "Invoke")
	capture = capture && resp.Header.Get("Content-Encoding") == ""
	header := resp.Header
	resp.Body = &recordingBody{
		body:    resp.Body,
		capture: capture,
		done: func(captured []byte, complete bool) {
			p.complete(in, header, captured, complete)
		},
	}
	return nil
}

func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	in, ok := r.Context().Value(inflightKey{}).(*inflight)
	message := fmt.Sprintf("awsproxy: the upstream %s did not answer (is LocalStack running? `scripts/localstack.sh status`): %v", p.opts.Upstream, err)
	e := awsError{Code: "ServiceUnavailable", Message: message, Status: http.StatusBadGateway}
	if !ok {
		http.Error(w, message, http.StatusBadGateway)
		return
	}
	p.answerError(w, in.op, in.call, e)
}

// complete finishes the record of a forwarded call once its response has been sent.
func (p *Proxy) complete(in *inflight, header http.Header, captured []byte, complete bool) {
	call := in.call
	call.End = p.opts.Now()
	if call.Status >= 300 {
		call.ErrorCode, call.ErrorMessage = responseError(header, captured)
		if call.ErrorCode == "" {
			call.ErrorCode = http.StatusText(call.Status)
		}
		if len(call.ErrorMessage) > 1024 {
			call.ErrorMessage = call.ErrorMessage[:1024]
		}
	} else if complete && len(captured) > 0 {
		p.learn(call, in.op, captured)
	}
	p.finish(call)
}

// learn reads what the record needs from a successful response: the resource's ARN, response
// elements of write calls, the keys AssumeRole issued and the roles CreateRole made.
func (p *Proxy) learn(call *Call, op operation, body []byte) {
	if op.Protocol == protocolQuery {
		switch {
		case op.Service == "sts" && strings.HasPrefix(op.Name, "AssumeRole"):
			key, arn := xmlFirst(body, "AccessKeyId"), xmlFirst(body, "Arn")
			if key != "" && arn != "" {
				p.ids.register(key, identityFromARN(arn, xmlFirst(body, "AssumedRoleId"), p.opts.Account))
			}
		case op.Service == "iam" && strings.HasSuffix(op.Name, "Role") && !strings.HasPrefix(op.Name, "List"):
			arn := xmlFirst(body, "Arn")
			call.Resources = withResponseARN(call.Resources, op.Service, arn)
			if op.Name == "CreateRole" {
				name, _ := call.Parameters["RoleName"].(string)
				p.faults.roleCreated(name, arn, call.End)
			}
		case op.Service == "sns" && op.Name == "CreateTopic":
			call.Resources = withResponseARN(call.Resources, op.Service, xmlFirst(body, "TopicArn"))
		}
		return
	}
	if op.Service == "secretsmanager" && strings.Contains(op.Name, "SecretValue") && call.ReadOnly {
		// Read only the ARN: the rest of the response is the secret.
		var shape struct{ ARN string }
		if json.Unmarshal(body, &shape) == nil {
			call.Resources = withResponseARN(call.Resources, op.Service, shape.ARN)
		}
		return
	}
	var decoded map[string]any
	if json.Unmarshal(body, &decoded) != nil {
		return
	}
	call.Resources = withResponseARN(call.Resources, op.Service, responseResourceARN(op.Service, decoded))
	if !call.ReadOnly {
		call.Response, _ = scrub(decoded).(map[string]any)
	}
}

// finish adds a completed call to the record and hands management events to delivery.
func (p *Proxy) finish(call *Call) {
	if call.End.IsZero() {
		call.End = p.opts.Now()
	}
	p.mu.Lock()
	call.arnKey = p.arnKey
	i := len(p.calls)
	for i > 0 && p.calls[i-1].Seq > call.Seq {
		i--
	}
	p.calls = append(p.calls, Call{})
	copy(p.calls[i+1:], p.calls[i:])
	p.calls[i] = *call
	if over := len(p.calls) - p.opts.MaxCalls; over > 0 {
		p.calls = append(p.calls[:0:0], p.calls[over:]...)
	}
	p.mu.Unlock()
	if p.opts.AccessLog {
		p.logger.Printf("%s %s:%s %d %s key=%s %s", call.Start.UTC().Format(time.RFC3339Nano), call.Service, call.Operation, call.Status, call.ErrorCode, call.AccessKeyID, call.Duration())
	}
	if p.delivery != nil && call.Management && call.Service != "cloudtrail" {
		p.delivery.enqueue(*call)
	}
}

// serveCloudTrail answers CloudTrail requests: LookupEvents from the record, with CloudTrail's
// per-account limit; any other operation is refused, since no trail exists here.
func (p *Proxy) serveCloudTrail(w http.ResponseWriter, op operation, call *Call, body []byte, header http.Header) {
	now := p.opts.Now()
	if op.Name != lookupEventsTarget {
		answer, e, ok := p.serveTrailOperation(op, call, body, header)
		if !ok {
			e = &awsError{Code: "UnsupportedOperationException",
				Message: "the awsproxy test harness emulates only CloudTrail LookupEvents, DescribeTrails, GetTrailStatus and GetEventSelectors, not " + op.Name, Status: http.StatusBadRequest}
		}
		if e != nil {
			p.answerError(w, op, call, *e)
			return
		}
		encoded, _ := json.Marshal(answer)
		p.answerJSON(w, call, encoded)
		return
	}
	if denied := p.authorize(header, "cloudtrail:LookupEvents", "*"); denied != nil {
		p.answerError(w, op, call, *denied)
		return
	}
	if !p.lookupLimiter(call.Identity.AccountID+"/"+op.Region).AllowN(now, 1) {
		p.answerError(w, op, call, awsError{Code: "ThrottlingException", Message: "Rate exceeded", Status: http.StatusBadRequest})
		return
	}
	query, e := parseLookup(body, now)
	if e != nil {
		p.answerError(w, op, call, *e)
		return
	}
	p.mu.Lock()
	response := lookupEvents(p.calls, query, now.Add(-p.opts.EventVisibilityDelay))
	p.mu.Unlock()
	encoded, err := json.Marshal(response)
	if err != nil {
		p.answerError(w, op, call, awsError{Code: "InternalFailure", Message: "awsproxy: encoding the LookupEvents answer failed: " + err.Error(), Status: 500})
		return
	}
	p.answerJSON(w, call, encoded)
}

// answerJSON answers an emulated call with 200 and the JSON protocol's encoded body, and records it.
func (p *Proxy) answerJSON(w http.ResponseWriter, call *Call, encoded []byte) {
	call.RequestID = newUUID()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", call.RequestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(encoded)
	call.Status = http.StatusOK
	p.finish(call)
}

func (p *Proxy) lookupLimiter(key string) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	limiter, ok := p.limiters[key]
	if !ok {
		limiter = rate.NewLimiter(lookupEventsPerSecond, lookupEventsPerSecond)
		p.limiters[key] = limiter
	}
	return limiter
}

// recordingBody passes a response body through and keeps its start for the record, then
// reports once, at the end or on close.
type recordingBody struct {
	body     io.ReadCloser
	capture  bool
	captured bytes.Buffer
	overflow bool
	once     sync.Once
	done     func(captured []byte, complete bool)
}

func (b *recordingBody) Read(buf []byte) (int, error) {
	n, err := b.body.Read(buf)
	if b.capture && n > 0 && !b.overflow {
		if b.captured.Len()+n > maxCapturedResponse {
			b.overflow = true
			b.captured = bytes.Buffer{}
		} else {
			b.captured.Write(buf[:n])
		}
	}
	if err == io.EOF {
		b.report()
	}
	return n, err
}

func (b *recordingBody) Close() error {
	err := b.body.Close()
	b.report()
	return err
}

func (b *recordingBody) report() {
	b.once.Do(func() { b.done(b.captured.Bytes(), b.capture && !b.overflow) })
}

// bufferPool reuses the reverse proxy's copy buffers across requests.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { buf := make([]byte, 32*1024); return &buf }}

func (bufferPool) Get() []byte {
	if buf, ok := copyBuffers.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32*1024)
}

func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
