package gateway

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"livestudio/internal/live"
)

// TestMediaViewersE2E: people who watch the stream without the chat count
// in the room's statistics: two FLV readers and one HLS reader (ffmpeg) make
// the peak 3, and the HLS gauge counts the HLS session.
func TestMediaViewersE2E(t *testing.T) {
	needFFmpeg(t)
	tg, _ := roomsGateway(t, t.TempDir())
	now := time.Now().Unix()
	cr := tg.wx(t, "/wxaapi/broadcast/room/create", map[string]any{"name": "Tea tasting live", "coverImg": "https://img.example/c.jpg",
		"startTime": now, "endTime": now + 3600, "anchorName": "Anchor Li", "anchorWechat": "anchor_li",
		"shareImg": "https://img.example/s.jpg", "type": 1})
	if errcode(cr) != 0 {
		t.Fatalf("create: %v", cr)
	}
	id := cr["roomId"].(float64)
	key := fmt.Sprintf("wxdemo-%d", int(id))
	pushURL := tg.wx(t, fmt.Sprintf("/wxaapi/broadcast/room/getpushurl?roomId=%d", int(id)), nil)["pushAddr"].(string)
	publish(t, pushURL, 40*time.Second)
	tg.waitStatus(t, id, live.StatusLive)

	// The top playlist carries a session parameter on to the playlists it
	// names (gohlslib copies the query; the URIs are relative, so a player
	// would otherwise drop it).
	resp, err := http.Get(tg.base + "/live/" + key + ".m3u8?session=page42")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), ".m3u8?session=page42") {
		t.Fatalf("top playlist %d:\n%s", resp.StatusCode, body)
	}

	read := func(url string) {
		runFFmpeg(t, "ffmpeg", "-hide_banner", "-loglevel", "error", "-i", url, "-t", "30", "-f", "null", "-")
	}
	read(tg.base + "/live/" + key + ".flv")
	read(tg.base + "/live/" + key + ".flv")
	read(tg.base + "/live/" + key + "/ll.m3u8")

	stats := func() (total, peak float64) {
		st, r := tg.rest(t, "GET", fmt.Sprintf("/rooms/%d/stats", int(id)), nil)
		if st != 200 {
			t.Fatalf("stats: %d %v", st, r)
		}
		s := r["stats"].(map[string]any)
		return s["totalViewers"].(float64), s["peakViewers"].(float64)
	}
	// The page request above is a fourth viewer (an HLS session): wait for
	// the three readers on top of it.
	waitFor(t, 30*time.Second, "peak viewers 4 (2 FLV readers, 1 HLS reader, 1 page session)", func() bool {
		_, peak := stats()
		return peak >= 4
	})
	total, peak := stats()
	if total < 4 || peak != 4 {
		t.Errorf("stats: total %v, peak %v; want total >= 4, peak 4", total, peak)
	}
	if flv, hls := metric(t, tg, `livestudio_viewers{protocol="flv"}`), metric(t, tg, `livestudio_viewers{protocol="hls"}`); flv != 2 || hls != 2 {
		t.Errorf("gauges: flv %v, hls %v; want 2 and 2", flv, hls)
	}
	if _, r := tg.rest(t, "GET", fmt.Sprintf("/rooms/%d/stats", int(id)), nil); fmt.Sprint(r["online"]) != "map[flv:2 hls:2 total:4]" {
		t.Errorf("online viewers: %v", r["online"])
	}
	info := tg.roomInfo(t, id)["stats"].(map[string]any)
	if info["totalViewers"].(float64) < 4 || info["peakViewers"].(float64) != 4 {
		t.Errorf("getliveinfo stats: %v", info)
	}
}
