package main

import "syscall"

// usage is what this process used so far: CPU (user+system), its peak
// resident set, to compare with the agent's process in the same run, and
// its context switches (a relay's CPU goes mostly to waking up).
type usage struct {
	cpuS        float64
	maxRSSKiB   int64
	ctxSwitches int64
}

func selfUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	// Linux reports ru_maxrss in KiB. The fields are int32 on 32-bit ARM
	// (make cross builds every command for linux/arm).
	return usage{cpuS: float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9, maxRSSKiB: int64(ru.Maxrss),
		ctxSwitches: int64(ru.Nvcsw) + int64(ru.Nivcsw)}
}
