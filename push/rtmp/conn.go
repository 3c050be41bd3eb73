// Package rtmp is the agent's RTMP push: a publishing client that writes
// stream units to a CDN or the gateway, and a Pusher that keeps a stream
// published across drops, refusals and push-URL expiry.
package rtmp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortmplib/pkg/amf0"
	"github.com/bluenviron/gortmplib/pkg/bytecounter"
	"github.com/bluenviron/gortmplib/pkg/handshake"
	"github.com/bluenviron/gortmplib/pkg/message"
	"github.com/bluenviron/gortmplib/pkg/rawmessage"

	"livestudio/internal/flv"
	"livestudio/internal/stream"
)

// ErrRefused: the server answered the publish with an error status (bad
// signature, expired URL, busy stream). The push URL should be fetched again.
var ErrRefused = errors.New("publish refused by the server")

// streamID is message stream 1 as gortmplib's chunk writer encodes it.
const streamID = 0x1000000

// Conn is one publishing RTMP connection.
type Conn struct {
	nc      net.Conn
	bc      *bytecounter.ReadWriter
	mu      sync.Mutex // writes: media from the caller, pings from the reader
	w       *message.Writer
	raw     *rawmessage.Writer
	timeout time.Duration
	readErr chan error
	base    time.Duration // DTS of the session's first unit
	started bool
	video   *stream.Track
	audio   *stream.Track
}

// SplitURL splits rtmp://host[:port]/app/name?query into the address, the
// app, the tcUrl (rtmp://host/app) and the publish name (name?query), as
// ffmpeg does.
func SplitURL(raw string) (addr, app, tcURL, name string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", "", "", fmt.Errorf("push URL: %w", err)
	}
	if u.Scheme != "rtmp" {
		return "", "", "", "", fmt.Errorf("push URL: scheme %q, want rtmp", u.Scheme)
	}
	app, stream, ok := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if !ok || app == "" || stream == "" {
		return "", "", "", "", fmt.Errorf("push URL: path %q, want /app/stream", u.Path)
	}
	addr = u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "1935")
	}
	name = stream
	if u.RawQuery != "" {
		name += "?" + u.RawQuery
	}
	return addr, app, "rtmp://" + u.Host + "/" + app, name, nil
}

// Dial connects, publishes and waits for the server's NetStream.Publish.Start.
// chunkSize is the outgoing chunk size (4096: CDNs flag more than 8192).
func Dial(ctx context.Context, pushURL string, chunkSize uint32, timeout time.Duration) (*Conn, error) {
	addr, app, tcURL, name, err := SplitURL(pushURL)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("rtmp dial %s: %w", addr, err)
	}
	c := &Conn{nc: nc, bc: bytecounter.NewReadWriter(nc), timeout: timeout, readErr: make(chan error, 1)}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	nc.SetDeadline(time.Now().Add(timeout))
	if err := c.publish(app, tcURL, name, chunkSize); err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("rtmp publish to %s: %w", addr, err)
	}
	nc.SetDeadline(time.Time{})
	return c, nil
}

func (c *Conn) publish(app, tcURL, name string, chunkSize uint32) error {
	if _, _, err := handshake.DoClient(c.bc, false, false); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	c.w = message.NewWriter(c.bc, c.bc.Writer, false)
	c.raw = rawmessage.NewWriter(c.bc, c.bc.Writer, false)
	r := rawmessage.NewReader(c.bc, c.bc.Reader, func(n uint32) error { return c.write(&message.Acknowledge{Value: n}) })
	streamName, _, _ := strings.Cut(name, "?")
	for _, m := range []message.Message{
		&message.CommandAMF0{ChunkStreamID: 3, Name: "connect", CommandID: 1, Arguments: []any{amf0.Object{
			{Key: "app", Value: app}, {Key: "type", Value: "nonprivate"}, {Key: "flashVer", Value: "FMLE/3.0 (compatible; livestudio)"},
			{Key: "tcUrl", Value: tcURL}}}},
		&message.SetChunkSize{Value: chunkSize},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "releaseStream", CommandID: 2, Arguments: []any{nil, streamName}},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "FCPublish", CommandID: 3, Arguments: []any{nil, streamName}},
		&message.CommandAMF0{ChunkStreamID: 3, Name: "createStream", CommandID: 4, Arguments: []any{nil}},
		&message.CommandAMF0{ChunkStreamID: 4, MessageStreamID: streamID, Name: "publish", CommandID: 5,
			Arguments: []any{nil, name, "live"}},
	} {
		if err := c.write(m); err != nil {
			return err
		}
	}
	c.raw.SetChunkSize(chunkSize)
	for {
		name, args, err := c.readCommand(r)
		if err != nil {
			return fmt.Errorf("waiting for publish start: %w", err)
		}
		code, desc := status(args)
		switch {
		case name == "_error":
			return fmt.Errorf("%w: %s %s", ErrRefused, code, desc)
		case name == "onStatus" && code == "NetStream.Publish.Start":
			go c.drain(r)
			return nil
		case name == "onStatus" && (strings.Contains(code, "Publish") || strings.Contains(code, "Rejected")):
			return fmt.Errorf("%w: %s: %s", ErrRefused, code, desc)
		}
	}
}

// readCommand reads messages until a command, handling control messages
// on the way. Commands are parsed leniently: servers send all shapes.
func (c *Conn) readCommand(r *rawmessage.Reader) (string, []any, error) {
	for {
		msg, err := r.Read()
		if err != nil {
			return "", nil, err
		}
		switch msg.Type {
		case 1: // set chunk size
			if len(msg.Body) >= 4 {
				if err := r.SetChunkSize(binary.BigEndian.Uint32(msg.Body) & 0x7fffffff); err != nil {
					return "", nil, err
				}
			}
		case 5: // window acknowledgement size
			if len(msg.Body) >= 4 {
				r.SetWindowAckSize(binary.BigEndian.Uint32(msg.Body))
			}
		case 4: // user control: answer pings
			if len(msg.Body) >= 6 && msg.Body[1] == 6 {
				c.write(&message.UserControlPingResponse{ServerTime: binary.BigEndian.Uint32(msg.Body[2:])})
			}
		case 20, 17:
			body := msg.Body
			if msg.Type == 17 && len(body) > 0 {
				body = body[1:]
			}
			data, err := amf0.Unmarshal(body)
			if err != nil || len(data) == 0 {
				continue // an unparsable command is not worth the session
			}
			name, _ := data[0].(string)
			return name, data[1:], nil
		}
	}
}

func status(args []any) (code, desc string) {
	for _, a := range args {
		if o, ok := a.(amf0.Object); ok {
			code, _ = o.GetString("code")
			desc, _ = o.GetString("description")
		}
	}
	return code, desc
}

// drain reads what the server sends while we publish (acks, pings, a late
// error status) so its window never fills, and reports the end.
func (c *Conn) drain(r *rawmessage.Reader) {
	for {
		name, args, err := c.readCommand(r)
		if err != nil {
			c.readErr <- fmt.Errorf("server connection: %w", err)
			return
		}
		if code, desc := status(args); name == "onStatus" && strings.HasPrefix(code, "NetStream.Publish.") &&
			code != "NetStream.Publish.Start" {
			c.readErr <- fmt.Errorf("%w: %s: %s", ErrRefused, code, desc)
			return
		}
	}
}

func (c *Conn) write(m message.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(m)
}

// Closed is sent the reason when the server ends the session.
func (c *Conn) Closed() <-chan error { return c.readErr }

// BytesSent counts bytes written to the server.
func (c *Conn) BytesSent() uint64 { return c.bc.Writer.Count() }

// Close unpublishes politely and closes the connection.
func (c *Conn) Close() {
	c.mu.Lock()
	c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	c.w.Write(&message.CommandAMF0{ChunkStreamID: 3, Name: "FCUnpublish", CommandID: 6, Arguments: []any{nil, ""}})
	c.w.Write(&message.CommandAMF0{ChunkStreamID: 3, Name: "deleteStream", CommandID: 7, Arguments: []any{nil, float64(1)}})
	c.mu.Unlock()
	c.nc.Close()
}

// WriteUnits sends units, announcing metadata and sequence headers first
// and again whenever a track's parameters change. Timestamps start at 0 for
// each session.
func (c *Conn) WriteUnits(units []*stream.Unit) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	for _, u := range units {
		if !c.started {
			c.base, c.started = u.DTS, true
			if err := c.writeMetadata(u); err != nil {
				return err
			}
		}
		dts := max(u.DTS-c.base, 0)
		typ := byte(flv.TagAudio)
		if u.IsVideo() {
			typ = flv.TagVideo
			if u.Track != c.video {
				c.video = u.Track
				if err := c.writeMedia(typ, dts, flv.AppendSequenceHeader(nil, u.Track)); err != nil {
					return err
				}
			}
		} else if u.Track != c.audio {
			c.audio = u.Track
			if err := c.writeMedia(typ, dts, flv.AppendSequenceHeader(nil, u.Track)); err != nil {
				return err
			}
		}
		if err := c.writeMedia(typ, dts, flv.AppendUnitBody(make([]byte, 0, u.Size()+16), u)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Conn) writeMetadata(u *stream.Unit) error {
	video, audio := c.video, c.audio
	if u.IsVideo() {
		video = u.Track
	} else {
		audio = u.Track
	}
	tag := flv.MetadataTag(video, audio)
	meta, _, err := flv.ParseTag(tag)
	if err != nil {
		return err
	}
	// @setDataFrame wraps onMetaData when a publisher sends it.
	body, err := amf0.Data{"@setDataFrame"}.Marshal()
	if err != nil {
		return err
	}
	return c.raw.Write(&rawmessage.Message{ChunkStreamID: 4, Type: flv.TagScript, MessageStreamID: streamID,
		Body: append(body, meta.Body...)})
}

func (c *Conn) writeMedia(typ byte, dts time.Duration, body []byte) error {
	csid := byte(4)
	if typ == flv.TagVideo {
		csid = 6
	}
	return c.raw.Write(&rawmessage.Message{ChunkStreamID: csid, Timestamp: dts, Type: typ,
		MessageStreamID: streamID, Body: body})
}
