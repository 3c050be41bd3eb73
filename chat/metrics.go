package chat

import "github.com/prometheus/client_golang/prometheus"

// metrics are the chat server's counters. Room-level detail (per room and
// priority) is in RoomStats; metric labels stay bounded.
type metrics struct {
	connections   prometheus.Gauge
	rooms         prometheus.Gauge
	messagesIn    *prometheus.CounterVec // accepted into a room, by priority
	shed          *prometheus.CounterVec // refused by the room rate, by priority
	messagesOut   prometheus.Counter     // server messages queued to clients
	writes        prometheus.Counter     // WebSocket frames written (after coalescing)
	bytesOut      prometheus.Counter
	slowClosed    prometheus.Counter
	authFailures  *prometheus.CounterVec // by reason
	errors        *prometheus.CounterVec // error frames sent, by code
	likes         prometheus.Counter
	moderation    *prometheus.CounterVec // actions by kind
	modRefused    *prometheus.CounterVec // messages and joins refused, by code
	filtered      *prometheus.CounterVec // texts and nicks with sensitive words, by action
	wordReloads   *prometheus.CounterVec // word list loads, by result
	adminRequests *prometheus.CounterVec // admin REST requests, by command and status
	webhooks      *prometheus.CounterVec // webhook outcomes, by command and result
	persist       *prometheus.CounterVec // persistence writes and loads, by op and result
	persistQueue  prometheus.Gauge       // persistence writes waiting
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "livestudio_chat_connections",
			Help: "Chat WebSocket connections open now."}),
		rooms: prometheus.NewGauge(prometheus.GaugeOpts{Name: "livestudio_chat_rooms",
			Help: "Chat rooms held in memory now."}),
		messagesIn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_messages_in_total",
			Help: "Messages accepted into a room, by priority."}, []string{"priority"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_messages_shed_total",
			Help: "Messages refused because their room was over its send rate, by priority."}, []string{"priority"}),
		messagesOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_chat_messages_out_total",
			Help: "Server messages queued to clients (each element of a coalesced frame counts)."}),
		writes: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_chat_frames_written_total",
			Help: "WebSocket frames written to clients after coalescing."}),
		bytesOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_chat_bytes_out_total",
			Help: "Payload bytes written to chat clients."}),
		slowClosed: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_chat_slow_closed_total",
			Help: "Clients disconnected because their send queue filled up."}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_auth_failures_total",
			Help: "Refused logins, by reason."}, []string{"reason"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_errors_total",
			Help: "Error frames sent to clients, by code."}, []string{"code"}),
		likes: prometheus.NewCounter(prometheus.CounterOpts{Name: "livestudio_chat_likes_total",
			Help: "Likes received."}),
		moderation: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_moderation_total",
			Help: "Moderation actions: mute, unmute, kick, unban, room_mute, room_unmute."}, []string{"action"}),
		modRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_moderation_refused_total",
			Help: "Messages (and joins) refused by moderation, by code: muted, banned, room_muted."}, []string{"code"}),
		filtered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_filtered_total",
			Help: "Texts and nicks that contained sensitive words, by action: masked or rejected."}, []string{"action"}),
		wordReloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_word_list_loads_total",
			Help: "Sensitive-word list loads, by result: ok or error (the old list is kept)."}, []string{"result"}),
		adminRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_admin_requests_total",
			Help: "Admin REST requests, by command and ActionStatus (OK or FAIL)."}, []string{"command", "status"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_webhooks_total",
			Help: "Webhook outcomes, by CallbackCommand and result: allow, modify, reject, drop, fail_open, fail_closed (before-send); ok, retry, failed, dropped (after-events; dropped = queue full)."},
			[]string{"command", "result"}),
		persist: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livestudio_chat_persist_total",
			Help: "Persistence of mutes, bans, room mutes and profiles, by op and result: ok, retry, failed, dropped (queue full), dropped_at_shutdown (writes); ok, failed (load_room, load_profile)."},
			[]string{"op", "result"}),
		persistQueue: prometheus.NewGauge(prometheus.GaugeOpts{Name: "livestudio_chat_persist_queue",
			Help: "Persistence writes waiting in the write-behind queue."}),
	}
	for p := range numPriorities {
		m.messagesIn.WithLabelValues(p.String())
		m.shed.WithLabelValues(p.String())
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.rooms, m.messagesIn, m.shed, m.messagesOut, m.writes,
			m.bytesOut, m.slowClosed, m.authFailures, m.errors, m.likes, m.moderation, m.modRefused,
			m.filtered, m.wordReloads, m.adminRequests, m.webhooks, m.persist, m.persistQueue)
	}
	return m
}
