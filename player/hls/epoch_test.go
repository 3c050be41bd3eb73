package hls

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"livestudio/internal/stream"
)

// TestMediaEpochHeader: HLS responses name the wall clock of media time
// zero, so that PROGRAM-DATE-TIME minus it is the stream's media time
// (what chat messages are stamped with).
func TestMediaEpochHeader(t *testing.T) {
	needFFmpeg(t)
	src := h264Source(t)
	reg := stream.NewRegistry(stream.DefaultConfig())
	defer reg.Close()
	_, base := testServer(t, reg, DefaultConfig())
	ctx, stop := context.WithCancel(context.Background())
	done := publish(ctx, t, reg, "room-1_e", src, pubOpts{speed: 4})
	defer func() { stop(); <-done }()

	resp, body := get(t, base+"/live/room-1_e.m3u8")
	epoch, err := strconv.ParseInt(resp.Header.Get(MediaEpochHeader), 10, 64)
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("multivariant: %d, %s %q: %v", resp.StatusCode, MediaEpochHeader, resp.Header.Get(MediaEpochHeader), err)
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), MediaEpochHeader) {
		t.Errorf("%s not exposed to scripts", MediaEpochHeader)
	}
	var media string
	for _, l := range strings.Split(body, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			media = l
			break
		}
	}
	resp, body = get(t, base+"/live/"+media)
	if e := resp.Header.Get(MediaEpochHeader); e != strconv.FormatInt(epoch, 10) {
		t.Errorf("media playlist epoch %q, want %d", e, epoch)
	}
	m := regexp.MustCompile(`#EXT-X-PROGRAM-DATE-TIME:(\S+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no PROGRAM-DATE-TIME in %q", body)
	}
	pdt, err := time.Parse(time.RFC3339Nano, m[1])
	if err != nil {
		t.Fatal(err)
	}
	// The first segment's media time: within the stream's span so far.
	mt := pdt.UnixMilli() - epoch
	if last := reg.Get("room-1_e").LastDTS().Milliseconds(); mt < 0 || mt > last {
		t.Errorf("first segment at media time %d ms, want within [0, %d]", mt, last)
	}
}
