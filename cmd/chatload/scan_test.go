package main

import "testing"

func TestScanMessages(t *testing.T) {
	frame := []byte(`[{"type":"message","room":"r","seq":1,"kind":"text","text":"cl:123;0;0;xx","from":"a","nick":"","avatar":"","level":0,"time":1,"priority":"high"},` +
		`{"type":"likes","room":"r","total":3},` +
		`{"type":"message","room":"r","seq":2,"kind":"text","text":"other","from":"b","nick":"","avatar":"","level":0,"time":1,"priority":"low"},` +
		`{"type":"message","room":"r","seq":3,"kind":"text","text":"cl:456;1;2;","from":"a","nick":"","avatar":"","level":0,"time":1,"priority":"lowest","media_time_ms":5}]`)
	var got []int64
	var prios []int
	n := scanMessages(frame, func(ns int64, p int) { got = append(got, ns); prios = append(prios, p) })
	if n != 3 || countMessages(frame) != 3 {
		t.Fatalf("saw %d / %d messages, want 3", n, countMessages(frame))
	}
	if len(got) != 2 || got[0] != 123 || got[1] != 456 || prios[0] != high || prios[1] != lowest {
		t.Fatalf("got %v %v", got, prios)
	}
}

func TestScanReplies(t *testing.T) {
	frame := []byte(`[{"type":"ack","id":4,"seq":42,"time":1},{"type":"error","id":5,"code":"room_rate_shed","message":"x","priority":"low"},{"type":"ack","id":6,"seq":43,"time":1}]`)
	var acks []int
	var fails []string
	scanReplies(frame, func(id int) { acks = append(acks, id) }, func(id int, code string) { fails = append(fails, code) })
	if len(acks) != 2 || acks[0] != 4 || acks[1] != 6 || len(fails) != 1 || fails[0] != "room_rate_shed" {
		t.Fatalf("acks %v fails %v", acks, fails)
	}
}

func TestPrioMix(t *testing.T) {
	var c [nPrio]int
	for i := 0; i < 20; i++ {
		c[prioOf(i)]++
	}
	if c != [nPrio]int{2, 12, 4, 2} {
		t.Fatalf("mix %v", c)
	}
}

func TestMessageText(t *testing.T) {
	b := messageText(nil, 99, 1, 2, 32)
	if len(b) != 32 || string(b[:10]) != "cl:99;1;2;" {
		t.Fatalf("%q", b)
	}
}
