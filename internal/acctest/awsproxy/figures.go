package awsproxy

import (
	"sort"
	"time"
)

// CallsPerOperation counts calls by "service:Operation".
func CallsPerOperation(calls []Call) map[string]int {
	counts := map[string]int{}
	for _, call := range calls {
		counts[call.Key()]++
	}
	return counts
}

// MaxConcurrency is the largest number of calls that were in flight at the same moment. A call
// that ends exactly when another starts does not overlap it.
func MaxConcurrency(calls []Call) int {
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(calls))
	for _, call := range calls {
		edges = append(edges, edge{call.Start, +1}, edge{call.End, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at.Equal(edges[j].at) {
			return edges[i].delta < edges[j].delta // ends before starts at the same instant
		}
		return edges[i].at.Before(edges[j].at)
	})
	inFlight, most := 0, 0
	for _, e := range edges {
		inFlight += e.delta
		most = max(most, inFlight)
	}
	return most
}

// SequentialRounds counts the sequential rounds of round trips among calls: a round is a set of
// calls whose time spans overlap or that start before the round's slowest call has ended; the
// next round starts with the first call that starts after that. It is what a caller waited for
// in sequence: N independent calls made at once are 1 round, N calls made one after another are N.
func SequentialRounds(calls []Call) int {
	sorted := append([]Call(nil), calls...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start.Before(sorted[j].Start) })
	rounds := 0
	var roundEnd time.Time
	for i, call := range sorted {
		if i == 0 || !call.Start.Before(roundEnd) {
			rounds++
			roundEnd = call.End
			continue
		}
		if call.End.After(roundEnd) {
			roundEnd = call.End
		}
	}
	return rounds
}
