package replay

import (
	"errors"
	"fmt"
	"time"
)

// Config tunes the recorder.
type Config struct {
	// Dir holds the recordings; "" means {data_dir}/replay (set by the
	// gateway).
	Dir string `yaml:"dir"`
	// SegmentDuration is the target segment length: segments are cut at
	// the first video keyframe past it (so they are as long as the GOP when
	// the GOP is longer).
	SegmentDuration time.Duration `yaml:"segment_duration"`
	// RecordAll records every published key; otherwise only the keys
	// passed to Recorder.Start are recorded.
	RecordAll bool `yaml:"record_all"`
	// MaxAge deletes finished recordings that ended longer ago than this;
	// 0 keeps them forever.
	MaxAge time.Duration `yaml:"max_age"`
}

// DefaultConfig returns the defaults: 4 s segments, only the keys asked
// for, kept forever.
func DefaultConfig() Config {
	return Config{SegmentDuration: 4 * time.Second}
}

// Validate reports the first unusable value. A zero SegmentDuration takes
// the default.
func (c Config) Validate() error {
	var errs []error
	if c.SegmentDuration < 0 || (c.SegmentDuration > 0 && c.SegmentDuration < 500*time.Millisecond) {
		errs = append(errs, fmt.Errorf("segment_duration %v: must be at least 500ms", c.SegmentDuration))
	}
	if c.SegmentDuration > time.Minute {
		errs = append(errs, fmt.Errorf("segment_duration %v: must be at most 1m", c.SegmentDuration))
	}
	if c.MaxAge < 0 {
		errs = append(errs, fmt.Errorf("max_age %v: must not be negative (0 keeps recordings)", c.MaxAge))
	}
	if c.MaxAge > 0 && c.MaxAge < time.Minute {
		errs = append(errs, fmt.Errorf("max_age %v: must be at least 1m", c.MaxAge))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.SegmentDuration == 0 {
		c.SegmentDuration = DefaultConfig().SegmentDuration
	}
	return c
}
