package hls

import (
	"errors"
	"fmt"
	"time"
)

// Segment counts gohlslib accepts at least: any variant, Low-Latency HLS.
const (
	minSegments   = 3
	minLLSegments = 7
)

// Config tunes the HLS muxers.
type Config struct {
	// SegmentCount is how many segments a playlist lists.
	SegmentCount int `yaml:"segment_count"`
	// SegmentMinDuration is the shortest segment; segments cut on the first
	// keyframe past it.
	SegmentMinDuration time.Duration `yaml:"segment_min_duration"`
	// PartMinDuration is the shortest Low-Latency HLS part.
	PartMinDuration time.Duration `yaml:"part_min_duration"`
	// IdleTimeout closes a muxer that got no HTTP request for this long.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// StartTimeout bounds how long a playlist request waits for a muxer
	// that is starting to have its first segment.
	StartTimeout time.Duration `yaml:"start_timeout"`
}

// DefaultConfig returns the defaults: 7 segments of at least 1s, parts of
// at least 200ms, muxers closed after 30s without requests, 10s to start.
func DefaultConfig() Config {
	return Config{
		SegmentCount:       7,
		SegmentMinDuration: time.Second,
		PartMinDuration:    200 * time.Millisecond,
		IdleTimeout:        30 * time.Second,
		StartTimeout:       10 * time.Second,
	}
}

// Validate reports values that are set but unusable. Zero values are fine:
// they take the defaults.
func (c Config) Validate() error {
	var errs []error
	if c.SegmentCount != 0 && c.SegmentCount < minLLSegments {
		errs = append(errs, fmt.Errorf("segment_count %d: Low-Latency HLS needs at least %d", c.SegmentCount, minLLSegments))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"segment_min_duration", c.SegmentMinDuration},
		{"part_min_duration", c.PartMinDuration},
		{"idle_timeout", c.IdleTimeout},
		{"start_timeout", c.StartTimeout},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must not be negative", d.name, d.v))
		}
	}
	if c.PartMinDuration > 0 && c.SegmentMinDuration > 0 && c.PartMinDuration > c.SegmentMinDuration {
		errs = append(errs, fmt.Errorf("part_min_duration %v: longer than segment_min_duration %v", c.PartMinDuration, c.SegmentMinDuration))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("hls config: %w", err)
	}
	return nil
}

// withDefaults fills zero (or unusable) values with the defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.SegmentCount <= 0 {
		c.SegmentCount = d.SegmentCount
	}
	c.SegmentCount = max(c.SegmentCount, minSegments)
	if c.SegmentMinDuration <= 0 {
		c.SegmentMinDuration = d.SegmentMinDuration
	}
	if c.PartMinDuration <= 0 {
		c.PartMinDuration = d.PartMinDuration
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = d.StartTimeout
	}
	return c
}
