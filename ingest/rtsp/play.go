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
	"livestudio/internal/transcode"
	"livestudio/internal/videoau"
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
		if tc, ok := sess.audio.(*transcoded); ok {
			attrs = append(attrs, "audio_out", fmt.Sprintf("AAC-LC/%d/%d (transcoded)", tc.track.SampleRate, tc.track.Channels))
		}
	}
	s.log.Info("rtsp playing", attrs...)
	return classify("read", s.url, c.Wait())
}

// pick chooses the first H.264 or H.265 video and, unless AudioOff, an
// audio: the first AAC, else (AudioPass) the first G.711 or Opus, which is
// transcoded to AAC.
func (ss *session) pick(desc *description.Session) error {
	var offered, skipped []string
	var tcMedia *description.Media
	var tcFormat format.Format
	var tcConfig transcode.Config
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
					ss.video = videoau.New(stream.CodecH264, nil, f.SPS, f.PPS)
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
					ss.video = videoau.New(stream.CodecH265, f.VPS, f.SPS, f.PPS)
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
			case a != nil:
				ss.aMedia, ss.aFormat, ss.audio = m, f, a
			default:
				c, ok := transcodable(f)
				switch {
				case !ok:
					skipped = append(skipped, f.RTPMap())
				case ss.s.cfg.AudioMode != AudioPass:
					skipped = append(skipped, f.RTPMap()+" (needs transcoding: audio mode "+ss.s.cfg.AudioMode+")")
				case tcMedia == nil:
					tcMedia, tcFormat, tcConfig = m, f, c
				}
			}
		}
	}
	if ss.video == nil {
		return fmt.Errorf("%w (offered: %s)", ErrNoVideo, strings.Join(offered, ", "))
	}
	if ss.audio == nil && tcMedia != nil {
		// AAC is preferred (no transcoding), so the encoder is made last.
		a, err := newTranscoded(tcConfig, &ss.s.dropped)
		if err != nil {
			skipped = append(skipped, tcFormat.RTPMap()+" ("+err.Error()+")")
		} else {
			ss.aMedia, ss.aFormat, ss.audio = tcMedia, tcFormat, a
		}
	}
	if ss.audio == nil && len(skipped) > 0 {
		ss.s.log.Warn("rtsp audio not supported: playing video only",
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
