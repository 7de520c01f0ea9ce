package accessevents

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RequestsPerSecond is CloudTrail's LookupEvents limit per account and region.
const RequestsPerSecond = 2

// requestInterval spaces requests 10% wider than the limit allows, so that up to 100 ms of
// scheduling or network jitter never puts 3 arrivals in one second at CloudTrail's end (2% left
// 20 ms, which a busy machine exceeded: the harness saw 3 arrivals in one second).
const requestInterval = time.Second * 110 / (100 * RequestsPerSecond)

var (
	limitersMu sync.Mutex
	limiters   = map[string]*rate.Limiter{}
)

// SharedLimiter returns the process's limiter for one account and region ("123456789012/us-east-1"),
// so that every data source reading in parallel in one Terraform run shares the account's budget.
// The burst is 1: a burst of 2 would allow 3 requests in some one-second windows.
func SharedLimiter(key string) *rate.Limiter {
	limitersMu.Lock()
	defer limitersMu.Unlock()
	limiter, ok := limiters[key]
	if !ok {
		limiter = NewLimiter()
		limiters[key] = limiter
	}
	return limiter
}

// NewLimiter returns a limiter that paces LookupEvents requests for one account and region.
func NewLimiter() *rate.Limiter { return rate.NewLimiter(rate.Every(requestInterval), 1) }
