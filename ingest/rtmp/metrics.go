package rtmp

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the RTMP ingest's counters.
type Metrics struct {
	Conns       prometheus.Counter
	Refused     *prometheus.CounterVec // by reason
	ConnErrors  *prometheus.CounterVec // by kind: protocol, media, timeout
	BytesIn     prometheus.Counter
	DroppedTags *prometheus.CounterVec // by reason
}

// NewMetrics creates the counters and registers them on reg (may be nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Conns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livestudio_rtmp_connections_total", Help: "RTMP connections accepted."}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livestudio_rtmp_publish_refused_total", Help: "Publishes refused, by reason."}, []string{"reason"}),
		ConnErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livestudio_rtmp_connection_errors_total", Help: "RTMP connections closed on an error, by kind."}, []string{"kind"}),
		BytesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livestudio_rtmp_bytes_in_total", Help: "Bytes received from RTMP publishers."}),
		DroppedTags: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livestudio_rtmp_dropped_tags_total", Help: "Media tags dropped, by reason."}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.Conns, m.Refused, m.ConnErrors, m.BytesIn, m.DroppedTags)
	}
	return m
}
