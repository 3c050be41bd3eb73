package flv

import "fmt"

// AVCConfig is the part of an AVCDecoderConfigurationRecord we use.
type AVCConfig struct {
	SPS, PPS      []byte
	NALULenLength int
}

// ParseAVCConfig parses an AVCDecoderConfigurationRecord (ISO 14496-15).
// Only the first SPS and PPS are kept: that is what decoders use.
func ParseAVCConfig(b []byte) (AVCConfig, error) {
	var c AVCConfig
	if len(b) < 7 || b[0] != 1 {
		return c, fmt.Errorf("avcC: %w", ErrMalformed)
	}
	c.NALULenLength = int(b[4]&3) + 1
	nsps := int(b[5] & 0x1f)
	p := 6
	for i := 0; i < nsps; i++ {
		nalu, next, err := readU16Prefixed(b, p)
		if err != nil {
			return c, fmt.Errorf("avcC SPS: %w", err)
		}
		if c.SPS == nil {
			c.SPS = nalu
		}
		p = next
	}
	if p >= len(b) {
		return c, fmt.Errorf("avcC PPS count: %w", ErrShort)
	}
	npps := int(b[p])
	p++
	for i := 0; i < npps; i++ {
		nalu, next, err := readU16Prefixed(b, p)
		if err != nil {
			return c, fmt.Errorf("avcC PPS: %w", err)
		}
		if c.PPS == nil {
			c.PPS = nalu
		}
		p = next
	}
	if len(c.SPS) < 4 || len(c.PPS) == 0 {
		return c, fmt.Errorf("avcC without SPS or PPS: %w", ErrMalformed)
	}
	return c, nil
}

// AppendAVCConfig appends an AVCDecoderConfigurationRecord with 4-byte NALU
// lengths for the given SPS and PPS.
func AppendAVCConfig(dst, sps, pps []byte) []byte {
	var profile, compat, level byte = 66, 0, 30
	if len(sps) >= 4 {
		profile, compat, level = sps[1], sps[2], sps[3]
	}
	dst = append(dst, 1, profile, compat, level, 0xff, 0xe1, byte(len(sps)>>8), byte(len(sps)))
	dst = append(dst, sps...)
	dst = append(dst, 1, byte(len(pps)>>8), byte(len(pps)))
	return append(dst, pps...)
}

func readU16Prefixed(b []byte, p int) ([]byte, int, error) {
	if p+2 > len(b) {
		return nil, p, ErrShort
	}
	n := int(b[p])<<8 | int(b[p+1])
	p += 2
	if p+n > len(b) {
		return nil, p, ErrShort
	}
	return b[p : p+n : p+n], p + n, nil
}
