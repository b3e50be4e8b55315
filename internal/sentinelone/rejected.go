package sentinelone

import (
	"errors"
	"fmt"
)

// rejectedError is a refusal of credentials. It is ErrCredentialsRejected (or
// ErrAPITokenRejected) by errors.Is and unwraps to SentinelOne's answer, but says the cause
// once: what was refused, then SentinelOne's own words, without the sentinels' text.
type rejectedError struct {
	sentinel error
	msg      string
	answer   error // *APIError, or nil
}

func rejected(sentinel error, answer error, format string, args ...any) error {
	return &rejectedError{sentinel: sentinel, msg: fmt.Sprintf(format, args...), answer: answer}
}

func (e *rejectedError) Error() string {
	if e.answer == nil {
		return e.msg
	}
	return e.msg + ": " + e.answer.Error()
}

func (e *rejectedError) Is(target error) bool { return errors.Is(e.sentinel, target) }

func (e *rejectedError) Unwrap() error { return e.answer }
