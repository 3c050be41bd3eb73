package rtsp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/pion/rtp"

	"livestudio/internal/stream"
)

// play runs one RTSP session until ctx ends or it fails.
func (s *Source) play(ctx context.Context, out func(*stream.Unit)) error {
	u, err := base.ParseURL(s.cfg.URL)
	if err != nil {
		return fmt.Errorf("rtsp %s: invalid URL", s.url)
	}
	c := &gortsplib.Client{
		Scheme:      u.Scheme,
		Host:        u.Host,
		ReadTimeout: s.cfg.ReadTimeout,
		// gortsplib's default callbacks print with the standard logger.
		OnTransportSwitch: func(err error) {
			s.log.Warn("rtsp transport switched", "url", s.url, "reason", err.Error())
		},
		OnPacketsLost: func(n uint64) { s.lost.Add(n) },
		OnDecodeError: func(error) { s.dropped.Add(1) },
	}
	switch s.cfg.Transport {
	case TransportUDP:
		c.Protocol = ptr(gortsplib.ProtocolUDP)
	case TransportTCP:
		c.Protocol = ptr(gortsplib.ProtocolTCP)
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("rtsp %s: %w", s.url, err)
	}
	s.setClient(c)
	stop := context.AfterFunc(ctx, c.Close)
	sess := &session{s: s, out: out}
	defer func() {
		stop()
		c.Close()
		sess.close()
		s.setClient(nil)
	}()

	desc, _, err := c.Describe(u)
	if err != nil {
		return classify("describe", s.url, err)
	}
	if err := sess.pick(desc); err != nil {
		return fmt.Errorf("rtsp describe %s: %w", s.url, err)
	}
	if _, err := c.Setup(desc.BaseURL, sess.vMedia, 0, 0); err != nil {
		return classify("setup video", s.url, err)
	}
	c.OnPacketRTP(sess.vMedia, sess.vFormat, func(pkt *rtp.Packet) {
		if pts, ok := c.PacketPTS(sess.vMedia, pkt); ok {
			sess.onVideo(pkt, pts)
		}
	})
	if sess.aMedia != nil {
		if _, err := c.Setup(desc.BaseURL, sess.aMedia, 0, 0); err != nil {
			return classify("setup audio", s.url, err)
		}
		c.OnPacketRTP(sess.aMedia, sess.aFormat, func(pkt *rtp.Packet) {
			if pts, ok := c.PacketPTS(sess.aMedia, pkt); ok {
				sess.onAudio(pkt, pts)
			}
		})
	}
	if _, err := c.Play(nil); err != nil {
		return classify("play", s.url, err)
	}
	attrs := []any{"url", s.url, "video", sess.vFormat.RTPMap()}
	if tr := c.Transport(); tr.Session != nil {
		attrs = append(attrs, "transport", tr.Session.Protocol.String())
	}
	if sess.aFormat != nil {
		attrs = append(attrs, "audio", sess.aFormat.RTPMap())
	}
	s.log.Info("rtsp playing", attrs...)
	return classify("read", s.url, c.Wait())
}

// pick chooses the first H.264 or H.265 video and, in AudioPass mode, the
// first AAC audio.
func (ss *session) pick(desc *description.Session) error {
	var offered, skipped []string
	for _, m := range desc.Medias {
		if m.IsBackChannel {
			continue
		}
		for _, f := range m.Formats {
			offered = append(offered, f.RTPMap())
			switch f := f.(type) {
			case *format.H264:
				if ss.video == nil {
					ss.vMedia, ss.vFormat = m, f
					ss.video = newVideo(stream.CodecH264, nil, f.SPS, f.PPS)
					d, err := f.CreateDecoder()
					if err != nil {
						return fmt.Errorf("H.264: %w", err)
					}
					ss.vDecode = d.Decode
				}
				continue
			case *format.H265:
				if ss.video == nil {
					ss.vMedia, ss.vFormat = m, f
					ss.video = newVideo(stream.CodecH265, f.VPS, f.SPS, f.PPS)
					d, err := f.CreateDecoder()
					if err != nil {
						return fmt.Errorf("H.265: %w", err)
					}
					ss.vDecode = d.Decode
				}
				continue
			}
			if m.Type != description.MediaTypeAudio || ss.s.cfg.AudioMode == AudioOff || ss.audio != nil {
				continue
			}
			a, err := newAAC(f)
			switch {
			case err != nil:
				skipped = append(skipped, f.RTPMap()+" ("+err.Error()+")")
			case a == nil:
				skipped = append(skipped, f.RTPMap())
			default:
				ss.aMedia, ss.aFormat, ss.audio = m, f, a
			}
		}
	}
	if ss.video == nil {
		return fmt.Errorf("%w (offered: %s)", ErrNoVideo, strings.Join(offered, ", "))
	}
	if ss.audio == nil && len(skipped) > 0 {
		// Transcoding G.711 / Opus to AAC is a later slice.
		ss.s.log.Warn("rtsp audio not supported yet: playing video only",
			"url", ss.s.url, "audio", strings.Join(skipped, ", "))
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// needMore: the packet was buffered, the access unit is not complete yet.
func needMore(err error) bool {
	return errors.Is(err, rtph264.ErrMorePacketsNeeded) || errors.Is(err, rtph265.ErrMorePacketsNeeded)
}

// midUnit: the packet continues an access unit whose start was not seen
// (the session began inside it): not damage, nothing to count.
func midUnit(err error) bool {
	return errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) ||
		errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious)
}
