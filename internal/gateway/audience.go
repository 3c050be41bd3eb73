package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"livestudio/player/audience"
)

// setupAudience counts media viewers per stream key (FLV connections and
// HLS sessions) for room statistics, and exports the HLS sessions now as
// livestudio_viewers{protocol="hls"} (the FLV handler keeps its own gauge).
// Call it after the FLV and HLS servers exist and before the chat.
func (g *Gateway) setupAudience() {
	g.audience = audience.New(nil)
	g.flv.CountIn(g.audience)
	g.hls.CountIn(g.audience)
	g.prom.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "livestudio_viewers",
		Help: "Viewers connected now, by protocol.", ConstLabels: prometheus.Labels{"protocol": "hls"}},
		func() float64 { _, hls := g.audience.Current(); return float64(hls) }))
}

// mediaAudience is a room's media viewers for its statistics (the chat's
// Options.Audience): the room id is the stream key.
func (g *Gateway) mediaAudience(room string) (total int64, peak int) {
	st := g.audience.Stats(room)
	return st.Total, st.Peak
}

// mediaOnline is a stream's media viewers now, by protocol (REST /stats).
func (g *Gateway) mediaOnline(key string) (flv, hls int) {
	st := g.audience.Stats(key)
	return st.FLV, st.HLS
}
