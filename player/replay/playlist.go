package replay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// segment is one media segment of a recording as the playlist lists it.
type segment struct {
	Name     string
	Duration time.Duration
	// Time is the wall clock of the segment's first frame
	// (EXT-X-PROGRAM-DATE-TIME).
	Time time.Time
	// Discontinuity: the segment does not follow the previous one
	// seamlessly (frames were skipped, or the tracks changed).
	Discontinuity bool
}

// playlist is a recording's HLS media playlist: an EVENT playlist while the
// recording is live, a VOD playlist with EXT-X-ENDLIST once finished.
type playlist struct {
	// Target is the configured segment duration; EXT-X-TARGETDURATION is
	// the larger of it and the longest segment, rounded up.
	Target   time.Duration
	Segments []segment
	Ended    bool
}

// pdtLayout is EXT-X-PROGRAM-DATE-TIME's ISO 8601 form, in milliseconds.
const pdtLayout = "2006-01-02T15:04:05.000Z07:00"

// errPlaylist: a playlist file that is not one we wrote.
var errPlaylist = errors.New("not a replay playlist")

// Duration is the sum of the segment durations.
func (p *playlist) Duration() time.Duration {
	var d time.Duration
	for _, s := range p.Segments {
		d += s.Duration
	}
	return d
}

// targetDuration is EXT-X-TARGETDURATION in whole seconds: no segment's
// rounded EXTINF may exceed it.
func (p *playlist) targetDuration() int {
	t := int(math.Ceil(p.Target.Seconds()))
	for _, s := range p.Segments {
		t = max(t, int(math.Round(s.Duration.Seconds())))
	}
	return max(t, 1)
}

// Marshal renders the playlist. A live playlist is of type EVENT (segments
// are only appended); a finished one is VOD and ends with EXT-X-ENDLIST.
func (p *playlist) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n")
	fmt.Fprintf(&b, "#EXT-X-TARGETDURATION:%d\n", p.targetDuration())
	b.WriteString("#EXT-X-MEDIA-SEQUENCE:0\n")
	if p.Ended {
		b.WriteString("#EXT-X-PLAYLIST-TYPE:VOD\n")
	} else {
		b.WriteString("#EXT-X-PLAYLIST-TYPE:EVENT\n")
	}
	// Segments start at keyframes, so each can be decoded on its own.
	b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	for _, s := range p.Segments {
		if s.Discontinuity {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if !s.Time.IsZero() {
			fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", s.Time.UTC().Format(pdtLayout))
		}
		fmt.Fprintf(&b, "#EXTINF:%.3f,\n%s\n", s.Duration.Seconds(), s.Name)
	}
	if p.Ended {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	return b.Bytes()
}

// parsePlaylist reads a playlist written by Marshal (repair after a crash
// and recordings without a meta.json). Tags it does not know are ignored;
// segment names must be ones the recorder writes.
func parsePlaylist(data []byte) (*playlist, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "#EXTM3U" {
		return nil, fmt.Errorf("%w: no #EXTM3U header", errPlaylist)
	}
	p := &playlist{}
	var next segment
	haveInf := false
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		tag, val, _ := strings.Cut(l, ":")
		switch {
		case l == "":
		case tag == "#EXT-X-TARGETDURATION":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > 3600 {
				return nil, fmt.Errorf("%w: line %d: bad target duration %q", errPlaylist, line+1, val)
			}
			p.Target = time.Duration(n) * time.Second
		case l == "#EXT-X-DISCONTINUITY":
			next.Discontinuity = true
		case l == "#EXT-X-ENDLIST":
			p.Ended = true
		case tag == "#EXT-X-PROGRAM-DATE-TIME":
			t, err := time.Parse(time.RFC3339Nano, val)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %v", errPlaylist, line+1, err)
			}
			next.Time = t
		case tag == "#EXTINF":
			d, _, _ := strings.Cut(val, ",")
			f, err := strconv.ParseFloat(d, 64)
			if err != nil || f < 0 || f > 3600 || math.IsNaN(f) {
				return nil, fmt.Errorf("%w: line %d: bad duration %q", errPlaylist, line+1, val)
			}
			next.Duration = time.Duration(math.Round(f*1000)) * time.Millisecond
			haveInf = true
		case strings.HasPrefix(l, "#"):
		default:
			if !haveInf || !validSegmentName(l) {
				return nil, fmt.Errorf("%w: line %d: unexpected %q", errPlaylist, line+1, l)
			}
			next.Name = l
			p.Segments = append(p.Segments, next)
			next, haveInf = segment{}, false
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", errPlaylist, err)
	}
	return p, nil
}
