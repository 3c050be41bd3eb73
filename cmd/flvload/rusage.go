package main

import "syscall"

// cpuSeconds is the user+system CPU time this process has used, so a run
// can say what the client itself cost next to the server it measures.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
