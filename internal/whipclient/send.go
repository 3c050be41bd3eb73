package whipclient

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// sendVideo sends the H.264 file an access unit per frame period. An access
// unit is the NALUs up to and including a picture's slice (x264 writes one
// slice a picture; SPS, PPS and SEI ride with the next picture).
func (c *Client) sendVideo(ctx context.Context, t *webrtc.TrackLocalStaticSample) error {
	period := time.Second / time.Duration(c.cfg.FPS)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		f, err := os.Open(c.cfg.H264)
		if err != nil {
			return err
		}
		r, err := h264reader.NewReader(f)
		if err != nil {
			f.Close()
			return err
		}
		var au []byte
		for {
			nal, err := r.NextNAL()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				f.Close()
				return err
			}
			au = append(au, 0, 0, 0, 1)
			au = append(au, nal.Data...)
			if nal.UnitType != h264reader.NalUnitTypeCodedSliceNonIdr && nal.UnitType != h264reader.NalUnitTypeCodedSliceIdr {
				continue
			}
			select {
			case <-ctx.Done():
				f.Close()
				return nil
			case <-tick.C:
			}
			if err := t.WriteSample(media.Sample{Data: au, Duration: period}); err != nil {
				f.Close()
				return err
			}
			c.frames.Add(1)
			au = nil
		}
		f.Close()
		if !c.cfg.Loop {
			return nil
		}
	}
}

// sendAudio sends the Ogg Opus file a page at a time, paced by the pages'
// granule positions.
func (c *Client) sendAudio(ctx context.Context, t *webrtc.TrackLocalStaticSample) error {
	start := time.Now()
	var sent time.Duration
	for {
		f, err := os.Open(c.cfg.Ogg)
		if err != nil {
			return err
		}
		r, _, err := oggreader.NewWith(f)
		if err != nil {
			f.Close()
			return err
		}
		var last uint64
		for {
			page, h, err := r.ParseNextPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				f.Close()
				return err
			}
			if len(page) >= 8 && string(page[:8]) == "OpusTags" {
				continue
			}
			samples := h.GranulePosition - last
			last = h.GranulePosition
			if samples == 0 || samples > 48000 {
				continue
			}
			d := time.Duration(samples) * time.Second / 48000
			if err := t.WriteSample(media.Sample{Data: page, Duration: d}); err != nil {
				f.Close()
				return err
			}
			c.audio.Add(1)
			sent += d
			select {
			case <-ctx.Done():
				f.Close()
				return nil
			case <-time.After(time.Until(start.Add(sent))):
			}
		}
		f.Close()
		if !c.cfg.Loop {
			return nil
		}
	}
}
