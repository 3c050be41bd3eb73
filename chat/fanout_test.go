package chat

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// TestThousandClients: one room, 1,000 guests, every one receives a
// broadcast.
func TestThousandClients(t *testing.T) {
	const n = 1000
	h := newHarness(t, nil)
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial(h.url+"/ws?room=big", nil)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		defer c.Close()
		conns[i] = c
	}
	var joined, received sync.WaitGroup
	joined.Add(n)
	received.Add(n)
	errs := make(chan error, n)
	for _, c := range conns {
		go func() {
			defer received.Done()
			isJoined := false
			for {
				_, data, err := c.ReadMessage()
				if err != nil {
					errs <- err
					if !isJoined {
						joined.Done()
					}
					return
				}
				var batch []frame
				json.Unmarshal(data, &batch)
				for _, f := range batch {
					switch {
					case f.Type == "joined" && !isJoined:
						isJoined = true
						joined.Done()
					case f.Type == "message" && f.Text == "hello, everyone":
						return
					}
				}
			}
		}()
	}
	joined.Wait()
	if st, _ := h.s.RoomStats("big"); st.Online != n {
		t.Fatalf("online %d, want %d", st.Online, n)
	}
	admin := h.user("admin", "big")
	admin.mustDo("ack", map[string]any{"type": "notice", "text": "hello, everyone"})
	received.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("client: %v", err)
	}
}
