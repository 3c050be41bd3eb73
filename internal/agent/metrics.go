package agent

import "github.com/prometheus/client_golang/prometheus"

// metrics exports every channel's counters at scrape time.
type metrics struct{ a *Agent }

var (
	descSourceUnits = prometheus.NewDesc("livestudio_agent_source_units_total",
		"Units captured from the source.", []string{"channel"}, nil)
	descSourceRestarts = prometheus.NewDesc("livestudio_agent_source_restarts_total",
		"Times the source was restarted after a failure.", []string{"channel"}, nil)
	descSourceLive = prometheus.NewDesc("livestudio_agent_source_live",
		"1 when the source delivers media.", []string{"channel"}, nil)
	descPushPublishes = prometheus.NewDesc("livestudio_agent_push_publishes_total",
		"Push sessions the destination accepted.", []string{"channel"}, nil)
	descPushFailures = prometheus.NewDesc("livestudio_agent_push_failures_total",
		"Push attempts or sessions that failed.", []string{"channel"}, nil)
	descPushBytes = prometheus.NewDesc("livestudio_agent_push_bytes_total",
		"Bytes pushed to the destination.", []string{"channel"}, nil)
	descPushLive = prometheus.NewDesc("livestudio_agent_push_publishing",
		"1 when the push session is up.", []string{"channel"}, nil)
	descReloads = prometheus.NewDesc("livestudio_agent_config_reloads_total",
		"Config reloads, by result (applied, refused: the running config was kept).", []string{"result"}, nil)
)

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSourceUnits, descSourceRestarts, descSourceLive,
		descPushPublishes, descPushFailures, descPushBytes, descPushLive, descReloads} {
		ch <- d
	}
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	r := m.a.Reloads()
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(r.Applied), "applied")
	ch <- prometheus.MustNewConstMetric(descReloads, prometheus.CounterValue, float64(r.Refused), "refused")
	for _, s := range m.a.Status() {
		n := s.Name
		ch <- prometheus.MustNewConstMetric(descSourceUnits, prometheus.CounterValue, float64(s.Source.Units), n)
		ch <- prometheus.MustNewConstMetric(descSourceRestarts, prometheus.CounterValue, float64(s.Source.Restarts), n)
		ch <- prometheus.MustNewConstMetric(descSourceLive, prometheus.GaugeValue, b(s.Source.State == SourceLive), n)
		ch <- prometheus.MustNewConstMetric(descPushPublishes, prometheus.CounterValue, float64(s.Push.Publishes), n)
		ch <- prometheus.MustNewConstMetric(descPushFailures, prometheus.CounterValue, float64(s.Push.Failures), n)
		ch <- prometheus.MustNewConstMetric(descPushBytes, prometheus.CounterValue, float64(s.Push.BytesOut), n)
		ch <- prometheus.MustNewConstMetric(descPushLive, prometheus.GaugeValue, b(s.Push.State == "publishing"), n)
	}
}
