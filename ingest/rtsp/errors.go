package rtsp

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/liberrors"
)

// Errors Run returns, wrapped with the step and the URL (password
// redacted), so the caller can tell a misconfiguration (ErrAuth,
// ErrNotFound, ErrNoVideo: retrying soon will not help) from a camera that
// is away (ErrUnreachable, ErrTimeout: retry with backoff).
var (
	// ErrUnreachable: the TCP connection could not be made (refused, no
	// route, DNS failure, connect timeout).
	ErrUnreachable = errors.New("camera unreachable")
	// ErrAuth: the camera refused the credentials of the URL (401/403).
	ErrAuth = errors.New("authentication failed: check the user and password in the URL")
	// ErrNotFound: the camera has no stream at the URL's path (404).
	ErrNotFound = errors.New("stream not found: check the URL's path")
	// ErrNoVideo: the camera offers no H.264 or H.265 video.
	ErrNoVideo = errors.New("no H.264 or H.265 video track")
	// ErrTimeout: the camera stopped answering or sending media for
	// longer than ReadTimeout.
	ErrTimeout = errors.New("read timeout")
	// ErrRunning: Run was called while another Run of the Source is active.
	ErrRunning = errors.New("source is already running")
)

// classify wraps a gortsplib error of the given step with the sentinel that
// names its cause, keeping the original text.
func classify(step, url string, err error) error {
	var sentinel error
	var status liberrors.ErrClientBadStatusCode
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &status):
		switch status.Code {
		case base.StatusUnauthorized, base.StatusForbidden:
			sentinel = ErrAuth
		case base.StatusNotFound:
			sentinel = ErrNotFound
		}
	case errors.As(err, &dnsErr), errors.As(err, &opErr) && opErr.Op == "dial":
		sentinel = ErrUnreachable
	case errors.As(err, &liberrors.ErrClientRequestTimedOut{}),
		errors.As(err, &liberrors.ErrClientTCPTimeout{}),
		errors.As(err, &liberrors.ErrClientUDPTimeout{}),
		errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		sentinel = ErrTimeout
	}
	if sentinel == nil {
		return fmt.Errorf("rtsp %s %s: %w", step, url, err)
	}
	return fmt.Errorf("rtsp %s %s: %w: %w", step, url, sentinel, err)
}
