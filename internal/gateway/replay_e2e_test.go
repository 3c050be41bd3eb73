package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib"
	rtmpcodecs "github.com/bluenviron/gortmplib/pkg/codecs"

	"livestudio/internal/testpeer"
	"livestudio/player/replay"
)

// replayList fetches /replay/{key}/ from the gateway.
func replayList(t *testing.T, tg *testGateway, key string) []struct {
	ID       string  `json:"id"`
	URL      string  `json:"url"`
	Live     bool    `json:"live"`
	Duration float64 `json:"duration"`
	Bytes    int64   `json:"bytes"`
} {
	t.Helper()
	var out struct {
		Recordings []struct {
			ID       string  `json:"id"`
			URL      string  `json:"url"`
			Live     bool    `json:"live"`
			Duration float64 `json:"duration"`
			Bytes    int64   `json:"bytes"`
		} `json:"recordings"`
	}
	getJSON(t, "GET", tg.base+"/replay/"+key+"/", nil, &out)
	return out.Recordings
}

// probeCodecs has ffprobe list the codecs of url's streams.
func probeCodecs(t *testing.T, url string) []string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
		"-of", "json", url).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", url, err)
	}
	// The top-level streams (HLS also lists them again per program).
	var probe struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatalf("ffprobe %s: %v", url, err)
	}
	var codecs []string
	for _, s := range probe.Streams {
		codecs = append(codecs, s.CodecName)
	}
	return codecs
}

func checkPlays(t *testing.T, url string, minVideo, minAudio int) {
	t.Helper()
	if c := probeCodecs(t, url); len(c) != 2 || c[0] != "h264" || c[1] != "aac" {
		t.Errorf("%s: codecs %v, want h264 and aac", url, c)
	}
	c := testpeer.Decode(t, url, time.Minute)
	if c["video"] < minVideo || c["audio"] < minAudio {
		t.Errorf("%s: decoded %v, want >= %d video and >= %d audio frames", url, c, minVideo, minAudio)
	}
}

func TestReplayRecordsPublishSessions(t *testing.T) {
	needFFmpeg(t)
	dataDir := t.TempDir()
	mutate := func(c *Config) {
		c.DataDir = dataDir
		c.Replay.RecordAll = true
		c.Replay.SegmentDuration = 2 * time.Second
	}
	tg, stop := replayGateway(t, mutate)

	// First session: 8 s.
	pub := publish(t, tg.pushURL(t, 1), 8*time.Second)
	if err := pub.waitExit(t, 40*time.Second); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, pub.stderr)
	}
	waitFor(t, 20*time.Second, "first recording finished", func() bool {
		l := replayList(t, tg, demoKey)
		return len(l) == 1 && !l[0].Live
	})
	rec := replayList(t, tg, demoKey)[0]
	if rec.Duration < 5 || rec.Duration > 12 || rec.Bytes <= 0 {
		t.Errorf("recording %+v: want about 8 s and some bytes", rec)
	}
	if want := "/replay/" + demoKey + "/" + rec.ID + "/index.m3u8"; rec.URL != want {
		t.Errorf("URL %q, want %q", rec.URL, want)
	}
	playlist := httpBody(t, tg.base+rec.URL, "application/vnd.apple.mpegurl")
	for _, tag := range []string{"#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST", "#EXT-X-PROGRAM-DATE-TIME:"} {
		if !strings.Contains(playlist, tag) {
			t.Errorf("playlist lacks %s:\n%s", tag, playlist)
		}
	}
	t.Logf("playlist:\n%s", playlist)
	checkPlays(t, tg.base+rec.URL, 125, 200)

	// Second session of the same key: a second recording.
	pub = publish(t, tg.pushURL(t, 1), 4*time.Second)
	if err := pub.waitExit(t, 40*time.Second); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, pub.stderr)
	}
	waitFor(t, 20*time.Second, "second recording finished", func() bool {
		l := replayList(t, tg, demoKey)
		return len(l) == 2 && !l[1].Live
	})
	if metric(t, tg, "livestudio_replay_segments_total") < 4 || metric(t, tg, "livestudio_replay_bytes_written_total") <= 0 {
		t.Error("replay metrics not counted")
	}

	// A third session is live when the gateway shuts down: the shutdown
	// finishes its recording. A restarted gateway on the same data
	// directory lists all three.
	pub = publish(t, tg.pushURL(t, 1), 30*time.Second)
	waitFor(t, 20*time.Second, "third recording live", func() bool {
		l := replayList(t, tg, demoKey)
		return len(l) == 3 && l[2].Live
	})
	want := replayList(t, tg, demoKey)[:2]
	stop()
	tg2, _ := replayGateway(t, mutate)
	got := replayList(t, tg2, demoKey)
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2].Live || got[2].Duration < 2 {
		t.Fatalf("after restart %+v, want %+v and a finished third", got, want)
	}
	if b, err := os.ReadFile(filepath.Join(dataDir, "replay", demoKey, got[2].ID, "meta.json")); err != nil ||
		strings.Contains(string(b), `"repaired"`) {
		t.Errorf("third recording was not finished by the shutdown: %s %v", b, err)
	}
	checkPlays(t, tg2.base+got[1].URL, 50, 80)
	checkPlays(t, tg2.base+got[2].URL, 40, 60)
}

// replayGateway is startGateway with a stop function (a restart).
func replayGateway(t *testing.T, mutate func(*Config)) (*testGateway, func()) {
	t.Helper()
	cfg := testConfig(t)
	mutate(&cfg)
	return bootGateway(t, cfg)
}

func httpBody(t *testing.T, url, contentType string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != contentType {
		t.Fatalf("GET %s: %d %q, want 200 %q", url, resp.StatusCode, resp.Header.Get("Content-Type"), contentType)
	}
	return string(b)
}

// A recording whose writer vanished mid-stream (a crash: its files are
// copied while live, never finished) is closed by the next recorder to
// start on them, and plays.
func TestReplayRepairsCrashedRecording(t *testing.T) {
	needFFmpeg(t)
	dataDir := t.TempDir()
	tg := startGateway(t, func(c *Config) {
		c.DataDir = dataDir
		c.Replay.SegmentDuration = time.Second
	})
	if err := tg.Replay().Start(demoKey); err != nil {
		t.Fatal(err)
	}
	publish(t, tg.pushURL(t, 1), 30*time.Second)
	waitFor(t, 30*time.Second, "a live recording with 3 segments", func() bool {
		l := replayList(t, tg, demoKey)
		return len(l) == 1 && l[0].Live && l[0].Duration >= 3
	})
	crashed := t.TempDir()
	copyDir(t, filepath.Join(dataDir, "replay"), crashed)

	rec, err := replay.New(replay.Config{Dir: crashed}, tg.Registry(), testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := rec.List(demoKey)
	if err != nil || len(list) != 1 || list[0].Live || list[0].Duration < 3*time.Second {
		t.Fatalf("after repair: %+v, %v; want one finished recording of >= 3 s", list, err)
	}
	srv := &http.Server{Handler: rec.Handler()}
	ln := listen(t)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	base := "http://" + ln.Addr().String()
	pl := httpBody(t, base+list[0].URL, "application/vnd.apple.mpegurl")
	if !strings.Contains(pl, "#EXT-X-ENDLIST") {
		t.Errorf("repaired playlist has no ENDLIST:\n%s", pl)
	}
	checkPlays(t, base+list[0].URL, 50, 80)
}

func TestReplayRefusesBadPaths(t *testing.T) {
	dataDir := t.TempDir()
	tg := startGateway(t, func(c *Config) { c.DataDir = dataDir })
	// A real file beside the recordings that no URL may reach.
	os.MkdirAll(filepath.Join(dataDir, "replay", demoKey), 0o755)
	os.WriteFile(filepath.Join(dataDir, "secret.txt"), []byte("secret"), 0o644)
	for _, p := range []string{
		"/replay/../secret.txt",
		"/replay/%2e%2e/secret.txt",
		"/replay/" + demoKey + "/..%2f..%2fsecret.txt",
		"/replay/" + demoKey + "/20261122T000000Z-abcdef/index.m3u8",
		"/replay/" + demoKey + "/20261122T000000Z-abcdef/seg000000.ts",
		"/replay/" + demoKey + "/20261122T000000Z-abcdef/meta.json",
		"/replay/" + demoKey + "/nope/index.m3u8",
		"/replay/" + demoKey + "/20261122T000000Z-abcdef/../../../secret.txt",
		"/replay/.hidden/",
		"/replay/a%00b/",
		"/replay/" + demoKey,
	} {
		resp, err := http.Get(tg.base + p)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 512)
		n, _ := resp.Body.Read(body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body[:n]), "secret") {
			t.Errorf("GET %s: %d %q, want 404", p, resp.StatusCode, body[:n])
		}
	}
	var empty struct {
		Recordings []json.RawMessage `json:"recordings"`
	}
	getJSON(t, "GET", tg.base+"/replay/wxdemo-9/", nil, &empty)
	if empty.Recordings == nil || len(empty.Recordings) != 0 {
		t.Errorf("unknown key: %+v, want an empty list", empty)
	}
}

func testLog() *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// copyDir copies the files under src to dst as they are now.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a temp file renamed meanwhile
		}
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitRecording waits until key has n finished recordings and returns the
// newest.
func waitRecording(t *testing.T, tg *testGateway, key string, n int) string {
	t.Helper()
	var u string
	waitFor(t, 20*time.Second, "recording finished", func() bool {
		l := replayList(t, tg, key)
		if len(l) != n || l[n-1].Live {
			return false
		}
		u = tg.base + l[n-1].URL
		return true
	})
	return u
}

// Video-only H.265 (Enhanced RTMP from gortmplib) and audio-only AAC (ffmpeg)
// recordings play in ffmpeg.
func TestReplayHEVCAndAudioOnly(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, func(c *Config) {
		c.DataDir = t.TempDir()
		c.Replay.RecordAll = true
		c.Replay.SegmentDuration = time.Second
	})

	aus := hevcAccessUnits(t, 4)
	var vps, sps, pps []byte
	for _, n := range aus[0] {
		switch (n[0] >> 1) & 0x3f {
		case 32:
			vps = n
		case 33:
			sps = n
		case 34:
			pps = n
		}
	}
	u, _ := url.Parse(tg.pushURL(t, 1))
	u.Fragment, u.Path, u.RawQuery = strings.TrimPrefix(u.Path, "/live/")+"?"+u.RawQuery, "/live", ""
	c := &gortmplib.Client{URL: u, Publish: true}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Initialize(ctx); err != nil {
		t.Fatalf("gortmplib publish: %v", err)
	}
	track := &gortmplib.Track{Codec: &rtmpcodecs.H265{VPS: vps, SPS: sps, PPS: pps}}
	w := &gortmplib.Writer{Conn: c, Tracks: []*gortmplib.Track{track}}
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "recorder attached", func() bool { return tg.Replay().Recording(demoKey) })
	for i, au := range aus {
		ts := time.Duration(i) * 40 * time.Millisecond
		if err := w.WriteH265(track, ts, ts, au); err != nil {
			t.Fatal(err)
		}
	}
	c.Close() // a dropped connection: the recording ends with the grace
	hevc := waitRecording(t, tg, demoKey, 1)
	if codecs := probeCodecs(t, hevc); len(codecs) != 1 || codecs[0] != "hevc" {
		t.Errorf("H.265 recording: codecs %v, want hevc", codecs)
	}
	if n := testpeer.Decode(t, hevc, time.Minute); n["video"] < 75 {
		t.Errorf("H.265 recording: decoded %v, want >= 75 video frames", n)
	}

	pub := runFFmpeg(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "4",
		"-c:a", "aac", "-b:a", "64k", "-f", "flv", tg.pushURL(t, 2))
	if err := pub.waitExit(t, 30*time.Second); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, pub.stderr)
	}
	audio := waitRecording(t, tg, "wxdemo-2", 1)
	if codecs := probeCodecs(t, audio); len(codecs) != 1 || codecs[0] != "aac" {
		t.Errorf("audio-only recording: codecs %v, want aac", codecs)
	}
	if n := testpeer.Decode(t, audio, time.Minute); n["audio"] < 150 {
		t.Errorf("audio-only recording: decoded %v, want >= 150 AAC frames (3.5 s)", n)
	}
}
