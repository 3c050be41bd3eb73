package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// maxBody bounds an API request body.
const maxBody = 64 * 1024

// readBody reads a request body, at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *Error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, apiErr(http.StatusRequestEntityTooLarge, ErrcodeDataFormat, "body: %v (at most %d bytes)", err, maxBody)
	}
	return b, nil
}

// decodeJSON decodes a JSON object body into v: WeChat's 44002 for an
// empty body, 47001 for malformed JSON, a wrong type or trailing data.
// Unknown fields are ignored, as WeChat does.
func decodeJSON(body []byte, v any) *Error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apiErr(http.StatusBadRequest, ErrcodeBadRequest, "empty post data: a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badField("data format error: field %q must be %s, not %s", te.Field, jsonType(te.Type.String()), te.Value)
		}
		return badField("data format error: %v", err)
	}
	if dec.More() {
		return badField("data format error: trailing data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badField("data format error: trailing data after the JSON object")
	}
	return nil
}

func jsonType(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.Contains(goType, "int"), goType == "live.ID":
		return "an integer"
	case strings.Contains(goType, "float"):
		return "a number"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	}
	return goType
}

// ID is an id in a WeChat request: a JSON integer or a string of digits
// (WxJava sends goods sort entries as strings).
type ID int64

// UnmarshalJSON accepts 123 and "123"; ids are positive.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return &json.UnmarshalTypeError{Value: "value " + truncate(string(b), 32), Type: idType}
	}
	*id = ID(n)
	return nil
}

var idType = reflect.TypeOf(ID(0))

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// queryID reads a positive integer query parameter.
func queryID(q map[string][]string, name string) (int64, *Error) {
	v := ""
	if vs := q[name]; len(vs) > 0 {
		v = vs[0]
	}
	if v == "" {
		return 0, badField("%s is required", name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, badField("%s must be a positive integer", name)
	}
	return n, nil
}

// queryInt reads an optional integer query parameter in [min, max].
func queryInt(q map[string][]string, name string, def, min, max int) (int, *Error) {
	vs := q[name]
	if len(vs) == 0 || vs[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || n < min || n > max {
		return 0, badField("%s must be an integer from %d to %d", name, min, max)
	}
	return n, nil
}
