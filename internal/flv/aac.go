package flv

import (
	"fmt"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
)

// ASC is what we need of an AudioSpecificConfig.
type ASC struct {
	SampleRate int
	Channels   int
}

// ParseAudioSpecificConfig parses an MPEG-4 AudioSpecificConfig.
func ParseAudioSpecificConfig(b []byte) (ASC, error) {
	var c mpeg4audio.AudioSpecificConfig
	if err := c.Unmarshal(b); err != nil {
		return ASC{}, fmt.Errorf("AudioSpecificConfig: %w: %w", ErrMalformed, err)
	}
	ch := c.ChannelCount
	if ch == 0 {
		ch = 2
	}
	return ASC{SampleRate: c.SampleRate, Channels: ch}, nil
}
