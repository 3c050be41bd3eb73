package replay

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"
)

// Names on disk and in URLs. They are checked strictly before any file is
// touched: a name that does not match is unknown, which also rules out
// path traversal ("..", "/", "\", NUL, ...).
var (
	keyRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
	idRE      = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$`)
	segmentRE = regexp.MustCompile(`^seg[0-9]{6}\.ts$`)
)

// File names inside a recording's directory.
const (
	playlistName = "index.m3u8"
	metaName     = "meta.json"
)

func validKey(key string) bool           { return keyRE.MatchString(key) }
func validID(id string) bool             { return idRE.MatchString(id) }
func validSegmentName(n string) bool     { return segmentRE.MatchString(n) }
func segmentName(n int) string           { return fmt.Sprintf("seg%06d.ts", n) }
func recordingURL(key, id string) string { return "/replay/" + key + "/" + id + "/" + playlistName }

// newID names a recording by its start (so names sort by time) and a random
// suffix (so two recordings starting in the same second differ).
func newID(start time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return start.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
