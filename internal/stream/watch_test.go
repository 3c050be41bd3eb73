package stream

import (
	"sync"
	"testing"
	"time"
)

func TestOnChangePublishingAndKick(t *testing.T) {
	r := NewRegistry(Config{ReconnectGrace: time.Hour})
	var mu sync.Mutex
	var seen []bool
	r.OnChange(func(key string) {
		mu.Lock()
		defer mu.Unlock()
		if key != "k" {
			t.Errorf("key %q", key)
		}
		seen = append(seen, r.Publishing(key))
	})
	p, err := r.Publish("k")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Publishing("k") || r.Publishing("other") {
		t.Fatal("Publishing")
	}
	if !r.Kick("k") {
		t.Fatal("kick found no publisher")
	}
	select {
	case <-p.Kicked():
	default:
		t.Fatal("publisher not told it was kicked")
	}
	p.Close(false) // the connection's own close after the kick: no second change
	if r.Publishing("k") || r.Kick("k") {
		t.Fatal("still publishing after kick")
	}
	p2, _ := r.Publish("k")
	p2.Close(true)
	mu.Lock()
	defer mu.Unlock()
	want := []bool{true, false, true, false}
	if len(seen) != len(want) {
		t.Fatalf("changes %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("changes %v, want %v", seen, want)
		}
	}
}
