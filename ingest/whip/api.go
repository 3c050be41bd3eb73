package whip

import (
	"strconv"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// h264Profiles are the profile-level-ids we accept with packetization-mode
// 1 (pion matches profile_idc and constraint flags, not the level):
// constrained baseline, baseline, main, high and constrained high, the
// ones browsers and OBS offer.
var h264Profiles = []string{"42e01f", "42001f", "42c01f", "4d001f", "4d401f", "64001f", "640c1f"}

// newAPI builds the pion API of one session: its own media engine (pion
// wants one per PeerConnection) with only the codecs we relay, the NACK
// generator and RTCP receiver reports, and a counter of the feedback we
// send.
func (s *Server) newAPI(c *sessionCounters) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}
	pt := webrtc.PayloadType(96)
	video := func(mime, fmtp string) error {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{PayloadType: pt,
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mime, ClockRate: 90000, SDPFmtpLine: fmtp, RTCPFeedback: fb}},
			webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
		// RTX: retransmissions arrive on their own stream, which pion
		// repairs into the track.
		err := m.RegisterCodec(webrtc.RTPCodecParameters{PayloadType: pt + 1,
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeRTX, ClockRate: 90000,
				SDPFmtpLine: "apt=" + strconv.Itoa(int(pt))}}, webrtc.RTPCodecTypeVideo)
		pt += 2
		return err
	}
	for _, p := range h264Profiles {
		if err := video(webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id="+p); err != nil {
			return nil, err
		}
	}
	if err := video(webrtc.MimeTypeH265, ""); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{PayloadType: 111,
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	// First, so the NACK generator's writes pass through it too.
	ir.Add(&counterFactory{c: c})
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(s.se)), nil
}

// rtcpCounter counts the feedback a session sends: NACKed packets, PLIs,
// FIRs.
type rtcpCounter struct {
	interceptor.NoOp
	c *sessionCounters
}

type counterFactory struct{ c *sessionCounters }

func (f *counterFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &rtcpCounter{c: f.c}, nil
}

func (r *rtcpCounter) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				n := 0
				for _, pair := range p.Nacks {
					n += len(pair.PacketList())
				}
				r.c.nacks.Add(uint64(n))
			case *rtcp.PictureLossIndication:
				r.c.plis.Add(1)
			case *rtcp.FullIntraRequest:
				r.c.firs.Add(1)
			}
		}
		return w.Write(pkts, a)
	})
}
