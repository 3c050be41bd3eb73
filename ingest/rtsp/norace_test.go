//go:build !race

package rtsp

// raceEnabled: the test binary runs under the race detector.
const raceEnabled = false
