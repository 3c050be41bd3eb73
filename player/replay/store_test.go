package replay

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeUnfinished writes d of media into a recording of key under root as
// a crash leaves it: segments listed, the last one half written, live.
func writeUnfinished(t *testing.T, root, key string, d time.Duration) string {
	t.Helper()
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	units := src.units(d)
	w, err := newRecWriter(root, key, units[0].Track, units[1].Track, 0, time.Now(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	wall := func(dts time.Duration) time.Time { return time.Now() }
	for _, u := range units {
		if err := w.write(u, wall); err != nil {
			t.Fatal(err)
		}
	}
	w.seg.bw.Flush() // the open segment is on disk, unlisted
	w.seg.f.Close()
	os.WriteFile(filepath.Join(w.dir, ".index.m3u8.tmp123"), []byte("#EXTM3U\n"), 0o644)
	return w.dir
}

func TestRepairClosesUnfinishedRecordings(t *testing.T) {
	root := t.TempDir()
	dir := writeUnfinished(t, root, "k", 3500*time.Millisecond)
	id := filepath.Base(dir)
	// Crashed before its first segment was listed: nothing to keep.
	empty := filepath.Join(root, "k", "20261122T000000Z-000000")
	os.MkdirAll(empty, 0o755)
	os.WriteFile(filepath.Join(empty, "seg000000.ts"), []byte{0x47}, 0o644)
	// Not a playlist we wrote.
	bad := filepath.Join(root, "k", "20261122T000001Z-000001")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, playlistName), []byte("#EXTM3U\n#EXTINF:1,\n/etc/passwd\n"), 0o644)
	// Something else in the directory is left alone.
	other := filepath.Join(root, "k", "notes")
	os.MkdirAll(other, 0o755)

	r := startRecorder(t, Config{Dir: root}, noLag)
	list, err := r.rec.List("k")
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Live {
		t.Fatalf("List = %+v, %v; want the repaired recording only", list, err)
	}
	// 3 listed seconds, and the half-written segment (3.00 to 3.48 s)
	// without its last frame, which may be cut short: 3.48 s.
	if list[0].Duration != 3480*time.Millisecond || list[0].Bytes <= 0 {
		t.Errorf("repaired %+v: want 3.48 s", list[0])
	}
	pl := r.playlist(t, list[0])
	if !pl.Ended || len(pl.Segments) != 4 {
		t.Errorf("repaired playlist ended=%v with %d segments, want ended with 4", pl.Ended, len(pl.Segments))
	}
	if info := readTS(t, filepath.Join(dir, "seg000003.ts")); !info.firstIDR || len(info.video) != 12 {
		t.Errorf("salvaged segment: IDR first %v, %d frames", info.firstIDR, len(info.video))
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "index.m3u8 meta.json seg000000.ts seg000001.ts seg000002.ts seg000003.ts" {
		t.Errorf("files after repair: %v", names)
	}
	m, _ := readMeta(dir)
	if m == nil || !m.Repaired || m.Video != "H264" {
		t.Errorf("meta after repair: %+v", m)
	}
	for _, gone := range []string{empty, bad} {
		if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s not removed", gone)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("unrelated directory removed: %v", err)
	}
	if got := r.metric(t, "livestudio_replay_errors_total", "repair"); got != 3 {
		t.Errorf("repair count %v, want 3", got)
	}
}

func TestDeleteAndRetention(t *testing.T) {
	r := startRecorder(t, Config{MaxAge: time.Hour, RecordAll: true, SegmentDuration: time.Second}, noLag)
	for range 2 {
		p := r.publish(t, "k")
		src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
		src.write(p, 200*time.Millisecond) // past a reader wake (stream.merge_write)
		waitFor(t, "recording", func() bool { return r.metric(t, "livestudio_replay_recordings_active", "") == 1 })
		src.write(p, 2*time.Second)
		p.Close(true)
		waitFor(t, "recording over", func() bool { return !r.rec.Recording("k") })
	}
	list := r.waitList(t, "k", 2)

	for _, tc := range []struct {
		key, id string
		want    error
	}{
		{"k", "../../x", ErrInvalidName},
		{"..", list[0].ID, ErrInvalidName},
		{"k", "20261122T000000Z-000000", ErrNotFound},
		{"other", list[0].ID, ErrNotFound},
	} {
		if err := r.rec.Delete(tc.key, tc.id); !errors.Is(err, tc.want) {
			t.Errorf("Delete(%q, %q) = %v, want %v", tc.key, tc.id, err, tc.want)
		}
	}
	if err := r.rec.Delete("k", list[0].ID); err != nil {
		t.Fatal(err)
	}
	if l, _ := r.rec.List("k"); len(l) != 1 || l[0].ID != list[1].ID {
		t.Fatalf("after Delete: %+v", l)
	}

	// A live recording is neither deleted nor expired.
	p := r.publish(t, "k")
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	waitFor(t, "recording", func() bool { return r.rec.Recording("k") })
	src.write(p, 2500*time.Millisecond)
	var live Recording
	waitFor(t, "live recording listed", func() bool {
		l, _ := r.rec.List("k")
		for _, rc := range l {
			if rc.Live {
				live = rc
			}
		}
		return live.Live
	})
	if err := r.rec.Delete("k", live.ID); !errors.Is(err, ErrLive) {
		t.Fatalf("Delete(live) = %v, want ErrLive", err)
	}
	r.rec.expire(time.Now().Add(30 * time.Minute))
	if l, _ := r.rec.List("k"); len(l) != 2 {
		t.Fatalf("expired before max_age: %+v", l)
	}
	r.rec.expire(time.Now().Add(2 * time.Hour))
	if l, _ := r.rec.List("k"); len(l) != 1 || l[0].ID != live.ID {
		t.Fatalf("after expiry: %+v, want the live recording only", l)
	}
	if got := r.metric(t, "livestudio_replay_deleted_total", ""); got != 2 {
		t.Errorf("deleted %v, want 2", got)
	}
	p.Close(true)
}

func TestHandler(t *testing.T) {
	r := startRecorder(t, Config{RecordAll: true}, noLag)
	p := r.publish(t, "wx-1")
	waitFor(t, "recording", func() bool { return r.rec.Recording("wx-1") })
	(&source{video: h264Track(), audio: aacTrack(), gop: 25}).write(p, 5*time.Second)
	p.Close(true)
	rc := r.waitList(t, "wx-1", 1)[0]
	mux := http.NewServeMux()
	mux.Handle("/replay/", r.rec.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(method, path, rng string) (*http.Response, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("GET", "/replay/wx-1/", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(body, `"url":"`+rc.URL+`"`) || !strings.Contains(body, `"duration":5`) {
		t.Errorf("list: %d %s", resp.StatusCode, body)
	}
	resp, body = get("GET", rc.URL, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" ||
		!strings.HasSuffix(body, "#EXT-X-ENDLIST\n") {
		t.Errorf("playlist: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	seg := strings.TrimSuffix(rc.URL, playlistName) + "seg000000.ts"
	resp, body = get("GET", seg, "bytes=0-187")
	if resp.StatusCode != http.StatusPartialContent || len(body) != 188 || body[0] != 0x47 ||
		resp.Header.Get("Content-Type") != "video/mp2t" {
		t.Errorf("segment range: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if resp, _ = get("HEAD", seg, ""); resp.StatusCode != 200 || resp.ContentLength <= 188 {
		t.Errorf("HEAD segment: %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	if resp, _ = get("POST", rc.URL, ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
	if resp, _ = get("DELETE", rc.URL, ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d, want 405", resp.StatusCode)
	}
	base := "/replay/wx-1/" + rc.ID + "/"
	for _, path := range []string{
		base + "meta.json", base + "seg999999.ts", base + "seg0.ts", base + "x.m3u8",
		base + "%2e%2e%2fmeta.json", "/replay/wx-1/" + rc.ID, "/replay/wx-1/nope/index.m3u8",
		"/replay/wx%2f1/", "/replay/", "/replay/wx-1/" + rc.ID + "/index.m3u8/x",
	} {
		if resp, body = get("GET", path, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %s, want 404", path, resp.StatusCode, body)
		}
	}
	if got := r.metric(t, "livestudio_replay_errors_total", "request"); got < 10 {
		t.Errorf("refused requests counted %v, want >= 10", got)
	}
}

// FuzzLeadingDTS: whatever a crash left in a segment file, the salvage's
// demuxing returns or fails, never panics or hangs.
func FuzzLeadingDTS(f *testing.F) {
	dir := f.TempDir()
	src := &source{video: h264Track(), audio: aacTrack(), gop: 25}
	units := src.units(300 * time.Millisecond)
	seg, err := createSegment(filepath.Join(dir, "s.ts"), "s.ts", units[0].Track, units[1].Track, 0)
	if err != nil {
		f.Fatal(err)
	}
	for _, u := range units {
		seg.write(u)
	}
	seg.close()
	b, _ := os.ReadFile(filepath.Join(dir, "s.ts"))
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(b[:tsPacket*3])
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		b := data[:len(data)-len(data)%tsPacket]
		if pid, _, err := leadingDTS(b); err == nil {
			if off := lastUnitStart(b, pid); off%tsPacket != 0 || off > len(b) {
				t.Fatalf("lastUnitStart = %d", off)
			}
		}
	})
}
