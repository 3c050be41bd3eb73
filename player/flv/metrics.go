package flv

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the HTTP-FLV player's counters.
type Metrics struct {
	Viewers    prometheus.Gauge
	BytesOut   prometheus.Counter
	SlowClosed prometheus.Counter
	NotFound   prometheus.Counter
}

// NewMetrics creates the counters and registers them on reg (may be nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Viewers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "livestudio_viewers",
			Help: "Viewers connected now, by protocol.", ConstLabels: prometheus.Labels{"protocol": "flv"}}),
		BytesOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_bytes_out_total",
			Help: "Bytes sent to viewers, by protocol.", ConstLabels: prometheus.Labels{"protocol": "flv"}}),
		SlowClosed: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_viewers_slow_closed_total",
			Help: "Viewers closed for falling behind, by protocol.", ConstLabels: prometheus.Labels{"protocol": "flv"}}),
		NotFound: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_play_not_found_total",
			Help: "Play requests for streams that are not live, by protocol.", ConstLabels: prometheus.Labels{"protocol": "flv"}}),
	}
	if reg != nil {
		reg.MustRegister(m.Viewers, m.BytesOut, m.SlowClosed, m.NotFound)
	}
	return m
}
