package rtmp

import (
	"fmt"
	"time"
)

// Config sets the RTMP server's address and the limits it enforces on
// every connection.
type Config struct {
	Listen string `yaml:"listen"`
	// PublicHost is the host:port put into push URLs handed out by the
	// gateway (getpushurl): what publishers dial. Empty: the bound address.
	PublicHost string `yaml:"public_host"`
	// HandshakeTimeout bounds the handshake and the commands before publish.
	HandshakeTimeout time.Duration `yaml:"handshake_timeout"`
	// IdleTimeout closes a publishing connection that sends nothing.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxChunkSize is the largest chunk size a peer may set.
	MaxChunkSize uint32 `yaml:"max_chunk_size"`
	// MaxMessageSize is the largest media message accepted.
	MaxMessageSize int `yaml:"max_message_size"`
	// MaxStreamsPerConn bounds createStream calls on one connection.
	MaxStreamsPerConn int `yaml:"max_streams_per_conn"`
	// MaxConns bounds concurrent connections; more are closed at accept.
	MaxConns int `yaml:"max_conns"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Listen:            ":1935",
		HandshakeTimeout:  10 * time.Second,
		IdleTimeout:       15 * time.Second,
		MaxChunkSize:      1 << 20,
		MaxMessageSize:    8 << 20,
		MaxStreamsPerConn: 4,
		MaxConns:          1024,
	}
}

// Validate reports the first invalid field by its config name.
func (c Config) Validate() error {
	switch {
	case c.Listen == "":
		return fmt.Errorf("rtmp.listen: must be set (host:port)")
	case c.HandshakeTimeout <= 0:
		return fmt.Errorf("rtmp.handshake_timeout: must be positive")
	case c.IdleTimeout <= 0:
		return fmt.Errorf("rtmp.idle_timeout: must be positive")
	case c.MaxChunkSize < 128:
		return fmt.Errorf("rtmp.max_chunk_size: must be at least 128")
	case c.MaxMessageSize < 64<<10 || c.MaxMessageSize > 10<<20:
		return fmt.Errorf("rtmp.max_message_size: must be between 64 KiB and 10 MiB")
	case c.MaxStreamsPerConn < 1:
		return fmt.Errorf("rtmp.max_streams_per_conn: must be at least 1")
	case c.MaxConns < 1:
		return fmt.Errorf("rtmp.max_conns: must be at least 1")
	}
	return nil
}
