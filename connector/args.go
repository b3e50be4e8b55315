package connector

import "fmt"

// Args reads one call's validated params by name. Reading a name the operation does not
// declare panics: it is a programming error that would otherwise read a silent zero value
// (a narrowing filter that never applies, say); Execute recovers it as an internal error.
// Shared code that serves several operations asks Declares first.
type Args struct {
	op *Operation
	p  Params
}

// Args returns the accessor of the call's params.
func (c *Call) Args() Args { return Args{op: c.Operation, p: c.Params} }

// Declares reports whether the operation declares the param name.
func (a Args) Declares(name string) bool { return a.op.Param(name) != nil }

func (a Args) must(name string) {
	if !a.Declares(name) {
		panic(fmt.Sprintf("operation %s reads the param %q, which its manifest entry does not declare", a.op.Name, name))
	}
}

// String returns the named text param, or "" when it was not given.
func (a Args) String(name string) string { a.must(name); return a.p.String(name) }

// Int returns the named integer param and whether it was given.
func (a Args) Int(name string) (int64, bool) { a.must(name); return a.p.Int(name) }

// Float returns the named decimal param and whether it was given.
func (a Args) Float(name string) (float64, bool) { a.must(name); return a.p.Float(name) }

// Bool returns the named checkbox param (false when not given).
func (a Args) Bool(name string) bool { a.must(name); return a.p.Bool(name) }

// Strings returns the named multiselect param, or nil.
func (a Args) Strings(name string) []string { a.must(name); return a.p.Strings(name) }

// Has reports whether the named param was given (or has a default).
func (a Args) Has(name string) bool { a.must(name); return a.p.Has(name) }
