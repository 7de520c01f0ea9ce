// Package awsproxy is test infrastructure, not part of the provider: an HTTP reverse proxy that
// sits in front of LocalStack on a loopback port and adds what LocalStack 4.14 lacks.
//
// It records every AWS API call that passes through it (service, operation, caller identity,
// resources, request parameters without secret values, status and AWS error code), computes
// call-graph figures from that record (calls per operation, in-flight concurrency, sequential
// rounds), injects faults by rule (AWS errors in each protocol's shape, throttling, delays,
// dropped connections, IAM role propagation delay), answers CloudTrail LookupEvents from the record
// with CloudTrail's shape and request limit, and puts write management events on LocalStack's
// default EventBridge bus as "AWS API Call via CloudTrail" so rules on CloudTrail events fire.
//
// Tests use it in-process through Start, or reach the instance that `scripts/localstack.sh up`
// runs (cmd/awsproxy) through its /_proxy/ HTTP endpoint; README.md in this directory documents
// both. Never point production traffic at it: it does not check signatures and keeps every call in
// memory.
package awsproxy
