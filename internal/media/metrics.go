package media

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	uploads   *prometheus.CounterVec
	downloads *prometheus.CounterVec
	swept     prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_media_uploads_total",
			Help: "Media uploads, by face (wechat, rest) and errcode (0: stored)."}, []string{"face", "errcode"}),
		downloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_media_downloads_total",
			Help: "Media downloads, by route (wechat: media/get, public: /media/) and errcode (0: served)."}, []string{"route", "errcode"}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_media_expired_total",
			Help: "Expired media deleted by the sweep."}),
	}
	if reg != nil {
		reg.MustRegister(m.uploads, m.downloads, m.swept)
	}
	return m
}

// Code is an error's errcode (0 for nil, -1 for a failure that is not an
// *Error).
func Code(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	return ErrcodeSystem
}

// CountUpload counts an upload's outcome on face.
func (l *Library) CountUpload(face string, err error) {
	l.m.uploads.WithLabelValues(face, strconv.Itoa(Code(err))).Inc()
}

// CountDownload counts a download's outcome on route.
func (l *Library) CountDownload(route string, err error) {
	l.m.downloads.WithLabelValues(route, strconv.Itoa(Code(err))).Inc()
}
