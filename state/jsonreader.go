package state

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader reads a JSON document in one pass, for the decoders of the
// state file format. encoding/json scans every byte twice and decodes
// through reflection, which made reading a state of 10,000 resources take
// most of 100 ms; this reader takes a fraction of that, and it knows where
// it is, so every error names the field's path and the line and column.
//
// It is strict where encoding/json is lenient, as suits a file that tack
// writes: field names match exactly, a field may appear only once, and
// null is a value only where the format allows it. What it accepts as
// JSON is what RFC 8259 accepts, as json.Valid does; FuzzJSONReader
// checks the two agree.
type jsonReader struct {
	data    []byte
	pos     int
	path    []pathElem // where the reader is, for errors
	scratch []byte     // for skip
	arena   []byte     // raw values are cut from it, to allocate less

	// interned holds the strings that repeat throughout a file, field
	// names, resource types, providers, so each is allocated once.
	interned map[string]string
}

// pathElem is one step of the reader's position: an object field, or an
// array element when key is empty.
type pathElem struct {
	key   string
	index int
}

// maxDepth bounds the nesting of arrays and objects, as encoding/json
// does, so that hostile input cannot exhaust the stack.
const maxDepth = 10000

// errorf returns a *FormatError at the reader's path and position.
func (r *jsonReader) errorf(format string, args ...any) error {
	line, col := position(r.data, int64(r.pos))
	return &FormatError{Path: r.pathString(), Err: fmt.Errorf("line %d, column %d: %s", line, col, fmt.Sprintf(format, args...))}
}

// errAt is errorf for a value that was read but is not acceptable, with
// the position of its first byte.
func (r *jsonReader) errAt(start int, format string, args ...any) error {
	pos := r.pos
	r.pos = start
	err := r.errorf(format, args...)
	r.pos = pos
	return err
}

func (r *jsonReader) pathString() string {
	var b strings.Builder
	for _, e := range r.path {
		if e.key == "" {
			fmt.Fprintf(&b, "[%d]", e.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the next byte that is not whitespace, or 0 at the end.
func (r *jsonReader) peek() byte {
	r.skipSpace()
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

// unexpected describes what is at the reader's position, for an error.
func (r *jsonReader) unexpected(want string) error {
	switch c := r.peek(); {
	case r.pos >= len(r.data):
		return &FormatError{Err: errors.New("the file ends in the middle of its JSON: it was cut short")}
	case c == '"':
		return r.errorf("expected %s, found a string", want)
	case c == '{':
		return r.errorf("expected %s, found an object", want)
	case c == '[':
		return r.errorf("expected %s, found an array", want)
	case c == '-' || '0' <= c && c <= '9':
		return r.errorf("expected %s, found a number", want)
	case c == 't' || c == 'f':
		return r.errorf("expected %s, found a boolean", want)
	case c == 'n':
		return r.errorf("expected %s, found null", want)
	default:
		return r.errorf("expected %s, found invalid character %q", want, c)
	}
}

// end checks that nothing but whitespace follows the document.
func (r *jsonReader) end() error {
	if r.peek() != 0 || r.pos < len(r.data) {
		return r.errorf("unexpected data after the end of the state's JSON object")
	}
	return nil
}

// object reads an object, calling field for each of its fields with the
// reader at the field's value, which field must read. A field that
// appears twice is an error.
func (r *jsonReader) object(field func(key string) error) error {
	if r.peek() != '{' {
		return r.unexpected("an object")
	}
	r.pos++
	var seenArr [8]string
	seen := seenArr[:0]
	var seenMap map[string]bool
	for i := 0; ; i++ {
		c := r.peek()
		if c == '}' && i == 0 {
			r.pos++
			return nil
		}
		if c != '"' {
			return r.unexpected("a field name in quotes")
		}
		keyStart := r.pos
		key, err := r.internStr()
		if err != nil {
			return err
		}
		// Most objects have a few fields: a slice is faster than a map.
		dup := false
		if seenMap != nil {
			dup = seenMap[key]
			seenMap[key] = true
		} else {
			for _, k := range seen {
				dup = dup || k == key
			}
			if len(seen) < len(seenArr) {
				seen = append(seen, key)
			} else {
				seenMap = make(map[string]bool, 16)
				for _, k := range seen {
					seenMap[k] = true
				}
				seenMap[key] = true
			}
		}
		if dup {
			return r.errAt(keyStart, "field %q appears twice", key)
		}
		if r.peek() != ':' {
			return r.unexpected("a colon after the field name")
		}
		r.pos++
		r.path = append(r.path, pathElem{key: key})
		if key == "" {
			// An empty key would print as an array index; show it quoted.
			r.path[len(r.path)-1].key = `""`
		}
		if err := field(key); err != nil {
			return err
		}
		r.path = r.path[:len(r.path)-1]
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return nil
		default:
			return r.unexpected("a comma or the end of the object")
		}
	}
}

// array reads an array, calling elem for each element with the reader at
// the element, which elem must read.
func (r *jsonReader) array(elem func(i int) error) error {
	if r.peek() != '[' {
		return r.unexpected("an array")
	}
	r.pos++
	if r.peek() == ']' {
		r.pos++
		return nil
	}
	for i := 0; ; i++ {
		r.path = append(r.path, pathElem{index: i})
		if err := elem(i); err != nil {
			return err
		}
		r.path = r.path[:len(r.path)-1]
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return r.unexpected("a comma or the end of the array")
		}
	}
}

// unknownField is the error for a field the format does not have.
func (r *jsonReader) unknownField(key string) error {
	r.path = r.path[:len(r.path)-1]
	return r.errorf("unknown field %q", key)
}

// internStr reads a string that is likely to repeat in the file.
func (r *jsonReader) internStr() (string, error) {
	if r.peek() == '"' {
		// Only a string without escapes or control characters reads as
		// its bytes.
		start, end := r.pos+1, r.pos+1
		for end < len(r.data) && r.data[end] != '"' && r.data[end] != '\\' && r.data[end] >= 0x20 {
			end++
		}
		if end < len(r.data) && r.data[end] == '"' {
			if s, ok := r.interned[string(r.data[start:end])]; ok {
				r.pos = end + 1
				return s, nil
			}
		}
	}
	s, err := r.str()
	if err == nil && len(s) <= 64 {
		if r.interned == nil {
			r.interned = map[string]string{}
		}
		r.interned[s] = s
	}
	return s, err
}

// str reads a string.
func (r *jsonReader) str() (string, error) {
	if r.peek() != '"' {
		return "", r.unexpected("a string")
	}
	start := r.pos + 1
	// Fast path: printable ASCII without escapes, as nearly every string
	// in a state file is.
	for i := start; i < len(r.data); i++ {
		c := r.data[i]
		if c == '"' {
			r.pos = i + 1
			return string(r.data[start:i]), nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	var b []byte
	i := start
	for {
		if i >= len(r.data) {
			r.pos = i
			return "", r.unexpected("the end of the string")
		}
		c := r.data[i]
		switch {
		case c == '"':
			r.pos = i + 1
			return string(b), nil
		case c < 0x20:
			r.pos = i
			return "", r.errorf("invalid control character %q in a string", c)
		case c == '\\':
			if i+1 >= len(r.data) {
				r.pos = i + 1
				return "", r.unexpected("an escape sequence")
			}
			switch e := r.data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r1, ok := r.hex4(i + 2)
				if !ok {
					r.pos = i
					return "", r.errorf("invalid \\u escape in a string")
				}
				i += 6
				if utf16.IsSurrogate(r1) {
					// A surrogate pair is two escapes; a lone half is
					// replaced, as encoding/json does.
					if r2, ok := r.hex4(i + 2); ok && i+1 < len(r.data) && r.data[i] == '\\' && r.data[i+1] == 'u' {
						if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r1 = utf8.RuneError
				}
				b = utf8.AppendRune(b, r1)
				continue
			default:
				r.pos = i
				return "", r.errorf("invalid escape sequence \\%c in a string", e)
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			// Invalid UTF-8 is replaced, as encoding/json does.
			ru, size := utf8.DecodeRune(r.data[i:])
			b = utf8.AppendRune(b, ru)
			i += size
		}
	}
}

// hex4 reads the four hexadecimal digits of a \u escape at i.
func (r *jsonReader) hex4(i int) (rune, bool) {
	if i+4 > len(r.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(r.data[i:i+4]), 16, 16)
	return rune(n), err == nil
}

// number reads a number token and returns its text.
func (r *jsonReader) number() (string, error) {
	c := r.peek()
	if c != '-' && (c < '0' || c > '9') {
		return "", r.unexpected("a number")
	}
	start := r.pos
	if err := r.skipNumber(); err != nil {
		return "", err
	}
	return string(r.data[start:r.pos]), nil
}

// skipNumber reads a number as RFC 8259 defines it: an optional minus,
// an integer without leading zeros, an optional fraction and exponent.
func (r *jsonReader) skipNumber() error {
	d := r.data
	i := r.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		r.pos = i
		return r.unexpected("a digit")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			r.pos = i
			return r.unexpected("a digit after the decimal point")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			r.pos = i
			return r.unexpected("a digit in the exponent")
		}
	}
	r.pos = i
	return nil
}

func (r *jsonReader) uint64() (uint64, error) {
	start := r.peekPos()
	s, err := r.number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, r.errAt(start, "%s is not a whole number from 0 to %d", s, uint64(1<<64-1))
	}
	return n, nil
}

func (r *jsonReader) int64() (int64, error) {
	start := r.peekPos()
	s, err := r.number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, r.errAt(start, "%s is not a whole number", s)
	}
	return n, nil
}

func (r *jsonReader) int() (int, error) {
	start := r.peekPos()
	s, err := r.number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, r.errAt(start, "%s is not a whole number", s)
	}
	return n, nil
}

func (r *jsonReader) boolean() (bool, error) {
	switch {
	case r.literal("true"):
		return true, nil
	case r.literal("false"):
		return false, nil
	}
	return false, r.unexpected("true or false")
}

// literal reads word (true, false or null) if it is next.
func (r *jsonReader) literal(word string) bool {
	r.skipSpace()
	if len(r.data)-r.pos >= len(word) && string(r.data[r.pos:r.pos+len(word)]) == word {
		r.pos += len(word)
		return true
	}
	return false
}

func (r *jsonReader) peekPos() int {
	r.skipSpace()
	return r.pos
}

// raw reads any value and returns it compacted, as a new slice: without
// whitespace between tokens, otherwise byte for byte as in the file.
func (r *jsonReader) raw() ([]byte, error) {
	r.skipSpace()
	// Raw values are small and many (the attributes of every object), and
	// live as long as the state: allocate them together.
	if cap(r.arena)-len(r.arena) < 4<<10 {
		r.arena = make([]byte, 0, 256<<10)
	}
	start := len(r.arena)
	out, err := r.appendValue(r.arena[start:start], 0)
	if err != nil {
		return nil, err
	}
	if &out[0] != &r.arena[start : start+1][0] {
		return out, nil // too big for the arena: append allocated it
	}
	r.arena = r.arena[:start+len(out)]
	return out[:len(out):len(out)], nil
}

// skip reads any value and discards it.
func (r *jsonReader) skip() error {
	var err error
	r.scratch, err = r.appendValue(r.scratch[:0], 0)
	return err
}

func (r *jsonReader) appendValue(out []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, r.errorf("values nested more than %d deep", maxDepth)
	}
	switch c := r.peek(); {
	case c == '{':
		r.pos++
		out = append(out, '{')
		if r.peek() == '}' {
			r.pos++
			return append(out, '}'), nil
		}
		for {
			if r.peek() != '"' {
				return nil, r.unexpected("a field name in quotes")
			}
			var err error
			if out, err = r.appendString(out); err != nil {
				return nil, err
			}
			if r.peek() != ':' {
				return nil, r.unexpected("a colon after the field name")
			}
			r.pos++
			out = append(out, ':')
			if out, err = r.appendValue(out, depth+1); err != nil {
				return nil, err
			}
			switch r.peek() {
			case ',':
				r.pos++
				out = append(out, ',')
			case '}':
				r.pos++
				return append(out, '}'), nil
			default:
				return nil, r.unexpected("a comma or the end of the object")
			}
		}
	case c == '[':
		r.pos++
		out = append(out, '[')
		if r.peek() == ']' {
			r.pos++
			return append(out, ']'), nil
		}
		for {
			var err error
			if out, err = r.appendValue(out, depth+1); err != nil {
				return nil, err
			}
			switch r.peek() {
			case ',':
				r.pos++
				out = append(out, ',')
			case ']':
				r.pos++
				return append(out, ']'), nil
			default:
				return nil, r.unexpected("a comma or the end of the array")
			}
		}
	case c == '"':
		return r.appendString(out)
	case c == '-' || '0' <= c && c <= '9':
		start := r.pos
		if err := r.skipNumber(); err != nil {
			return nil, err
		}
		return append(out, r.data[start:r.pos]...), nil
	}
	for _, word := range []string{"true", "false", "null"} {
		if r.literal(word) {
			return append(out, word...), nil
		}
	}
	return nil, r.unexpected("a value")
}

// appendString checks the string at the reader and appends it as it is in
// the file, escapes and all.
func (r *jsonReader) appendString(out []byte) ([]byte, error) {
	start := r.pos
	for i := start + 1; i < len(r.data); i++ {
		switch c := r.data[i]; {
		case c == '"':
			r.pos = i + 1
			return append(out, r.data[start:r.pos]...), nil
		case c < 0x20:
			r.pos = i
			return nil, r.errorf("invalid control character %q in a string", c)
		case c == '\\':
			if i+1 >= len(r.data) {
				break
			}
			switch r.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if _, ok := r.hex4(i + 2); !ok {
					r.pos = i
					return nil, r.errorf("invalid \\u escape in a string")
				}
				i += 5
			default:
				r.pos = i
				return nil, r.errorf("invalid escape sequence \\%c in a string", r.data[i+1])
			}
		}
	}
	r.pos = len(r.data)
	return nil, r.unexpected("the end of the string")
}
