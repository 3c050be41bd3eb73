package replay

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"livestudio/internal/stream"
)

// noLag keeps the synthetic sources, which write faster than real time,
// from being skipped as slow readers.
var noLag = stream.Config{RingUnits: 1 << 14, ReaderMaxLag: time.Hour, ReconnectGrace: -1}

func TestRecordsSegmentsAtKeyframes(t *testing.T) {
	r := startRecorder(t, Config{SegmentDuration: 2 * time.Second}, noLag)
	if err := r.rec.Start("wx-1"); err != nil {
		t.Fatal(err)
	}
	p := r.publish(t, "wx-1")
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	waitFor(t, "recording session", func() bool { return r.rec.Recording("wx-1") })
	src.write(p, 10*time.Second)
	p.Close(true)

	list := r.waitList(t, "wx-1", 1)
	rc := list[0]
	if rc.Duration != 10*time.Second || rc.Key != "wx-1" || rc.URL != "/replay/wx-1/"+rc.ID+"/index.m3u8" {
		t.Fatalf("recording %+v, want 10 s at its URL", rc)
	}
	pl := r.playlist(t, rc)
	if !pl.Ended || len(pl.Segments) != 5 {
		t.Fatalf("playlist ended=%v with %d segments, want ended with 5", pl.Ended, len(pl.Segments))
	}
	var size int64
	var lastVideo, lastAudio int64 = -1, -1
	for i, s := range pl.Segments {
		if s.Duration != 2*time.Second || s.Discontinuity {
			t.Errorf("segment %d: %+v, want 2 s without discontinuity", i, s)
		}
		if i > 0 && !s.Time.Equal(pl.Segments[i-1].Time.Add(2*time.Second)) {
			t.Errorf("segment %d: program date time %v does not follow %v", i, s.Time, pl.Segments[i-1].Time)
		}
		path := filepath.Join(r.dir, "wx-1", rc.ID, s.Name)
		info := readTS(t, path)
		if !info.firstIDR || len(info.video) != 50 || len(info.audio) != 50 {
			t.Errorf("segment %d: IDR first %v, %d video and %d audio frames; want an IDR first, 50 and 50",
				i, info.firstIDR, len(info.video), len(info.audio))
		}
		for _, ts := range info.video {
			if ts <= lastVideo {
				t.Fatalf("segment %d: video DTS %d after %d", i, ts, lastVideo)
			}
			lastVideo = ts
		}
		for _, ts := range info.audio {
			if ts <= lastAudio {
				t.Fatalf("segment %d: audio PTS %d after %d", i, ts, lastAudio)
			}
			lastAudio = ts
		}
		st, _ := os.Stat(path)
		size += st.Size()
	}
	if rc.Bytes != size || !rc.End.Equal(rc.Start.Add(10*time.Second)) {
		t.Errorf("recording %+v: want %d bytes and End = Start + 10 s", rc, size)
	}
	m, err := readMeta(filepath.Join(r.dir, "wx-1", rc.ID))
	if err != nil || m.Video != "H264" || m.Audio != "AAC" || m.SampleRate != 44100 || m.Segments != 5 {
		t.Errorf("meta %+v, %v", m, err)
	}
	if got := r.metric(t, "livestudio_replay_segments_total", ""); got != 5 {
		t.Errorf("segments metric %v, want 5", got)
	}
	if got := r.metric(t, "livestudio_replay_bytes_written_total", ""); got != float64(size) {
		t.Errorf("bytes metric %v, want %d", got, size)
	}
	if got := r.metric(t, "livestudio_replay_recordings_active", ""); got != 0 {
		t.Errorf("active recordings %v after the end, want 0", got)
	}
}

func TestTracks(t *testing.T) {
	for _, tc := range []struct {
		name         string
		video, audio *stream.Track
		segs         int
	}{
		{"video only", h264Track(), nil, 3},
		{"audio only", nil, aacTrack(), 3},
		{"h265 and aac", &stream.Track{Codec: stream.CodecH265, VPS: []byte{0x40, 1}, SPS: []byte{0x42, 1}, PPS: []byte{0x44, 1}}, aacTrack(), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRecorder(t, Config{SegmentDuration: 2 * time.Second, RecordAll: true}, noLag)
			p := r.publish(t, "k")
			waitFor(t, "recording session", func() bool { return r.rec.Recording("k") })
			src := &source{video: tc.video, audio: tc.audio, gop: 25}
			src.write(p, 6*time.Second)
			p.Close(true)
			rc := r.waitList(t, "k", 1)[0]
			pl := r.playlist(t, rc)
			if rc.Duration != 6*time.Second || len(pl.Segments) != tc.segs {
				t.Fatalf("%v in %d segments, want 6 s in %d", rc.Duration, len(pl.Segments), tc.segs)
			}
			if tc.video == nil || tc.video.Codec == stream.CodecH264 {
				info := readTS(t, filepath.Join(r.dir, "k", rc.ID, pl.Segments[1].Name))
				if (tc.video != nil) != (len(info.video) == 50) || (tc.audio != nil) != (len(info.audio) == 50) {
					t.Errorf("segment 1: %d video, %d audio frames", len(info.video), len(info.audio))
				}
			}
		})
	}
}

// Audio that starts after the video joins at the next keyframe, after a
// discontinuity (the segment's tracks change).
func TestAudioStartsLate(t *testing.T) {
	r := startRecorder(t, Config{SegmentDuration: 2 * time.Second, RecordAll: true}, noLag)
	p := r.publish(t, "k")
	waitFor(t, "recording session", func() bool { return r.rec.Recording("k") })
	src := &source{video: h264Track(), gop: 25}
	src.write(p, 1500*time.Millisecond)
	src.audio = aacTrack()
	src.write(p, 3*time.Second)
	p.Close(true)
	rc := r.waitList(t, "k", 1)[0]
	pl := r.playlist(t, rc)
	if len(pl.Segments) != 3 || !pl.Segments[1].Discontinuity || pl.Segments[0].Duration != 2*time.Second {
		t.Fatalf("segments %+v: want a 2 s video-only one, then a discontinuity", pl.Segments)
	}
	first := readTS(t, filepath.Join(r.dir, "k", rc.ID, pl.Segments[0].Name))
	second := readTS(t, filepath.Join(r.dir, "k", rc.ID, pl.Segments[1].Name))
	if len(first.audio) != 0 || len(second.audio) != 50 || !second.firstIDR {
		t.Fatalf("audio frames %d then %d (IDR first %v), want 0 then 50", len(first.audio), len(second.audio), second.firstIDR)
	}
}

// A publisher that reconnects within the reconnect grace continues the
// recording, after a discontinuity (new tracks); a new publish session
// after the stream ended makes a new recording.
func TestPublishSessions(t *testing.T) {
	scfg := noLag
	scfg.ReconnectGrace = time.Minute
	r := startRecorder(t, Config{SegmentDuration: 2 * time.Second}, scfg)
	if err := r.rec.Start("k"); err != nil {
		t.Fatal(err)
	}
	p := r.publish(t, "k")
	waitFor(t, "recording session", func() bool { return r.rec.Recording("k") })
	(&source{video: h264Track(), audio: aacTrack(), gop: 25}).write(p, 3*time.Second)
	p.Close(false) // dropped: the stream waits for a reconnect
	p = r.publish(t, "k")
	(&source{video: h264Track(), audio: aacTrack(), gop: 25}).write(p, 3*time.Second)
	p.Close(true)
	rc := r.waitList(t, "k", 1)[0]
	pl := r.playlist(t, rc)
	gaps := 0
	for _, s := range pl.Segments {
		if s.Discontinuity {
			gaps++
		}
	}
	if gaps != 1 || rc.Duration < 5900*time.Millisecond || rc.Duration > 6100*time.Millisecond {
		t.Fatalf("after a reconnect: %v with %d discontinuities, want about 6 s with 1", rc.Duration, gaps)
	}

	waitFor(t, "first session over", func() bool { return !r.rec.Recording("k") })
	p = r.publish(t, "k")
	// The source runs faster than real time: let the recording start
	// before most of it is written, so that its start time is now.
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	src.write(p, 200*time.Millisecond) // past a reader wake (stream.merge_write)
	waitFor(t, "second recording", func() bool { return r.metric(t, "livestudio_replay_recordings_active", "") == 1 })
	src.write(p, 2*time.Second)
	p.Close(true)
	list := r.waitList(t, "k", 2)
	if list[0].ID != rc.ID || !list[1].Start.After(list[0].Start) {
		t.Fatalf("list %+v: want the first recording, then the new one", list)
	}
}

// Start on a key already published records at once, from the cached GOP;
// Stop finishes the recording before it returns and records no more.
func TestStartWhilePublishedAndStop(t *testing.T) {
	r := startRecorder(t, Config{SegmentDuration: 2 * time.Second}, noLag)
	p := r.publish(t, "k")
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	src.write(p, 3500*time.Millisecond) // the cached GOP starts at 3 s
	if err := r.rec.Start("k"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "recording session", func() bool { return r.rec.Recording("k") })
	src.write(p, 2500*time.Millisecond)
	waitFor(t, "first segment", func() bool {
		l, _ := r.rec.List("k")
		return len(l) == 1
	})
	r.rec.Stop("k")
	list, err := r.rec.List("k")
	if err != nil || len(list) != 1 || list[0].Live || list[0].Duration < 2*time.Second {
		t.Fatalf("after Stop: %+v, %v; want one finished recording", list, err)
	}
	if pl := r.playlist(t, list[0]); !pl.Ended {
		t.Fatal("playlist not ended after Stop")
	}
	src.write(p, time.Second)
	p.Close(true)
	p = r.publish(t, "k")
	src.write(p, time.Second)
	r.rec.scan()
	if r.rec.Recording("k") {
		t.Fatal("recording after Stop")
	}
}

// With record_all, Stop ends the current recording and the key's next
// publish session is recorded again.
func TestRecordAllStop(t *testing.T) {
	r := startRecorder(t, Config{SegmentDuration: time.Second, RecordAll: true}, noLag)
	p := r.publish(t, "k")
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	waitFor(t, "recording session", func() bool { return r.rec.Recording("k") })
	src.write(p, 2*time.Second)
	r.rec.Stop("k")
	r.rec.scan()
	if r.rec.Recording("k") {
		t.Fatal("the stopped session was recorded again")
	}
	p.Close(true)
	p = r.publish(t, "k")
	waitFor(t, "next session recorded", func() bool { return r.rec.Recording("k") })
	src.write(p, 2*time.Second)
	p.Close(true)
	r.waitList(t, "k", 2)
}

// A disk error stops the recording (counted, logged once) and leaves the
// stream and its viewers alone; the next publish session records again.
func TestDiskErrorStopsRecording(t *testing.T) {
	r := startRecorder(t, Config{SegmentDuration: time.Second, RecordAll: true}, noLag)
	p := r.publish(t, "k")
	viewer := p.Stream().NewReader()
	defer viewer.Close()
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	waitFor(t, "recording session", func() bool { return r.rec.Recording("k") })
	src.write(p, 1500*time.Millisecond)
	waitFor(t, "first segment", func() bool {
		l, _ := r.rec.List("k")
		return len(l) == 1
	})
	if err := os.RemoveAll(filepath.Join(r.dir, "k")); err != nil {
		t.Fatal(err)
	}
	src.write(p, 2*time.Second)
	waitFor(t, "recording stopped", func() bool { return !r.rec.Recording("k") })
	if got := r.metric(t, "livestudio_replay_errors_total", "disk"); got != 1 {
		t.Fatalf("disk errors %v, want 1", got)
	}
	src.write(p, time.Second)
	r.rec.scan()
	if r.rec.Recording("k") {
		t.Fatal("recording retried within the same publish session")
	}
	var units []*stream.Unit
	want := int(p.Stream().Stats().Units)
	for len(units) < want {
		var err error
		if units, err = viewer.Read(t.Context(), units); err != nil {
			t.Fatal(err)
		}
	}
	if viewer.Skipped() != 0 {
		t.Fatalf("viewer skipped %d units", viewer.Skipped())
	}
	p.Close(true)
	p = r.publish(t, "k")
	waitFor(t, "next session recorded", func() bool { return r.rec.Recording("k") })
	src.write(p, 2*time.Second)
	p.Close(true)
	r.waitList(t, "k", 1)
}

func TestInvalidKeyNotRecorded(t *testing.T) {
	r := startRecorder(t, Config{RecordAll: true}, noLag)
	if err := r.rec.Start("../x"); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("Start(../x) = %v, want ErrInvalidName", err)
	}
	r.publish(t, "bad key/..")
	waitFor(t, "invalid key counted", func() bool {
		return r.metric(t, "livestudio_replay_errors_total", "invalid_key") == 1
	})
	if _, err := r.rec.List("bad key/.."); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("List = %v, want ErrInvalidName", err)
	}
}

// A recorder that falls behind (a stalled disk) never holds up the stream:
// it is skipped to a keyframe like a slow viewer, and the recording goes on
// after an EXT-X-DISCONTINUITY.
func TestLaggingRecorderMarksGap(t *testing.T) {
	scfg := noLag
	scfg.ReaderMaxLag = 3 * time.Second // more than the source writes at once but during the stall
	r := startRecorder(t, Config{SegmentDuration: time.Second}, scfg)
	stall, resume := make(chan struct{}), make(chan struct{})
	first := true
	r.rec.segmentHook = func() {
		if first {
			first = false
			close(stall)
			<-resume
		}
	}
	if err := r.rec.Start("k"); err != nil {
		t.Fatal(err)
	}
	p := r.publish(t, "k")
	waitFor(t, "recording session", func() bool { return r.rec.Recording("k") })
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	src.write(p, 1200*time.Millisecond) // the first segment ends at the keyframe at 1 s
	<-stall
	src.write(p, 5*time.Second) // returns although the recorder is stuck
	close(resume)
	src.write(p, 2*time.Second)
	p.Close(true)
	rc := r.waitList(t, "k", 1)[0]
	pl := r.playlist(t, rc)
	gaps := 0
	for _, s := range pl.Segments {
		if s.Discontinuity {
			gaps++
		}
	}
	if gaps != 1 || r.metric(t, "livestudio_replay_gaps_total", "") != 1 {
		t.Fatalf("%d discontinuities, gaps metric %v; want 1 and 1", gaps, r.metric(t, "livestudio_replay_gaps_total", ""))
	}
	if rc.Duration >= 8*time.Second || rc.Duration < time.Second {
		t.Errorf("duration %v: want the skipped media left out", rc.Duration)
	}
	var last int64 = -1
	for _, s := range pl.Segments {
		for _, ts := range readTS(t, filepath.Join(r.dir, "k", rc.ID, s.Name)).video {
			if ts <= last {
				t.Fatalf("%s: video DTS %d after %d", s.Name, ts, last)
			}
			last = ts
		}
	}
}
