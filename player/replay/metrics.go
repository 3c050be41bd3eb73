package replay

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the recorder's counters.
type Metrics struct {
	Active   prometheus.Gauge
	Bytes    prometheus.Counter
	Segments prometheus.Counter
	Gaps     prometheus.Counter
	Deleted  prometheus.Counter
	// Errors by kind: disk (the recording stopped), encode (a frame the
	// MPEG-TS writer refused), codec (a track MPEG-TS cannot carry),
	// invalid_key (a key that cannot name a directory), repair (an
	// unfinished recording closed at start), request (a bad /replay URL).
	Errors *prometheus.CounterVec
}

// NewMetrics creates the counters and registers them on reg (may be nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "livestudio_replay_recordings_active",
			Help: "Recordings being written now."}),
		Bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_replay_bytes_written_total",
			Help: "Bytes of replay segments written."}),
		Segments: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_replay_segments_total",
			Help: "Replay segments written."}),
		Gaps: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_replay_gaps_total",
			Help: "Discontinuities written into recordings (frames skipped by a lagging recorder, track changes, reconnects)."}),
		Deleted: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_replay_deleted_total",
			Help: "Recordings deleted by retention (max_age) or Delete."}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_replay_errors_total",
			Help: "Recorder errors, by kind."}, []string{"kind"}),
	}
	for _, k := range []string{"disk", "encode", "codec", "invalid_key", "repair", "request"} {
		m.Errors.WithLabelValues(k)
	}
	if reg != nil {
		reg.MustRegister(m.Active, m.Bytes, m.Segments, m.Gaps, m.Deleted, m.Errors)
	}
	return m
}
