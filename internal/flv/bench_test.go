package flv

import (
	"testing"

	"livestudio/internal/stream"
)

// BenchmarkDemuxVideo parses each video case of the table that yields a
// picture, with its sequence header already in force.
func BenchmarkDemuxVideo(b *testing.B) {
	for _, tc := range demuxCases {
		if tc.audio || tc.want == nil {
			continue
		}
		b.Run(tc.name, func(b *testing.B) {
			var d Demuxer
			for _, s := range tc.setup {
				if _, err := d.Video(0, s); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Video(tc.dts, tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnitTag serialises each unit of the table as a complete FLV tag:
// the work done once per unit for all HTTP-FLV viewers.
func BenchmarkUnitTag(b *testing.B) {
	for _, tc := range demuxCases {
		if tc.want == nil {
			continue
		}
		b.Run(tc.name, func(b *testing.B) {
			u := &stream.Unit{Track: tc.want.Track, DTS: tc.want.DTS, PTS: tc.want.PTS,
				Key: tc.want.Key, NALUs: tc.want.NALUs, Frame: tc.want.Frame}
			b.SetBytes(int64(len(UnitTag(u))))
			b.ReportAllocs()
			for b.Loop() {
				UnitTag(u)
			}
		})
	}
}
