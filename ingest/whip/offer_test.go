package whip

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// offerCases is the case table of the offer check: it feeds the unit test
// and the fuzz seeds (testdata/offers).
var offerCases = []struct {
	file   string
	err    error // nil: relayable
	stereo bool
	opus   bool
	says   string // in the error
}{
	{file: "chromium156.sdp", opus: true}, // Debian's Chromium 156, our publish page (H.264 preferred)
	{file: "h264_opus.sdp", opus: true},
	{file: "h264_opus_stereo.sdp", opus: true, stereo: true},
	{file: "h265_opus.sdp", opus: true},
	{file: "h264_only.sdp"},
	{file: "h264_pcmu.sdp"},
	{file: "vp8_opus.sdp", err: ErrNoCodec, says: "offered video VP8/90000, audio opus/48000"},
	{file: "h264_mode0.sdp", err: ErrNoCodec, says: "H264/90000 (packetization-mode=0)"},
	{file: "pcmu_only.sdp", err: ErrNoCodec, says: "offered video none, audio PCMU/8000"},
	{file: "h264_recvonly.sdp", err: ErrNoCodec},
	{file: "no_media.sdp", err: ErrMalformedSDP},
	{file: "garbage.sdp", err: ErrMalformedSDP},
}

func readOfferFile(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "offers", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOffer(t *testing.T) {
	for _, c := range offerCases {
		o, err := parseOffer(readOfferFile(t, c.file))
		if err == nil {
			err = o.check()
		}
		if !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
			t.Errorf("%s: err %v, want %v", c.file, err, c.err)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %q does not say %q", c.file, err, c.says)
		}
		if err == nil && (o.opus != c.opus || o.stereo != c.stereo) {
			t.Errorf("%s: opus %v stereo %v", c.file, o.opus, o.stereo)
		}
	}
}

// No offer crashes the parser, and a relayable one always names its video.
func FuzzOffer(f *testing.F) {
	for _, c := range offerCases {
		f.Add(readOfferFile(f, c.file))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := parseOffer(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedSDP) {
				t.Fatalf("parse error %v is not ErrMalformedSDP", err)
			}
			return
		}
		if err := o.check(); err == nil && len(o.video) == 0 {
			t.Fatal("relayable without a video codec")
		} else if err != nil && !errors.Is(err, ErrNoCodec) {
			t.Fatalf("check error %v", err)
		}
	})
}
