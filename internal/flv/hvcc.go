package flv

import (
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
)

// HEVCConfig is the part of an HEVCDecoderConfigurationRecord we use.
type HEVCConfig struct {
	VPS, SPS, PPS []byte
	NALULenLength int
}

// H.265 NAL unit types of the parameter sets.
const (
	h265VPS = 32
	h265SPS = 33
	h265PPS = 34
)

// ParseHEVCConfig parses an HEVCDecoderConfigurationRecord (ISO 14496-15).
func ParseHEVCConfig(b []byte) (HEVCConfig, error) {
	var c HEVCConfig
	if len(b) < 23 {
		return c, fmt.Errorf("hvcC: %w", ErrShort)
	}
	c.NALULenLength = int(b[21]&3) + 1
	narrays := int(b[22])
	p := 23
	for i := 0; i < narrays; i++ {
		if p+3 > len(b) {
			return c, fmt.Errorf("hvcC array: %w", ErrShort)
		}
		typ := b[p] & 0x3f
		n := int(b[p+1])<<8 | int(b[p+2])
		p += 3
		for j := 0; j < n; j++ {
			nalu, next, err := readU16Prefixed(b, p)
			if err != nil {
				return c, fmt.Errorf("hvcC NALU: %w", err)
			}
			p = next
			switch {
			case typ == h265VPS && c.VPS == nil:
				c.VPS = nalu
			case typ == h265SPS && c.SPS == nil:
				c.SPS = nalu
			case typ == h265PPS && c.PPS == nil:
				c.PPS = nalu
			}
		}
	}
	if len(c.VPS) == 0 || len(c.SPS) < 15 || len(c.PPS) == 0 {
		return c, fmt.Errorf("hvcC without VPS, SPS or PPS: %w", ErrMalformed)
	}
	return c, nil
}

// AppendHEVCConfig appends an HEVCDecoderConfigurationRecord with 4-byte
// NALU lengths. Profile, tier and level are copied from the SPS.
func AppendHEVCConfig(dst, vps, sps, pps []byte) []byte {
	rbsp := h264.EmulationPreventionRemove(sps)
	ptl := make([]byte, 12)
	if len(rbsp) >= 15 {
		copy(ptl, rbsp[3:15])
	}
	chroma, lumaDepth, chromaDepth := byte(1), byte(0), byte(0)
	var parsed h265.SPS
	if err := parsed.Unmarshal(sps); err == nil {
		chroma = byte(parsed.ChromaFormatIdc)
		lumaDepth, chromaDepth = byte(parsed.BitDepthLumaMinus8), byte(parsed.BitDepthChromaMinus8)
	}
	dst = append(dst, 1)
	dst = append(dst, ptl...) // profile space/tier/idc, compat flags, constraints, level
	dst = append(dst,
		0xf0, 0x00, // min_spatial_segmentation_idc
		0xfc,             // parallelismType
		0xfc|chroma&3,    // chroma_format_idc
		0xf8|lumaDepth&7, // bit depth luma
		0xf8|chromaDepth&7,
		0, 0, // avgFrameRate
		0x0f, // 1 temporal layer, nested, 4-byte lengths
		3)
	for _, ps := range []struct {
		typ  byte
		nalu []byte
	}{{h265VPS, vps}, {h265SPS, sps}, {h265PPS, pps}} {
		dst = append(dst, 0x80|ps.typ, 0, 1, byte(len(ps.nalu)>>8), byte(len(ps.nalu)))
		dst = append(dst, ps.nalu...)
	}
	return dst
}
