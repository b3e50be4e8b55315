package connector

import (
	"errors"
	"fmt"
)

// Kind classifies a failure so the HTTP layer can pick a status without knowing its cause.
type Kind int

// The kinds of failure.
const (
	KindInternal    Kind = iota // a fault of the connector itself (500)
	KindInvalid                 // the request or a parameter is wrong (400)
	KindNotFound                // unknown connector, version or operation (404)
	KindNoConfig                // no configuration matches (FortiSOAR's INTEGRATION-12)
	KindDisabled                // the operation is disabled (403)
	KindOperation               // the operation ran and failed, e.g. the vendor API refused (400)
	KindUnavailable             // the vendor API failed (5xx) or could not be reached (502)
	KindBusy                    // the vendor API kept rate limiting beyond the retries (503)
	KindTimeout                 // the vendor API did not answer in time (504)
)

// Error is a failure of Execute, CheckHealth or the configuration API.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
	// Sentinel, when set, is matched by errors.Is but not printed: Msg already says it.
	Sentinel error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	if e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches e's Sentinel.
func (e *Error) Is(target error) bool { return e.Sentinel != nil && target == e.Sentinel }

// Errorf returns an *Error of kind k.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err: an *Error's kind, KindInvalid for parameter errors; for
// any other error a handler returned (or an *Error of KindOperation), the upstream kind its
// chain reports (see UpstreamKind), else KindOperation.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindOperation {
		return e.Kind
	}
	var pe ParamErrors
	var one *ParamError
	if errors.As(err, &pe) || errors.As(err, &one) {
		return KindInvalid
	}
	if k, ok := UpstreamKind(err); ok {
		return k
	}
	return KindOperation
}

// InvalidParam returns a parameter error for handlers that check params beyond the schema.
func InvalidParam(name, format string, args ...any) error {
	return &ParamError{Param: name, Message: fmt.Sprintf(format, args...)}
}
