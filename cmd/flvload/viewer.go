package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

const readBufSize = 64 << 10

// result is what one viewer saw.
type result struct {
	Start       time.Time     // just before the request was written
	End         time.Time     // when the viewer stopped reading
	TTFF        time.Duration // to the end of the first video keyframe tag; 0 if none
	Bytes       int64         // FLV bytes after the HTTP response header
	MarkBytes   int64         // Bytes when the steady window began
	LastTS      uint32        // newest complete tag's timestamp, ms
	HaveTS      bool
	ClosedEarly bool   // the server ended the response before the run did
	Failed      bool   // never got a playable stream: dial, status or protocol
	Err         string // what went wrong, if anything
}

// viewer opens one HTTP-FLV response and reads it until end (or ctx ends),
// keeping only counters: one 64 KiB buffer, reused for every read.
type viewer struct {
	t       target
	end     time.Time
	trackTS bool         // walk tag headers after the first keyframe too
	steady  *atomic.Bool // set when the steady window begins
	yield   bool         // let other viewers run after every read
}

func (v viewer) run(ctx context.Context) (r result) {
	d := net.Dialer{Timeout: 5 * time.Second, Deadline: v.end}
	conn, err := d.DialContext(ctx, "tcp", v.t.addr)
	if err != nil {
		r.Start, r.End, r.Failed, r.Err = time.Now(), time.Now(), true, "dial: "+errClass(err)
		return r
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	conn.SetDeadline(v.end)
	r.Start = time.Now()
	if _, err := conn.Write(v.t.request); err != nil {
		r.End, r.Failed, r.Err = time.Now(), true, "write request: "+errClass(err)
		return r
	}
	buf := make([]byte, readBufSize)
	body, err := readResponseHeader(conn, buf)
	if err != nil {
		r.End, r.Failed, r.Err = time.Now(), true, err.Error()
		return r
	}
	w := newTagWalker()
	walking, marked := true, false
	for {
		if !marked && v.steady.Load() {
			r.MarkBytes, marked = r.Bytes, true
		}
		if len(body) > 0 {
			r.Bytes += int64(len(body))
			if walking {
				first, err := w.feed(body)
				if err != nil {
					r.End, r.Failed, r.Err = time.Now(), true, err.Error()
					return r
				}
				if first {
					r.TTFF = time.Since(r.Start)
					walking = v.trackTS
				}
			}
		}
		if err != nil {
			break
		}
		if v.yield {
			// Round-robin between viewers: real viewers read in parallel, so
			// one viewer's backlog must not delay another's first frame.
			runtime.Gosched()
		}
		var n int
		n, err = conn.Read(buf)
		body = buf[:n]
	}
	r.End = time.Now()
	if !marked { // nothing arrived within the steady window
		r.MarkBytes = r.Bytes
	}
	r.LastTS, r.HaveTS = w.lastTS, w.tags > 0 && walking
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		r.ClosedEarly = true
		if !errors.Is(err, io.EOF) {
			r.Err = "read: " + errClass(err)
		}
	}
	return r
}

// readResponseHeader reads up to the end of the HTTP response header and
// returns the body bytes that came with it (a slice of buf).
func readResponseHeader(conn net.Conn, buf []byte) ([]byte, error) {
	have := 0
	for {
		n, err := conn.Read(buf[have:])
		have += n
		if i := bytes.Index(buf[:have], []byte("\r\n\r\n")); i >= 0 {
			if !bytes.HasPrefix(buf[:have], []byte("HTTP/1.1 200 ")) && !bytes.HasPrefix(buf[:have], []byte("HTTP/1.0 200 ")) {
				line, _, _ := bytes.Cut(buf[:i], []byte("\r\n"))
				return nil, fmt.Errorf("status: %.60s", line)
			}
			return buf[i+4 : have], nil
		}
		if err != nil {
			return nil, fmt.Errorf("response header: %s", errClass(err))
		}
		if have == len(buf) {
			return nil, errors.New("response header: larger than 64 KiB")
		}
	}
}

// errClass names an error briefly so that failures aggregate by kind.
func errClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}
