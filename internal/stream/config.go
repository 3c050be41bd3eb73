package stream

import "time"

// Config bounds the memory of a stream and the patience with slow readers.
type Config struct {
	// RingUnits is the number of units the shared ring holds (rounded up to a
	// power of two). It bounds how far any reader can lag.
	RingUnits int `yaml:"ring_units"`
	// RingBytes bounds the payload bytes the ring holds.
	RingBytes int `yaml:"ring_bytes"`
	// GOPMaxBytes and GOPMaxDuration bound the GOP a new reader starts with;
	// past them a new reader waits for the next keyframe instead.
	GOPMaxBytes    int           `yaml:"gop_max_bytes"`
	GOPMaxDuration time.Duration `yaml:"gop_max_duration"`
	// ReaderMaxLag is how far (in media time) a reader may fall behind the
	// live edge before it skips forward to a keyframe.
	ReaderMaxLag time.Duration `yaml:"reader_max_lag"`
	// ReaderMaxSkips within SkipWindow closes a reader as too slow.
	ReaderMaxSkips int           `yaml:"reader_max_skips"`
	SkipWindow     time.Duration `yaml:"skip_window"`
	// ReconnectGrace keeps a stream (and its viewers) alive after its
	// publisher dropped without unpublishing, so a reconnect resumes it.
	ReconnectGrace time.Duration `yaml:"reconnect_grace"`
	// BusyWindow: a live key whose publisher sent media within this window is
	// busy; a publisher silent for longer is taken over by a new one.
	BusyWindow time.Duration `yaml:"busy_window"`
	// AudioWake is how long audio units of a stream with video may wait for
	// the next video unit before readers are woken: audio then rides with
	// the picture, halving wake-ups and writes per viewer (fan-out). 0 means
	// the default (50 ms); a negative value wakes readers on every unit (a
	// relay with one reader, where latency matters more).
	AudioWake time.Duration `yaml:"audio_wake"`
	// MergeWrite wakes readers at most once per this much media time, so a
	// viewer writes several frames per syscall ("merged write", as SRS
	// does): with thousands of viewers the per-wake write is the cost. It
	// adds up to this much latency. 0 means the default (66 ms, two frames
	// at 30 fps); a negative value turns it off (then AudioWake applies).
	MergeWrite time.Duration `yaml:"merge_write"`
}

// DefaultConfig returns the defaults used by the gateway and the agent.
func DefaultConfig() Config {
	return Config{
		RingUnits:      2048, // 20 s of 30 fps video with 48 kHz AAC
		RingBytes:      32 << 20,
		GOPMaxBytes:    16 << 20,
		GOPMaxDuration: 10 * time.Second,
		ReaderMaxLag:   4 * time.Second,
		ReaderMaxSkips: 3,
		SkipWindow:     30 * time.Second,
		ReconnectGrace: 5 * time.Second,
		BusyWindow:     2 * time.Second,
		AudioWake:      50 * time.Millisecond,
		MergeWrite:     66 * time.Millisecond,
	}
}

func (c *Config) withDefaults() Config {
	d := DefaultConfig()
	out := *c
	if out.RingUnits <= 0 {
		out.RingUnits = d.RingUnits
	}
	n := 1
	for n < out.RingUnits {
		n <<= 1
	}
	out.RingUnits = n
	if out.RingBytes <= 0 {
		out.RingBytes = d.RingBytes
	}
	if out.GOPMaxBytes <= 0 {
		out.GOPMaxBytes = d.GOPMaxBytes
	}
	if out.GOPMaxDuration <= 0 {
		out.GOPMaxDuration = d.GOPMaxDuration
	}
	if out.ReaderMaxLag <= 0 {
		out.ReaderMaxLag = d.ReaderMaxLag
	}
	if out.ReaderMaxSkips <= 0 {
		out.ReaderMaxSkips = d.ReaderMaxSkips
	}
	if out.SkipWindow <= 0 {
		out.SkipWindow = d.SkipWindow
	}
	if out.BusyWindow <= 0 {
		out.BusyWindow = d.BusyWindow
	}
	if out.AudioWake == 0 {
		out.AudioWake = d.AudioWake
	}
	if out.MergeWrite == 0 {
		out.MergeWrite = d.MergeWrite
	}
	if out.ReconnectGrace < 0 {
		out.ReconnectGrace = 0
	}
	return out
}
