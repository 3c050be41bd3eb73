package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"livestudio/internal/flv"
	"livestudio/internal/pushsign"
	"livestudio/internal/testpeer"
)

const demoKey = "wxdemo-1"

func waitLive(t *testing.T, tg *testGateway, key string, units uint64) {
	t.Helper()
	waitFor(t, 20*time.Second, key+" live", func() bool {
		s := tg.Registry().Get(key)
		return s != nil && s.Stats().Units >= units
	})
}

// readFLVStart reads the FLV response of url up to the first video frame
// and returns the tags read.
func readFLVStart(t *testing.T, url string) (*http.Response, []flv.Tag) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	br := bufio.NewReader(resp.Body)
	hdr := make([]byte, 13)
	if _, err := io.ReadFull(br, hdr); err != nil || string(hdr[:3]) != "FLV" {
		t.Fatalf("FLV header: %q %v", hdr, err)
	}
	var tags []flv.Tag
	for {
		th := make([]byte, 11)
		if _, err := io.ReadFull(br, th); err != nil {
			t.Fatal(err)
		}
		n := int(th[1])<<16 | int(th[2])<<8 | int(th[3])
		rest := make([]byte, n+4)
		if _, err := io.ReadFull(br, rest); err != nil {
			t.Fatal(err)
		}
		tag, _, err := flv.ParseTag(append(th, rest...))
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, tag)
		if tag.Type == flv.TagVideo && isFrame(tag.Body) {
			return resp, tags
		}
	}
}

// isFrame tells whether a video tag body is a coded frame (legacy AVC or
// Enhanced RTMP), not a sequence header.
func isFrame(b []byte) bool {
	if b[0]&0x80 != 0 {
		return b[0]&0x0f == 1 || b[0]&0x0f == 3
	}
	return b[1] == 1
}

// isKey tells whether a video tag body is a keyframe.
func isKey(b []byte) bool { return (b[0]>>4)&7 == 1 }

func TestPublishPlayFLVAndHLS(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, nil)
	pub := publish(t, tg.pushURL(t, 1), 40*time.Second)
	waitLive(t, tg, demoKey, 100) // past the first GOP

	resp, tags := readFLVStart(t, tg.base+"/live/"+demoKey+".flv")
	if ct := resp.Header.Get("Content-Type"); ct != "video/x-flv" {
		t.Errorf("Content-Type %q", ct)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS header")
	}
	if tags[0].Type != flv.TagScript {
		t.Errorf("first tag is type %d, want onMetaData", tags[0].Type)
	}
	if first := tags[len(tags)-1]; !isKey(first.Body) {
		t.Errorf("first video frame is not a keyframe (%x)", first.Body[:2])
	}
	resp.Body.Close()

	for _, url := range []string{
		tg.base + "/live/" + demoKey + ".flv",
		tg.base + "/live/" + demoKey + ".m3u8",
		tg.base + "/live/" + demoKey + "/ll.m3u8",
	} {
		c := testpeer.Decode(t, url, 3*time.Second)
		if c["video"] < 50 || c["audio"] < 100 {
			t.Errorf("%s: decoded %v, want >=50 video and >=100 audio frames", url, c)
		}
	}
	for _, m := range []string{`livestudio_bytes_out_total{protocol="flv"}`, `livestudio_bytes_out_total{protocol="hls"}`,
		`livestudio_hls_requests_total`, `livestudio_rtmp_bytes_in_total`, `livestudio_publishers`} {
		if metric(t, tg, m) <= 0 {
			t.Errorf("metric %s not counted", m)
		}
	}
	select {
	case err := <-pub.exited:
		t.Fatalf("publisher exited early: %v: %s", err, pub.stderr)
	default:
	}
}

func TestUnknownStream404(t *testing.T) {
	tg := startGateway(t, nil)
	for _, path := range []string{"/live/nosuch.flv", "/live/nosuch.m3u8", "/live/nosuch/ll.m3u8"} {
		resp, err := http.Get(tg.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || !strings.Contains(string(body), "nosuch") {
			t.Errorf("%s: %d %q, want 404 naming the stream", path, resp.StatusCode, body)
		}
	}
}

func metric(t *testing.T, tg *testGateway, name string) float64 {
	t.Helper()
	resp, err := http.Get(tg.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, _ := strconv.ParseFloat(rest, 64)
			return v
		}
	}
	return 0
}

func TestPublishAuthRefused(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, nil)
	base := "rtmp://" + tg.RTMPAddr().String() + "/live/" + demoKey
	good := tg.pushURL(t, 1)
	_, q, _ := strings.Cut(good, "?")
	expired := pushsign.Query("demo-push-key", demoKey, time.Now().Add(-time.Minute))
	cases := map[string]string{
		"unsigned":       base,
		"bad_signature":  base + "?" + strings.Replace(q, "txSecret=", "txSecret=0", 1),
		"expired":        base + "?" + expired,
		"unknown_stream": "rtmp://" + tg.RTMPAddr().String() + "/live/otherapp-1?" + q,
	}
	for reason, url := range cases {
		p := publish(t, url, 5*time.Second)
		if err := p.waitExit(t, 20*time.Second); err == nil {
			t.Errorf("%s: publish succeeded", reason)
		}
		got := metric(t, tg, fmt.Sprintf("livestudio_rtmp_publish_refused_total{reason=%q}", reason))
		if got < 1 {
			t.Errorf("%s: refusal not counted (stderr %s)", reason, p.stderr)
		}
	}
	if keys := tg.Registry().Keys(); len(keys) != 0 {
		t.Errorf("refused publishes created streams %v", keys)
	}
}

func TestSecondPublisherRefusedReconnectResumes(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, nil)
	url := tg.pushURL(t, 1)
	first := publish(t, url, 60*time.Second)
	waitLive(t, tg, demoKey, 100)

	second := publish(t, url, 5*time.Second)
	if err := second.waitExit(t, 20*time.Second); err == nil {
		t.Fatalf("second publisher accepted")
	}
	if !strings.Contains(second.stderr.String(), "busy") {
		t.Errorf("second publisher got no clear error: %s", second.stderr)
	}

	// A viewer attached before the drop stays attached across it.
	resp, _ := readFLVStart(t, tg.base+"/live/"+demoKey+".flv")
	s := tg.Registry().Get(demoKey)
	before := s.Stats().Units
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.waitExit(t, 10*time.Second)
	third := publish(t, url, 60*time.Second)
	waitFor(t, 20*time.Second, "reconnected publisher's media", func() bool {
		return tg.Registry().Get(demoKey) == s && s.Stats().Units > before+100
	})
	select {
	case err := <-third.exited:
		t.Fatalf("reconnecting publisher refused: %v %s", err, third.stderr)
	default:
	}
	// The viewer keeps getting tags with monotonic timestamps.
	br := bufio.NewReader(resp.Body)
	var last uint32
	for i := 0; i < 200; i++ {
		th := make([]byte, 11)
		if _, err := io.ReadFull(br, th); err != nil {
			t.Fatalf("viewer lost across reconnect after %d tags: %v", i, err)
		}
		n := int(th[1])<<16 | int(th[2])<<8 | int(th[3])
		if _, err := io.CopyN(io.Discard, br, int64(n+4)); err != nil {
			t.Fatal(err)
		}
		ms := uint32(th[7])<<24 | uint32(th[4])<<16 | uint32(th[5])<<8 | uint32(th[6])
		if th[0] == flv.TagVideo && ms < last {
			t.Fatalf("video timestamp went back: %d after %d", ms, last)
		}
		if th[0] == flv.TagVideo {
			last = ms
		}
	}
}

func TestPublisherEndEndsResponse(t *testing.T) {
	needFFmpeg(t)
	// A long grace: the response must end because the publisher unpublished
	// cleanly, not because the grace ran out.
	tg := startGateway(t, func(c *Config) { c.Stream.ReconnectGrace = 5 * time.Minute })
	pub := publish(t, tg.pushURL(t, 1), 4*time.Second)
	t.Cleanup(func() { t.Logf("ffmpeg: %s", pub.stderr) })
	waitLive(t, tg, demoKey, 20)
	resp, _ := readFLVStart(t, tg.base+"/live/"+demoKey+".flv")
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		done <- err
	}()
	if err := pub.waitExit(t, 30*time.Second); err != nil {
		t.Fatalf("publisher: %v %s", err, pub.stderr)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("response ended with %v, want a clean end", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("response still open after the publisher ended")
	}
}

func TestSlowViewerDoesNotSlowOthers(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, func(c *Config) { c.HTTP.ViewerWriteTimeout = 2 * time.Second })
	pub := publish(t, tg.pushURL(t, 1), 60*time.Second, "-b:v", "3M", "-maxrate", "3M", "-bufsize", "1M")
	waitLive(t, tg, demoKey, 60)

	// The stalled viewer asks for the stream and never reads.
	stalled, err := net.Dial("tcp", tg.HTTPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(stalled, "GET /live/%s.flv HTTP/1.1\r\nHost: x\r\n\r\n", demoKey)

	resp, _ := readFLVStart(t, tg.base+"/live/"+demoKey+".flv")
	units := tg.Registry().Get(demoKey).Stats().Units
	var got int64
	deadline := time.Now().Add(60 * time.Second)
	for metric(t, tg, `livestudio_viewers_slow_closed_total{protocol="flv"}`) < 1 &&
		tg.Registry().Totals().SlowClosed < 1 {
		n, err := io.CopyN(io.Discard, resp.Body, 64<<10)
		got += n
		if err != nil {
			t.Fatalf("healthy viewer failed after %d bytes: %v", got, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("stalled viewer never closed (healthy viewer got %d bytes)", got)
		}
	}
	// The publisher and the healthy viewer kept going meanwhile.
	if after := tg.Registry().Get(demoKey).Stats().Units; after <= units+50 {
		t.Errorf("publisher stalled: %d units before, %d after", units, after)
	}
	if got < 256<<10 {
		t.Errorf("healthy viewer got only %d bytes", got)
	}
	select {
	case err := <-pub.exited:
		t.Fatalf("publisher exited: %v %s", err, pub.stderr)
	default:
	}
}
