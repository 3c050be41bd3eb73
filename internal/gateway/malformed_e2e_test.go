package gateway

import (
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/gortmplib/pkg/rawmessage"
)

// rawPublisher does a real handshake, connect, createStream and publish,
// then lets the test send arbitrary RTMP messages.
type rawPublisher struct {
	nc  net.Conn
	mrw *message.ReadWriter
	raw *rawmessage.Writer
}

func dialRawPublisher(t *testing.T, pushURL string) *rawPublisher {
	t.Helper()
	u, err := url.Parse(pushURL)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	bc := bytecounter.NewReadWriter(nc)
	if _, _, err := handshake.DoClient(bc, false, false); err != nil {
		t.Fatal(err)
	}
	p := &rawPublisher{nc: nc, mrw: message.NewReadWriter(bc, bc, false), raw: rawmessage.NewWriter(bc, bc.Writer, false)}
	name := strings.TrimPrefix(u.Path, "/live/") + "?" + u.RawQuery
	for _, cmd := range []*message.CommandAMF0{
		{ChunkStreamID: 3, Name: "connect", CommandID: 1, Arguments: []any{amf0.Object{
			{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://" + u.Host + "/live"}}}},
		{ChunkStreamID: 3, Name: "createStream", CommandID: 2, Arguments: []any{nil}},
		{ChunkStreamID: 3, MessageStreamID: 1, Name: "publish", CommandID: 3, Arguments: []any{nil, name, "live"}},
	} {
		if err := p.mrw.Write(cmd); err != nil {
			t.Fatal(err)
		}
	}
	// Read until the publish answer.
	for {
		msg, err := p.mrw.Read()
		if err != nil {
			t.Fatalf("waiting for publish start: %v", err)
		}
		if c, ok := msg.(*message.CommandAMF0); ok && c.Name == "onStatus" {
			if st, ok := c.Arguments[1].(amf0.Object); ok {
				if code, _ := st.GetString("code"); code != "NetStream.Publish.Start" {
					t.Fatalf("publish refused: %v", st)
				}
			}
			return p
		}
	}
}

// waitClosed reads until the server closes the connection.
func waitClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.Copy(io.Discard, nc); err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("server did not close the malformed connection")
		}
	}
}

func TestMalformedRTMPClosesOnlyThatConnection(t *testing.T) {
	needFFmpeg(t)
	tg := startGateway(t, nil)
	live := publish(t, tg.pushURL(t, 1), 60*time.Second)
	waitLive(t, tg, demoKey, 50)
	s := tg.Registry().Get(demoKey)

	// 1. Garbage instead of a handshake.
	nc, err := net.Dial("tcp", tg.RTMPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 4096)
	rand.Read(junk)
	junk[0] = 0x42 // not RTMP version 3
	nc.Write(junk)
	waitClosed(t, nc)
	nc.Close()

	// 2. A real handshake, then a broken chunk stream.
	nc, err = net.Dial("tcp", tg.RTMPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := handshake.DoClient(nc, false, false); err != nil {
		t.Fatal(err)
	}
	nc.Write([]byte{0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) // extended chunk stream id, absurd header
	nc.Write(junk)
	waitClosed(t, nc)
	nc.Close()

	// 3. A signed publish on another room, then a malformed AVC sequence header.
	p := dialRawPublisher(t, tg.pushURL(t, 2))
	p.raw.Write(&rawmessage.Message{ChunkStreamID: 6, Type: 9, MessageStreamID: 1,
		Body: []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00}})
	waitClosed(t, p.nc)

	// 4. An oversized chunk size.
	p = dialRawPublisher(t, tg.pushURL(t, 3))
	p.mrw.Write(&message.SetChunkSize{Value: 0x7fffffff})
	waitClosed(t, p.nc)

	if got := metric(t, tg, `livestudio_rtmp_connection_errors_total{kind="protocol"}`); got < 3 {
		t.Errorf("protocol errors counted: %v, want >= 3", got)
	}
	if got := metric(t, tg, `livestudio_rtmp_connection_errors_total{kind="media"}`); got < 1 {
		t.Errorf("media errors counted: %v, want >= 1", got)
	}
	// The live stream was not disturbed.
	before := s.Stats().Units
	waitFor(t, 10*time.Second, "live stream still flowing", func() bool { return s.Stats().Units > before+25 })
	if tg.Registry().Get(demoKey) != s {
		t.Error("live stream was replaced")
	}
	select {
	case err := <-live.exited:
		t.Fatalf("live publisher died: %v %s", err, live.stderr)
	default:
	}
}
