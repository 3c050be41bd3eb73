// Package demo holds the clips shipped in the binary and plays them as a
// source: the demo test pattern (4 s, 640x360, a beeping tone: a new install
// shows a live picture with no camera) and the slate (2 s of colour bars and
// silence, sent while a camera is away). Clips loop forever with timestamps
// that keep increasing. Both were made with ffmpeg's lavfi generators
// (testsrc2 + sine, smptehdbars + anullsrc), H.264 Main 640x360 25 fps, AAC.
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"livestudio/internal/flv"
	"livestudio/internal/stream"
)

//go:embed testpattern.flv
var testPattern []byte

//go:embed slate.flv
var slate []byte

// Clip is a parsed FLV clip ready to loop.
type Clip struct {
	units []*stream.Unit // one loop, DTS from 0
	loop  time.Duration  // loop period
}

// LoadClip parses an FLV file into units. Audio past the video's end is
// dropped so loops never overlap and timestamps stay monotonic.
func LoadClip(file []byte) (*Clip, error) {
	if len(file) < 13 || string(file[:3]) != "FLV" {
		return nil, fmt.Errorf("clip: not an FLV file")
	}
	var d flv.Demuxer
	var units []*stream.Unit
	firstVideo, lastVideo := time.Duration(-1), time.Duration(0)
	rest := file[13:]
	for len(rest) > 0 {
		tag, next, err := flv.ParseTag(rest)
		if err != nil {
			return nil, fmt.Errorf("clip: %w", err)
		}
		rest = next
		ts := time.Duration(tag.MS) * time.Millisecond
		var u *stream.Unit
		switch tag.Type {
		case flv.TagVideo:
			u, err = d.Video(ts, tag.Body)
		case flv.TagAudio:
			u, err = d.Audio(ts, tag.Body)
		}
		if err != nil {
			return nil, fmt.Errorf("clip: %w", err)
		}
		if u != nil {
			units = append(units, u)
			if u.IsVideo() {
				if firstVideo < 0 {
					firstVideo = u.DTS
				}
				lastVideo = u.DTS
			}
		}
	}
	if n := countVideo(units); n < 2 {
		return nil, fmt.Errorf("clip: fewer than 2 video frames")
	}
	// One loop spans the video frames plus one frame duration.
	frame := (lastVideo - firstVideo) / time.Duration(countVideo(units)-1)
	c := &Clip{loop: lastVideo - firstVideo + frame}
	for _, u := range units {
		if u.DTS < c.loop {
			c.units = append(c.units, u)
		}
	}
	for _, u := range c.units {
		if u.IsVideo() {
			if !u.Key {
				return nil, fmt.Errorf("clip: video does not start with a keyframe")
			}
			break
		}
	}
	return c, nil
}

func countVideo(units []*stream.Unit) int {
	n := 0
	for _, u := range units {
		if u.IsVideo() {
			n++
		}
	}
	return n
}

// TestPattern returns the built-in demo clip.
func TestPattern() *Clip { return mustLoad(testPattern) }

// Slate returns the clip sent while a camera is away.
func Slate() *Clip { return mustLoad(slate) }

func mustLoad(file []byte) *Clip {
	c, err := LoadClip(file)
	if err != nil { // the embedded files are checked by the package's tests
		panic(err)
	}
	return c
}

// Duration is one loop of the clip.
func (c *Clip) Duration() time.Duration { return c.loop }

// unit returns a fresh copy of the clip's unit i of loop n, shifted by
// offset + n loops: units are owned by the stream once written.
func (c *Clip) unit(i, n int, offset time.Duration) *stream.Unit {
	u := c.units[i]
	shift := offset + time.Duration(n)*c.loop
	return &stream.Unit{Track: u.Track, DTS: u.DTS + shift, PTS: u.PTS + shift, Key: u.Key, NALUs: u.NALUs, Frame: u.Frame}
}

// Source plays a clip in real time, looping, until ctx ends.
type Source struct {
	Clip *Clip
}

// Run calls out with each unit when it is due. It returns nil when ctx ends.
func (s Source) Run(ctx context.Context, out func(*stream.Unit)) error {
	c := s.Clip
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for n := 0; ; n++ {
		for i := range c.units {
			u := c.unit(i, n, 0)
			if wait := time.Until(start.Add(u.DTS)); wait > 0 {
				timer.Reset(wait)
				select {
				case <-ctx.Done():
					return nil
				case <-timer.C:
				}
			} else if ctx.Err() != nil {
				return nil
			}
			out(u)
		}
	}
}
