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
	"github.com/pion/webrtc/v4/pkg/media/h265reader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// sendVideo sends the H.264 file an access unit per frame period. An
// access unit starts at a parameter set, SEI or delimiter after a picture,
// or at a slice that starts a picture (first_mb_in_slice 0) after one: x264
// with sliced threads writes several slices a picture.
func (c *Client) sendVideo(ctx context.Context, t *webrtc.TrackLocalStaticSample, start time.Time) error {
	period := time.Second / time.Duration(c.cfg.FPS)
	n := 0
	send := func(au []byte) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(start.Add(time.Duration(n) * period))):
		}
		n++
		if err := t.WriteSample(media.Sample{Data: au, Duration: period}); err != nil {
			return err
		}
		c.frames.Add(1)
		return nil
	}
	for {
		if err := c.sendFile(send); err != nil {
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}
		if !c.cfg.Loop {
			return nil
		}
	}
}

// nalReader returns the file's NAL units one by one (header included),
// io.EOF at the end.
type nalReader func() ([]byte, error)

// codecSyntax says which NAL units are pictures (slices) and which slice
// starts a picture.
type codecSyntax struct {
	vcl, firstSlice func(nal []byte) bool
	minLen          int
}

var (
	h264Syntax = codecSyntax{minLen: 2,
		vcl: func(n []byte) bool { t := n[0] & 0x1f; return t >= 1 && t <= 5 },
		// first_mb_in_slice is ue(v): a 1 bit is the value 0.
		firstSlice: func(n []byte) bool { return n[1]&0x80 != 0 }}
	h265Syntax = codecSyntax{minLen: 3,
		vcl:        func(n []byte) bool { return (n[0]>>1)&0x3f < 32 },
		firstSlice: func(n []byte) bool { return n[2]&0x80 != 0 }} // first_slice_segment_in_pic_flag
)

func (c *Client) openNALs(f *os.File) (nalReader, codecSyntax, error) {
	if c.cfg.H265 {
		r, err := h265reader.NewReader(f)
		if err != nil {
			return nil, h265Syntax, err
		}
		return func() ([]byte, error) {
			n, err := r.NextNAL()
			if err != nil {
				return nil, err
			}
			return n.Data, nil
		}, h265Syntax, nil
	}
	r, err := h264reader.NewReader(f)
	if err != nil {
		return nil, h264Syntax, err
	}
	return func() ([]byte, error) {
		n, err := r.NextNAL()
		if err != nil {
			return nil, err
		}
		return n.Data, nil
	}, h264Syntax, nil
}

// sendFile splits the video file into access units for send.
func (c *Client) sendFile(send func(au []byte) error) error {
	f, err := os.Open(c.cfg.H264)
	if err != nil {
		return err
	}
	defer f.Close()
	next, syn, err := c.openNALs(f)
	if err != nil {
		return err
	}
	var au []byte
	picture := false // au holds a slice
	for {
		nal, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(nal) < syn.minLen {
			continue
		}
		vcl := syn.vcl(nal)
		if picture && (!vcl || syn.firstSlice(nal)) {
			if err := send(au); err != nil {
				return err
			}
			au, picture = nil, false
		}
		au = append(au, 0, 0, 0, 1)
		au = append(au, nal...)
		picture = picture || vcl
	}
	if picture {
		return send(au)
	}
	return nil
}

// sendAudio sends the Ogg Opus file a page at a time, paced by the pages'
// granule positions.
func (c *Client) sendAudio(ctx context.Context, t *webrtc.TrackLocalStaticSample, start time.Time) error {
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
