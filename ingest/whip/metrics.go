package whip

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the WHIP endpoint's counters.
type Metrics struct {
	refused  *prometheus.CounterVec
	sessions prometheus.Counter
}

// NewMetrics registers the counters in reg (nil: not exported).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_agent_whip_refused_total",
			Help: "WHIP requests refused, by reason (malformed_sdp, unsupported_codec, bad_token, busy, ...)."},
			[]string{"reason"}),
		sessions: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_agent_whip_sessions_total",
			Help: "WHIP sessions accepted (201 answered)."}),
	}
	if reg != nil {
		reg.MustRegister(m.refused, m.sessions)
	}
	return m
}
