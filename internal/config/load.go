// Package config holds the typed configuration of the gateway and the
// agent: plain structs with yaml tags, Default(), Validate(), and a strict
// loader whose errors name the field and line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// DecodeFile reads a YAML file over dst (which holds the defaults), refusing
// unknown fields so a typo is an error, not a silently ignored setting.
func DecodeFile(path string, dst any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}
