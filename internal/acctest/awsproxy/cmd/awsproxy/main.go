// Command awsproxy runs the harness's AWS proxy (package awsproxy) in front of LocalStack. It is
// test infrastructure: `scripts/localstack.sh up` starts it on 127.0.0.1:4567.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/secretsbundle/terraform-provider-secretsbundle/internal/acctest/awsproxy"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:4567", "loopback address to listen on")
	upstream := flag.String("upstream", "http://127.0.0.1:4566", "LocalStack's URL")
	region := flag.String("region", "us-east-1", "region of requests whose signature names none")
	account := flag.String("account", "000000000000", "account id of the default identity")
	visibility := flag.Duration("event-visibility-delay", 0, "how long after a call its CloudTrail event becomes visible to LookupEvents")
	noEventBridge := flag.Bool("no-eventbridge", false, "do not put CloudTrail events on LocalStack's default event bus")
	accessLog := flag.Bool("access-log", false, "log one line per proxied call")
	arnKey := flag.String("cloudtrail-arn-key", envOr("AWSPROXY_CLOUDTRAIL_ARN_KEY", awsproxy.ARNKeyCurrent),
		"how Secrets Manager's CloudTrail events spell the secret's ARN in responseElements: arn (since 2024) or aRN (before, for the operations AWS lists); env AWSPROXY_CLOUDTRAIL_ARN_KEY")
	quotas := flag.Bool("quotas", envOr("AWSPROXY_QUOTAS", "") == "1",
		"enforce AWS's request quotas (the table in quotas.go) with the services' throttling errors; env AWSPROXY_QUOTAS=1; POST /_proxy/quotas switches it while running")
	flag.Parse()

	logger := log.New(os.Stderr, "awsproxy: ", log.LstdFlags)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	proxy, err := awsproxy.Start(ctx, awsproxy.Options{
		Listen:               *listen,
		Upstream:             *upstream,
		Region:               *region,
		Account:              *account,
		EventVisibilityDelay: *visibility,
		DisableEventBridge:   *noEventBridge,
		AccessLog:            *accessLog,
		ARNKey:               *arnKey,
		Quotas:               *quotas,
		Logger:               logger,
	})
	if err != nil {
		logger.Fatal(err)
	}
	logger.Printf("listening on %s, forwarding to %s (test infrastructure: not for production traffic)", proxy.URL(), *upstream)
	<-ctx.Done()
	logger.Print("stopping")
	done := make(chan struct{})
	go func() { proxy.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		logger.Print("calls in flight did not finish within 10s; exiting anyway")
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
