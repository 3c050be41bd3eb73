// Package pushsign signs and checks publish URLs the way Tencent CSS does:
// txSecret = lowercase hex MD5(pushKey + streamName + txTime), where txTime
// is the URL's expiry in upper-case hex Unix seconds.
package pushsign

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Reasons a publish is refused. They are counted by reason in metrics.
var (
	ErrUnsigned = errors.New("publish URL is not signed (txSecret and txTime required)")
	ErrBadTime  = errors.New("txTime is not upper-case hex Unix seconds")
	ErrExpired  = errors.New("publish URL expired (txTime is in the past)")
	ErrBadSig   = errors.New("txSecret does not match")
)

// Secret computes txSecret for a stream and expiry.
func Secret(pushKey, streamName string, expiry time.Time) string {
	sum := md5.Sum([]byte(pushKey + streamName + TxTime(expiry)))
	return hex.EncodeToString(sum[:])
}

// TxTime formats an expiry as upper-case hex Unix seconds.
func TxTime(expiry time.Time) string {
	return strings.ToUpper(strconv.FormatInt(expiry.Unix(), 16))
}

// Query returns "txSecret=..&txTime=.." for a stream and expiry.
func Query(pushKey, streamName string, expiry time.Time) string {
	return "txSecret=" + Secret(pushKey, streamName, expiry) + "&txTime=" + TxTime(expiry)
}

// Verify checks the txSecret and txTime of a publish query against the
// stream name at time now. It returns the URL's expiry when it is valid.
func Verify(pushKey, streamName, rawQuery string, now time.Time) (time.Time, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrUnsigned, err)
	}
	secret, txTime := q.Get("txSecret"), q.Get("txTime")
	if secret == "" || txTime == "" {
		return time.Time{}, ErrUnsigned
	}
	if len(txTime) > 16 || strings.ToUpper(txTime) != txTime {
		return time.Time{}, ErrBadTime
	}
	sec, err := strconv.ParseInt(txTime, 16, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, ErrBadTime
	}
	sum := md5.Sum([]byte(pushKey + streamName + txTime))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return time.Time{}, ErrBadSig
	}
	expiry := time.Unix(sec, 0)
	if !now.Before(expiry) {
		return expiry, ErrExpired
	}
	return expiry, nil
}
