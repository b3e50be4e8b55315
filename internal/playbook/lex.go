package playbook

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind classifies a token of an expression body.
type tokenKind int

const (
	tokEOF    tokenKind = iota
	tokIdent            // a name: vars, true, None, a filter name
	tokString           // a quoted literal; text holds the unquoted value
	tokNumber           // a number literal as written
	tokPunct            // one of . [ ] ( ) , |
	tokOther            // any other character: never valid, reported by the parser
	tokError            // a malformed string or number; text holds the message
)

// token is one lexical item; pos is its byte offset in the body, so the parser can quote
// the unparsed rest in its errors.
type token struct {
	kind tokenKind
	text string
	pos  int
}

// is reports whether t is the punctuation c.
func (t token) is(c byte) bool { return t.kind == tokPunct && t.text == string(c) }

// lexer splits the body of one `{{ … }}` into tokens on demand, with one token of
// lookahead. Path segments after a dot are read with segment, because there an
// identifier may start with a digit (`data.0.id`).
type lexer struct {
	src    string // the whole expression, with its braces, for errors
	body   string
	pos    int
	peeked *token
}

func newLexer(src, body string) *lexer { return &lexer{src: src, body: body} }

func (l *lexer) errf(format string, args ...any) error {
	return &ExprError{Expr: l.src, Msg: fmt.Sprintf(format, args...)}
}

// rest returns the body from offset pos, for "unsupported syntax at …" messages.
func (l *lexer) rest(pos int) string { return l.body[pos:] }

// peek returns the next token without consuming it.
func (l *lexer) peek() token {
	if l.peeked == nil {
		t := l.scan()
		l.peeked = &t
	}
	return *l.peeked
}

// next consumes and returns the next token.
func (l *lexer) next() token {
	t := l.peek()
	l.peeked = nil
	return t
}

// segment reads a path segment right after a consumed dot: letters, digits and
// underscores; "" when there is none.
func (l *lexer) segment() string {
	if l.peeked != nil {
		panic("playbook: lexer.segment after peek")
	}
	l.skipSpace()
	start := l.pos
	for l.pos < len(l.body) {
		r, n := utf8.DecodeRuneInString(l.body[l.pos:])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		l.pos += n
	}
	return l.body[start:l.pos]
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.body) {
		r, n := utf8.DecodeRuneInString(l.body[l.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		l.pos += n
	}
}

func (l *lexer) scan() token {
	l.skipSpace()
	start := l.pos
	if start >= len(l.body) {
		return token{kind: tokEOF, pos: start}
	}
	c := l.body[start]
	switch {
	case strings.IndexByte(".[](),|", c) >= 0:
		l.pos++
		return token{kind: tokPunct, text: string(c), pos: start}
	case c == '\'' || c == '"':
		return l.str()
	case c == '-' || (c >= '0' && c <= '9'):
		l.pos++
		for l.pos < len(l.body) && strings.IndexByte("0123456789.eE+-", l.body[l.pos]) >= 0 {
			l.pos++
		}
		num := l.body[start:l.pos]
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			return token{kind: tokError, text: fmt.Sprintf("bad number %q", num), pos: start}
		}
		return token{kind: tokNumber, text: num, pos: start}
	}
	for l.pos < len(l.body) {
		r, n := utf8.DecodeRuneInString(l.body[l.pos:])
		if r != '_' && !unicode.IsLetter(r) && (l.pos == start || !unicode.IsDigit(r)) {
			break
		}
		l.pos += n
	}
	if l.pos == start {
		_, n := utf8.DecodeRuneInString(l.body[start:])
		l.pos += n
		return token{kind: tokOther, text: l.body[start:l.pos], pos: start}
	}
	return token{kind: tokIdent, text: l.body[start:l.pos], pos: start}
}

// str reads a quoted string with backslash escapes (\n, \t, and \x for any other x).
func (l *lexer) str() token {
	start := l.pos
	q := l.body[start]
	var b strings.Builder
	for i := start + 1; i < len(l.body); i++ {
		c := l.body[i]
		switch {
		case c == '\\' && i+1 < len(l.body):
			i++
			switch l.body[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(l.body[i])
			}
		case c == q:
			l.pos = i + 1
			return token{kind: tokString, text: b.String(), pos: start}
		default:
			b.WriteByte(c)
		}
	}
	l.pos = len(l.body)
	return token{kind: tokError, text: "unterminated string", pos: start}
}
