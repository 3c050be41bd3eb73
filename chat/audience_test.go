package chat

import "testing"

// TestStatisticAudience: a room's statistics add the media viewers the
// Audience option reports: totals add up, the peak is the larger one.
func TestStatisticAudience(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.ManagedRooms = true })
	media := map[string][2]int{"wxa-1": {5, 3}}
	h.s.audience = func(id string) (int64, int) { m := media[id]; return int64(m[0]), m[1] }
	if err := h.s.CreateRoom("wxa-1", RoomPolicy{Base: Statistic{TotalViewers: 10, PeakViewers: 2}}); err != nil {
		t.Fatal(err)
	}
	h.user("alice", "wxa-1")
	st, _ := h.s.RoomStatistic("wxa-1")
	if st.TotalViewers != 10+1+5 || st.PeakViewers != 3 {
		t.Errorf("media peak larger: %+v", st)
	}
	media["wxa-1"] = [2]int{5, 1}
	h.user("bob", "wxa-1")
	st, _ = h.s.RoomStatistic("wxa-1")
	if st.TotalViewers != 10+2+5 || st.PeakViewers != 2 {
		t.Errorf("chat peak larger: %+v", st)
	}
}
