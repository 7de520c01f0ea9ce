// Package accessevents lists the recent CloudTrail management events on one Secrets Manager
// secret, newest first, and sums them up per principal. It is framework-free: the
// secretsbundle_access_events data source is a thin shell over List.
//
// CloudTrail's LookupEvents takes one lookup attribute per call, returns at most 50 events per
// page and allows 2 requests per second per account and region, a budget shared with everything
// else the account runs. List therefore pages through a rate limiter, not sleeps, backs off when
// throttled anyway, and stops as soon as it has max events.
package accessevents
