package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"
)

// load is one run's parameters.
type load struct {
	url        string
	room       string
	n, sample  int
	rate       float64
	senders    int
	duration   time.Duration
	drain      time.Duration
	settle     time.Duration
	size       int
	dialers    int
	appID      int
	key        string
	userPrefix string
	pid        int
}

// frames are read into pooled buffers, held only while a frame is scanned:
// an idle viewer holds none.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// readFrame reads the next whole frame into a pooled buffer.
func readFrame(c *websocket.Conn) (*[]byte, error) {
	_, r, err := c.NextReader()
	if err != nil {
		return nil, err
	}
	bp := framePool.Get().(*[]byte)
	b := (*bp)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*bp = b
			framePool.Put(bp)
			return nil, err
		}
	}
	*bp = b
	return bp, nil
}

// viewer is one guest connection's tally.
type viewer struct {
	sampled  bool
	joined   bool
	closed   atomic.Bool // ended before the run did
	err      string
	received atomic.Int64
	frames   atomic.Int64 // frames holding at least one message (sampled viewers)
	byPrio   [nPrio]atomic.Int64
	mu       sync.Mutex
	lat      [nPrio][]time.Duration // sampled viewers only
}

// sender is one logged-in connection's tally.
type sender struct {
	idx       int
	conn      *websocket.Conn
	sent      [nPrio]int64
	prio      []int8 // priority of request id i
	mu        sync.Mutex
	acked     [nPrio]int64
	shed      [nPrio]int64
	answered  [nPrio]int64 // acks and errors
	otherErrs map[string]int
	replies   atomic.Int64
	maxLag    time.Duration // latest a send went out after its slot (client CPU starved)
	done      chan struct{}
}

var dialer = websocket.Dialer{
	HandshakeTimeout: 10 * time.Second,
	ReadBufferSize:   4096,
	WriteBufferSize:  512,
	WriteBufferPool:  &sync.Pool{},
}

func (l load) roomURL() string { return l.url + "?room=" + url.QueryEscape(l.room) }

func (l load) run(ctx context.Context) (Report, error) {
	rep := Report{Room: l.room, Viewers: l.n, Sampled: l.sample, Senders: l.senders, RateOffered: l.rate,
		DurationS: l.duration.Seconds(), Errors: map[string]int{}, SenderErrors: map[string]int{}}
	gw := gateway{pid: l.pid}
	rep.Gateway.RSSBaseKB = gw.rss()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		conns   = make([]*websocket.Conn, l.n)
		viewers = make([]*viewer, l.n)
		joined  sync.WaitGroup
		readers sync.WaitGroup
	)
	for i := range viewers {
		viewers[i] = &viewer{sampled: i < l.sample}
	}
	joinStart := time.Now()
	joined.Add(l.n)
	jobs := make(chan int)
	var dialing sync.WaitGroup
	for range l.dialers {
		dialing.Add(1)
		go func() {
			defer dialing.Done()
			for i := range jobs {
				c, _, err := dialer.DialContext(ctx, l.roomURL(), nil)
				if err != nil {
					viewers[i].err = "dial: " + err.Error()
					joined.Done()
					continue
				}
				conns[i] = c
				readers.Add(1)
				go func() {
					defer readers.Done()
					viewers[i].read(ctx, c, &joined)
				}()
			}
		}()
	}
	for i := range l.n {
		jobs <- i
	}
	close(jobs)
	dialing.Wait()
	if !waitTimeout(&joined, 60*time.Second) {
		return rep, errors.New("viewers did not all join within 60 s")
	}
	rep.JoinS = time.Since(joinStart).Seconds()
	for _, v := range viewers {
		if v.joined {
			rep.Joined++
		}
	}
	sleepCtx(ctx, l.settle)
	rep.Gateway.RSSIdleKB = gw.rss()
	if rep.Joined > 0 && rep.Gateway.RSSIdleKB > 0 {
		rep.Gateway.RSSPerIdleConnKB = float64(rep.Gateway.RSSIdleKB-rep.Gateway.RSSBaseKB) / float64(rep.Joined)
	}

	// Senders: log in, join, then send.
	senders := make([]*sender, l.senders)
	for i := range senders {
		s, err := l.connectSender(ctx, i)
		if err != nil {
			return rep, fmt.Errorf("sender %d: %w", i, err)
		}
		senders[i] = s
		defer s.conn.Close()
	}
	cpu0, client0 := gw.cpu(), cpuSeconds()
	t0 := time.Now()
	stopPeak := make(chan struct{})
	var peak atomic.Int64
	go func() {
		tk := time.NewTicker(200 * time.Millisecond)
		defer tk.Stop()
		for {
			if r := gw.rss(); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stopPeak:
				return
			case <-tk.C:
			}
		}
	}()
	var sending sync.WaitGroup
	for _, s := range senders {
		sending.Add(1)
		go func() {
			defer sending.Done()
			l.send(ctx, s, t0)
		}()
	}
	sending.Wait()
	rep.SendS = time.Since(t0).Seconds()
	// Drain: wait for every reply, then for the sampled viewers to get
	// every accepted message.
	deadline := time.Now().Add(l.drain)
	for _, s := range senders {
		for s.replies.Load() < int64(len(s.prio)) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	var accepted int64
	for _, s := range senders {
		s.mu.Lock()
		for p := range nPrio {
			accepted += s.acked[p]
		}
		s.mu.Unlock()
	}
	for _, v := range viewers[:l.sample] {
		for v.joined && !v.closed.Load() && v.received.Load() < accepted && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	rep.Gateway.CPUS = gw.cpu() - cpu0
	rep.ClientRunCPUS = cpuSeconds() - client0
	rep.WindowS = time.Since(t0).Seconds()
	close(stopPeak)
	rep.Gateway.RSSPeakKB = peak.Load()

	cancel()
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	for _, s := range senders {
		s.conn.Close()
		<-s.done
	}
	readers.Wait()
	summarize(&rep, viewers, senders)
	return rep, nil
}

// read counts what the viewer receives until ctx ends or the server closes.
func (v *viewer) read(ctx context.Context, c *websocket.Conn, joined *sync.WaitGroup) {
	signalled := false
	defer func() {
		if !signalled {
			joined.Done()
		}
	}()
	for {
		bp, err := readFrame(c)
		if err != nil {
			if ctx.Err() == nil {
				v.closed.Store(true)
				v.err = errText(err)
			}
			return
		}
		f := *bp
		now := time.Now().UnixNano()
		if !v.joined {
			if i := bytes.Index(f, joinedMark); i >= 0 {
				v.joined = true
				signalled = true
				joined.Done()
			}
			// Messages in the joined frame are history: not counted.
		} else if v.sampled {
			v.mu.Lock()
			n := scanMessages(f, func(ns int64, p int) {
				v.byPrio[p].Add(1)
				v.lat[p] = append(v.lat[p], time.Duration(now-ns))
			})
			v.mu.Unlock()
			v.received.Add(int64(n))
			if n > 0 {
				v.frames.Add(1)
			}
		} else {
			v.received.Add(int64(countMessages(f)))
		}
		framePool.Put(bp)
	}
}

func errText(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return "closed " + strconv.Itoa(ce.Code)
	}
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// connectSender logs in user <prefix><i> and joins the room.
func (l load) connectSender(ctx context.Context, i int) (*sender, error) {
	user := l.userPrefix + strconv.Itoa(i)
	sig, err := tencentyun.GenUserSig(l.appID, l.key, user, 3600)
	if err != nil {
		return nil, err
	}
	c, _, err := dialer.DialContext(ctx, l.url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteJSON(map[string]any{"type": "login", "id": "login", "user_id": user, "user_sig": sig}); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.WriteJSON(map[string]any{"type": "join", "id": "join", "room": l.room}); err != nil {
		c.Close()
		return nil, err
	}
	for got := 0; got < 2; {
		_, b, err := c.ReadMessage()
		if err != nil {
			c.Close()
			return nil, err
		}
		if bytes.Contains(b, []byte(`"type":"error"`)) {
			c.Close()
			return nil, fmt.Errorf("login/join: %s", b)
		}
		if bytes.Contains(b, []byte(`"id":"login"`)) {
			got++
		}
		if bytes.Contains(b, joinedMark) {
			got++
		}
	}
	c.SetReadDeadline(time.Time{})
	s := &sender{idx: i, conn: c, otherErrs: map[string]int{}, done: make(chan struct{})}
	go s.readReplies()
	return s, nil
}

// readReplies tallies acks and errors by the priority of the request.
func (s *sender) readReplies() {
	defer close(s.done)
	for {
		bp, err := readFrame(s.conn)
		if err != nil {
			return
		}
		s.mu.Lock()
		scanReplies(*bp, func(id int) {
			if id >= 0 && id < len(s.prio) {
				s.acked[s.prio[id]]++
				s.answered[s.prio[id]]++
				s.replies.Add(1)
			}
		}, func(id int, code string) {
			if id < 0 || id >= len(s.prio) {
				return
			}
			s.replies.Add(1)
			s.answered[s.prio[id]]++
			if code == "room_rate_shed" {
				s.shed[s.prio[id]]++
			} else {
				s.otherErrs[code]++
			}
		})
		s.mu.Unlock()
		framePool.Put(bp)
	}
}

// send offers this sender's share of the rate, evenly spaced and offset
// from the other senders, until the duration is up.
func (l load) send(ctx context.Context, s *sender, t0 time.Time) {
	interval := time.Duration(float64(time.Second) * float64(l.senders) / l.rate)
	next := t0.Add(interval * time.Duration(s.idx) / time.Duration(l.senders))
	end := t0.Add(l.duration)
	var text []byte
	buf := make([]byte, 0, l.size+128)
	for k := 0; ; k++ {
		if d := time.Until(next); d > 0 {
			if !sleepCtx(ctx, d) {
				return
			}
		}
		if !next.Before(end) {
			return
		}
		s.maxLag = max(s.maxLag, time.Since(next))
		next = next.Add(interval)
		p := prioOf(k*l.senders + s.idx)
		s.mu.Lock()
		s.prio = append(s.prio, int8(p))
		s.mu.Unlock()
		now := time.Now().UnixNano()
		text = messageText(text, now, s.idx, k, l.size)
		buf = append(buf[:0], `{"type":"send","id":`...)
		buf = strconv.AppendInt(buf, int64(k), 10)
		buf = append(buf, `,"kind":"text","priority":"`...)
		buf = append(buf, prioNames[p]...)
		buf = append(buf, `","text":"`...)
		buf = append(buf, text...)
		buf = append(buf, `"}`...)
		if err := s.conn.WriteMessage(websocket.TextMessage, buf); err != nil {
			return
		}
		s.sent[p]++
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// gateway reads the server's CPU and RSS from /proc (0 without a PID).
type gateway struct{ pid int }

func (g gateway) rss() int64 {
	if g.pid == 0 {
		return 0
	}
	r, _ := procRSS(g.pid)
	return r
}

func (g gateway) cpu() float64 {
	if g.pid == 0 {
		return 0
	}
	c, _ := procCPU(g.pid)
	return c
}
