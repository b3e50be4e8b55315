package main

import (
	"fmt"
	"io"
	"os"
)

// isTerminal reports whether w is a character device (a terminal); tests replace it.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressEvery is how many list items pass between two progress lines.
const progressEvery = 250

// progress counts the items of an answer's data list as its bytes pass through and, when
// on, shows the count on one refreshed stderr line. It reads JSON only as far as nesting
// and strings go, so it never holds more than the byte in hand.
type progress struct {
	op      string
	w       io.Writer
	on      bool
	depth   int
	inStr   bool
	escaped bool
	listAt  int // depth of the data list (the first list in the envelope); 0 until seen
	items   int
	bytes   int64
	shown   bool
}

func newProgress(op string, w io.Writer, on bool) *progress {
	return &progress{op: op, w: w, on: on}
}

// Write implements io.Writer; it never fails.
func (p *progress) Write(b []byte) (int, error) {
	p.bytes += int64(len(b))
	for _, c := range b {
		if p.inStr {
			switch {
			case p.escaped:
				p.escaped = false
			case c == '\\':
				p.escaped = true
			case c == '"':
				p.inStr = false
			}
			continue
		}
		switch c {
		case '"':
			p.inStr = true
		case '[', '{':
			if p.listAt != 0 && p.depth == p.listAt {
				p.items++
				if p.on && p.items%progressEvery == 0 {
					p.show()
				}
			}
			p.depth++
			if c == '[' && p.listAt == 0 && p.depth == 2 {
				p.listAt = p.depth
			}
		case ']', '}':
			p.depth--
		}
	}
	return len(b), nil
}

func (p *progress) show() {
	fmt.Fprintf(p.w, "\r%s: %d items, %.1f MB received", p.op, p.items, float64(p.bytes)/(1<<20))
	p.shown = true
}

// done ends the progress line, if one was shown.
func (p *progress) done() {
	if p.shown {
		p.show()
		fmt.Fprintln(p.w)
	}
}
