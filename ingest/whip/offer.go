package whip

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// maxOfferBytes bounds an offer: browsers send 5-10 kB.
const maxOfferBytes = 64 << 10

// offer is what an SDP offer (or our answer) carries, as far as relaying
// goes: the codecs of each kind, and the ones we can relay.
type offer struct {
	video, audio []string // "H264/90000 (packetization-mode=1)", in offer order
	// videoOK: H.264 packetization-mode 1 or H.265 in a sending video
	// section; opus: Opus in a sending audio section; stereo: its fmtp
	// says the sender sends stereo.
	videoOK, opus, stereo bool
}

// parseOffer reads an SDP offer. It fails on text that is not SDP or has no
// media; which codecs can be relayed is left to check.
func parseOffer(b []byte) (offer, error) { return parseSDP(b, false) }

// parseSDP reads an offer, or (answer) our answer, whose accepted sections
// are recvonly.
func parseSDP(b []byte, answer bool) (offer, error) {
	var o offer
	var d sdp.SessionDescription
	if err := d.Unmarshal(b); err != nil {
		return o, fmt.Errorf("%w: %v", ErrMalformedSDP, err)
	}
	if len(d.MediaDescriptions) == 0 {
		return o, fmt.Errorf("%w: no media section", ErrMalformedSDP)
	}
	for _, m := range d.MediaDescriptions {
		kind := m.MediaName.Media
		if kind != "video" && kind != "audio" {
			continue
		}
		sending := m.MediaName.Port.Value != 0
		for _, a := range m.Attributes {
			if a.Key == "inactive" || a.Key == "recvonly" && !answer {
				sending = false
			}
		}
		codecs := mediaCodecs(m)
		for _, pt := range m.MediaName.Formats {
			c, ok := codecs[pt]
			if !ok {
				continue
			}
			name := strings.ToUpper(c.name)
			if name == "RTX" || name == "RED" || name == "ULPFEC" || name == "FLEXFEC-03" ||
				name == "TELEPHONE-EVENT" || name == "CN" {
				continue // helpers of another codec, not media
			}
			label := c.name + "/" + c.rate
			if kind == "video" {
				if name == "H264" {
					label += " (packetization-mode=" + c.param("packetization-mode", "0") + ")"
				}
				o.video = appendNew(o.video, label)
				if sending && (name == "H264" && c.param("packetization-mode", "0") == "1" || name == "H265") {
					o.videoOK = true
				}
				continue
			}
			o.audio = appendNew(o.audio, label)
			if sending && name == "OPUS" {
				o.opus = true
				o.stereo = o.stereo || c.param("sprop-stereo", "0") == "1" || c.param("stereo", "0") == "1"
			}
		}
	}
	if len(o.video) == 0 && len(o.audio) == 0 {
		return o, fmt.Errorf("%w: no audio or video codec in the offer", ErrMalformedSDP)
	}
	return o, nil
}

// check says whether the offer can be relayed: it needs H.264
// (packetization-mode 1) or H.265 video; Opus audio is optional.
func (o offer) check() error {
	if !o.videoOK {
		return fmt.Errorf("%w: offered video %s, audio %s; relayed: H264 (packetization-mode=1) or H265 video, Opus audio",
			ErrNoCodec, listOrNone(o.video), listOrNone(o.audio))
	}
	return nil
}

type sdpCodec struct {
	name, rate string
	fmtp       map[string]string
}

func (c sdpCodec) param(k, def string) string {
	if v, ok := c.fmtp[k]; ok {
		return v
	}
	return def
}

// mediaCodecs maps a section's payload types to their rtpmap and fmtp.
func mediaCodecs(m *sdp.MediaDescription) map[string]sdpCodec {
	out := map[string]sdpCodec{}
	for _, a := range m.Attributes {
		pt, rest, ok := strings.Cut(a.Value, " ")
		if !ok {
			continue
		}
		if _, err := strconv.ParseUint(pt, 10, 7); err != nil {
			continue
		}
		c := out[pt]
		switch a.Key {
		case "rtpmap":
			parts := strings.Split(rest, "/")
			c.name = parts[0]
			if len(parts) > 1 {
				c.rate = parts[1]
			}
		case "fmtp":
			c.fmtp = map[string]string{}
			for _, kv := range strings.Split(rest, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				c.fmtp[strings.ToLower(k)] = v
			}
		default:
			continue
		}
		out[pt] = c
	}
	// Static payload types (RFC 3551) may come without an rtpmap.
	for pt, name := range map[string]string{"0": "PCMU", "8": "PCMA", "9": "G722"} {
		if c, ok := out[pt]; !ok || c.name == "" {
			out[pt] = sdpCodec{name: name, rate: "8000", fmtp: c.fmtp}
		}
	}
	for pt, c := range out {
		if c.name == "" {
			delete(out, pt)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}
