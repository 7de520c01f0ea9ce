package accessevents

import (
	"slices"
	"strings"
	"time"
)

// Principal sums up the events of one caller: the answer to "who has been reading this secret".
type Principal struct {
	PrincipalARN      string
	PrincipalType     string
	Username          string
	EventCount        int
	FirstEventTime    time.Time
	LastEventTime     time.Time
	SourceIPAddresses []string
}

// Principals groups events by principal ARN, most recently active first. Source addresses are
// sorted and unique.
func Principals(events []Event) []Principal {
	byARN := map[string]*Principal{}
	var order []string
	for _, event := range events {
		p, ok := byARN[event.PrincipalARN]
		if !ok {
			p = &Principal{PrincipalARN: event.PrincipalARN, PrincipalType: event.PrincipalType, Username: event.Username,
				FirstEventTime: event.EventTime, LastEventTime: event.EventTime}
			byARN[event.PrincipalARN] = p
			order = append(order, event.PrincipalARN)
		}
		p.EventCount++
		if event.EventTime.Before(p.FirstEventTime) {
			p.FirstEventTime = event.EventTime
		}
		if event.EventTime.After(p.LastEventTime) {
			p.LastEventTime = event.EventTime
			p.Username = firstOf(event.Username, p.Username)
		}
		if event.SourceIPAddress != "" && !slices.Contains(p.SourceIPAddresses, event.SourceIPAddress) {
			p.SourceIPAddresses = append(p.SourceIPAddresses, event.SourceIPAddress)
		}
	}
	principals := make([]Principal, 0, len(order))
	for _, arn := range order {
		p := byARN[arn]
		slices.Sort(p.SourceIPAddresses)
		principals = append(principals, *p)
	}
	slices.SortStableFunc(principals, func(a, b Principal) int {
		if c := b.LastEventTime.Compare(a.LastEventTime); c != 0 {
			return c
		}
		return strings.Compare(a.PrincipalARN, b.PrincipalARN)
	})
	return principals
}
