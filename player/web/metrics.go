package web

import "github.com/prometheus/client_golang/prometheus"

// metrics count the web routes' traffic and refusals (bounded labels).
type metrics struct {
	requests   *prometheus.CounterVec // served, by route (play, embed, sdk)
	refused    *prometheus.CounterVec // refused, by reason
	demoLogins *prometheus.CounterVec // demo logins, by result
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_web_requests_total",
			Help: "Pages and SDK files served, by route."}, []string{"route"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_web_refused_total",
			Help: "Web requests refused, by reason (bad_room, unknown_app, unknown_file, bad_login, ...)."}, []string{"reason"}),
		demoLogins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_web_demo_logins_total",
			Help: "Demo logins (web.demo_login), by result."}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.refused, m.demoLogins)
	}
	return m
}
