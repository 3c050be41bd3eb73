package config

import (
	"fmt"
	"log/slog"
	"strings"
)

// ParseLevel parses a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return l, fmt.Errorf("log_level: %q is not one of debug, info, warn, error", s)
	}
	return l, nil
}
