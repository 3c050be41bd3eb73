package live

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// roomMetrics count API calls by face, path and errcode.
type roomMetrics struct {
	requests *prometheus.CounterVec
}

func newRoomMetrics(reg prometheus.Registerer) *roomMetrics {
	m := &roomMetrics{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "livestudio_live_api_requests_total",
		Help: "Live rooms and goods API calls, by face (wechat, rest), path and errcode (0: ok).",
	}, []string{"face", "path", "errcode"})}
	if reg != nil {
		reg.MustRegister(m.requests)
	}
	return m
}

func (rs *Rooms) count(face, path string, errcode int) {
	rs.m.requests.WithLabelValues(face, path, strconv.Itoa(errcode)).Inc()
}
