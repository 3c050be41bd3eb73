package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// load is one run: n viewers of one target, joining over ramp, all
// stopping together at start+duration. Rates are compared over a steady
// window, the last 3/4 of the time after the ramp: every viewer is in by
// then and past the burst of the cached GOP it got on joining.
type load struct {
	t        target
	n        int
	ramp     time.Duration
	duration time.Duration
	trackTS  bool
	yield    bool
}

// run starts the viewers and returns their results once every viewer
// stopped (fewer than n when interrupted during the ramp), with the
// steady window.
func (l load) run(ctx context.Context) (results []result, steadyFrom, end time.Time) {
	parent := ctx
	start := time.Now()
	end = start.Add(l.duration)
	steadyFrom = start.Add(l.ramp + (l.duration-l.ramp)/4)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var steady atomic.Bool
	defer time.AfterFunc(time.Until(steadyFrom), func() { steady.Store(true) }).Stop()
	results = make([]result, l.n)
	var wg sync.WaitGroup
	v := viewer{t: l.t, end: end, trackTS: l.trackTS, steady: &steady, yield: l.yield}
	for i := range l.n {
		if l.ramp > 0 && l.n > 1 {
			at := start.Add(l.ramp * time.Duration(i) / time.Duration(l.n))
			select {
			case <-time.After(time.Until(at)):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			results = results[:i]
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = v.run(ctx)
		}()
	}
	wg.Wait()
	if now := time.Now(); parent.Err() != nil && now.Before(end) { // interrupted
		end = now
	}
	return results, steadyFrom, end
}
