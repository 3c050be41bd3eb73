package hls

import (
	"bytes"
	"net/http"
)

// countingWriter counts the bytes served and remembers whether the handler
// answered at all: gohlslib writes nothing for a file it does not know.
type countingWriter struct {
	http.ResponseWriter
	n       int64
	written bool
}

func (c *countingWriter) WriteHeader(code int) {
	c.written = true
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.written = true
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// bufferWriter captures a whole response: playlists we rewrite and the
// readiness probe.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferWriter() *bufferWriter { return &bufferWriter{header: http.Header{}} }

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
