package transcode

// G.711 (ITU-T G.711, 1988) expands 8-bit µ-law or A-law codes to 14- or
// 13-bit linear samples. Both laws are 256-entry tables built once per
// process from the reference algorithm (the one of Sun's g711.c, which
// FFmpeg's pcm_mulaw / pcm_alaw decoders also use): a table lookup is the
// whole decoder.

var (
	ulawTable = buildTable(ulawToLinear)
	alawTable = buildTable(alawToLinear)
)

func buildTable(expand func(byte) int16) *[256]float32 {
	var t [256]float32
	for i := range t {
		t[i] = float32(expand(byte(i))) / 32768
	}
	return &t
}

// ulawToLinear expands a µ-law code to a 16-bit sample (range ±32124).
func ulawToLinear(u byte) int16 {
	const bias = 0x84
	u = ^u
	t := (int(u&0x0f) << 3) + bias
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(bias - t)
	}
	return int16(t - bias)
}

// alawToLinear expands an A-law code to a 16-bit sample (range ±32256).
func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0f) << 4
	switch seg := (a & 0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// decodeG711 expands interleaved codes into planar samples in [-1, 1]:
// planes[c][i] is sample i of channel c. It returns the samples per
// channel; a trailing incomplete sample (stereo payload of odd length) is
// ignored. Each plane must hold len(codes)/len(planes) samples.
func decodeG711(table *[256]float32, codes []byte, planes [][]float32) int {
	if len(planes) == 1 {
		p := planes[0][:len(codes)]
		for i, c := range codes {
			p[i] = table[c]
		}
		return len(codes)
	}
	n := len(codes) / len(planes)
	for ch, p := range planes {
		p = p[:n]
		for i := range p {
			p[i] = table[codes[i*len(planes)+ch]]
		}
	}
	return n
}
