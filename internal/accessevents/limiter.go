package accessevents

import (
	"sync"

	"golang.org/x/time/rate"
)

// RequestsPerSecond is CloudTrail's LookupEvents limit per account and region.
const RequestsPerSecond = 2

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
		limiter = rate.NewLimiter(rate.Limit(RequestsPerSecond), 1)
		limiters[key] = limiter
	}
	return limiter
}
