package state

import (
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// decodeAttrs decodes data, an object's recorded attributes, as a value of
// ty. It is go-cty's json.Unmarshal (ctyjson) done in one pass: ctyjson
// builds an encoding/json Decoder, with its buffer, for every value at
// every level, and reads each nested value again at every level above it,
// which made decoding the state one of the largest costs of planning
// thousands of resources. This reads data once and allocates little
// beyond the value it returns.
//
// It gives what ctyjson.Unmarshal(data, ty) gives for every input, the same
// value or an error where ctyjson errs, with these differences:
//
//   - An error is a [cty.PathError] whose message names the attribute path,
//     which ctyjson's messages leave out.
//   - Where ctyjson panics it returns an error: when the elements of a list,
//     set or map have different types (a dynamically-typed element type, or
//     objects with optional attributes, one null and one not, allow it),
//     when two map keys normalize to the same string, and when the type of
//     a dynamically-typed value is one cty cannot make.
//   - A capsule type is an error unless the value is null; the recorded
//     attributes of a resource never hold one.
//
// Like ctyjson it ignores whatever follows the value in data, and, as
// encoding/json does, it replaces invalid UTF-8 and unpaired surrogate
// escapes in strings with U+FFFD.
func decodeAttrs(data []byte, ty cty.Type) (cty.Value, error) {
	d := attrDecoder{data: data}
	val, err := d.value(ty)
	if err != nil {
		return cty.NilVal, err.pathError()
	}
	return val, nil
}

// attrMaxDepth is encoding/json's limit on nesting, which ctyjson meets
// where it reads a value whose type it does not yet know: the body of a
// dynamically-typed value. Elsewhere the type bounds the nesting.
const attrMaxDepth = 10000

type attrDecoder struct {
	data    []byte
	pos     int
	scratch []byte // strings with escapes are unescaped here
}

// attrError is an error in data. Its path grows, innermost step first,
// as it returns through the values that enclose the one in error, so that
// a path costs nothing unless there is an error.
type attrError struct {
	msg string
	rev []cty.PathStep
}

// in records that err occurred within step.
func (err *attrError) in(step cty.PathStep) *attrError {
	err.rev = append(err.rev, step)
	return err
}

func (err *attrError) pathError() error {
	path := make(cty.Path, len(err.rev))
	for i, step := range err.rev {
		path[len(path)-1-i] = step
	}
	return path.NewErrorf("%s: %s", formatPath(path), err.msg)
}

func (d *attrDecoder) errorf(format string, args ...any) *attrError {
	return &attrError{msg: fmt.Sprintf(format, args...)}
}

// unexpected is the error for what is at the decoder's position when it
// wanted something else.
func (d *attrDecoder) unexpected(want string) *attrError {
	c := d.peek()
	var found string
	switch {
	case d.pos >= len(d.data):
		found = "the end of the attributes"
	case c == '{':
		found = "an object"
	case c == '[':
		found = "an array"
	case c == '"':
		found = "a string"
	case c == '-' || '0' <= c && c <= '9':
		found = "a number"
	case c == 't' || c == 'f':
		found = "a bool"
	case c == 'n':
		found = "null"
	default:
		found = fmt.Sprintf("invalid character %q", c)
	}
	return d.errorf("%s is required, found %s at byte %d", want, found, d.pos)
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (d *attrDecoder) peek() byte {
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; c {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return c
		}
	}
	return 0
}

func (d *attrDecoder) value(ty cty.Type) (cty.Value, *attrError) {
	if d.peek() == 'n' {
		if err := d.literal("null"); err != nil {
			return cty.NilVal, err
		}
		return cty.NullVal(ty), nil
	}
	switch {
	case ty == cty.String:
		return d.stringVal()
	case ty == cty.Number:
		return d.numberVal()
	case ty == cty.Bool:
		return d.boolVal()
	case ty == cty.DynamicPseudoType:
		return d.dynamic()
	case ty.IsObjectType():
		return d.object(ty.AttributeTypes())
	case ty.IsListType():
		return d.list(ty.ElementType())
	case ty.IsSetType():
		return d.set(ty.ElementType())
	case ty.IsMapType():
		return d.mapVal(ty.ElementType())
	case ty.IsTupleType():
		return d.tuple(ty.TupleElementTypes())
	case ty.IsCapsuleType():
		return cty.NilVal, d.errorf("cannot decode a value of type %s from recorded attributes", ty.FriendlyName())
	}
	return cty.NilVal, d.errorf("cannot decode a value of an unsupported type")
}

// stringVal reads a string, or a number or bool as ctyjson converts them:
// a number as its text in data, a bool as "true" or "false".
func (d *attrDecoder) stringVal() (cty.Value, *attrError) {
	switch c := d.peek(); {
	case c == '"':
		s, err := d.str()
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(s), nil
	case c == '-' || '0' <= c && c <= '9':
		s, err := d.number()
		if err != nil {
			return cty.NilVal, err
		}
		return cty.StringVal(s), nil
	case c == 't' || c == 'f':
		b, err := d.boolean()
		if err != nil {
			return cty.NilVal, err
		}
		return d.convert(cty.BoolVal(b), cty.String)
	}
	return cty.NilVal, d.unexpected("a string")
}

// numberVal reads a number, or a string that holds one, parsed as
// ctyjson parses them, so that precision and rounding are the same.
func (d *attrDecoder) numberVal() (cty.Value, *attrError) {
	var s string
	var err *attrError
	switch c := d.peek(); {
	case c == '"':
		s, err = d.str()
	case c == '-' || '0' <= c && c <= '9':
		s, err = d.number()
	default:
		return cty.NilVal, d.unexpected("a number")
	}
	if err != nil {
		return cty.NilVal, err
	}
	val, perr := cty.ParseNumberVal(s)
	if perr != nil {
		return cty.NilVal, d.errorf("a number is required, found %q", s)
	}
	return val, nil
}

// boolVal reads a bool, or a string that converts to one.
func (d *attrDecoder) boolVal() (cty.Value, *attrError) {
	switch c := d.peek(); {
	case c == 't' || c == 'f':
		b, err := d.boolean()
		if err != nil {
			return cty.NilVal, err
		}
		return cty.BoolVal(b), nil
	case c == '"':
		s, err := d.str()
		if err != nil {
			return cty.NilVal, err
		}
		return d.convert(cty.StringVal(s), cty.Bool)
	}
	return cty.NilVal, d.unexpected("a bool")
}

func (d *attrDecoder) convert(val cty.Value, ty cty.Type) (cty.Value, *attrError) {
	val, err := convert.Convert(val, ty)
	if err != nil {
		return cty.NilVal, d.errorf("%s", err)
	}
	return val, nil
}

// object reads an object with the attributes atys. Attributes missing
// from data are null; one that appears twice has its last value.
func (d *attrDecoder) object(atys map[string]cty.Type) (cty.Value, *attrError) {
	if d.peek() != '{' {
		return cty.NilVal, d.unexpected("an object")
	}
	d.pos++
	vals := make(map[string]cty.Value, len(atys))
	if d.peek() == '}' {
		d.pos++
	} else {
		for {
			if d.peek() != '"' {
				return cty.NilVal, d.unexpected("an attribute name")
			}
			name, err := d.str()
			if err != nil {
				return cty.NilVal, err
			}
			// ctyjson matches names as they are, not normalized.
			aty, ok := atys[name]
			if !ok {
				return cty.NilVal, d.errorf("unsupported attribute %q", name)
			}
			if err := d.colon(); err != nil {
				return cty.NilVal, err
			}
			val, err := d.value(aty)
			if err != nil {
				return cty.NilVal, err.in(cty.GetAttrStep{Name: name})
			}
			vals[name] = val
			if end, err := d.next('}'); err != nil {
				return cty.NilVal, err
			} else if end {
				break
			}
		}
	}
	// Attributes are recorded null and all, so this is rare.
	if len(vals) < len(atys) {
		for name, aty := range atys {
			if _, ok := vals[name]; !ok {
				vals[name] = cty.NullVal(aty)
			}
		}
	}
	if len(vals) == 0 {
		return cty.EmptyObjectVal, nil
	}
	return cty.ObjectVal(vals), nil
}

// elems reads an array, calling elem for each element with the decoder
// at it. Elements of the arrays in attributes are usually few, so the
// caller's buf is usually room enough.
func (d *attrDecoder) elems(buf []cty.Value, elem func(i int) (cty.Value, *attrError)) ([]cty.Value, *attrError) {
	if d.peek() != '[' {
		return nil, d.unexpected("an array")
	}
	d.pos++
	vals := buf[:0]
	if d.peek() == ']' {
		d.pos++
		return vals, nil
	}
	for i := 0; ; i++ {
		val, err := elem(i)
		if err != nil {
			return nil, err
		}
		vals = append(vals, val)
		if end, err := d.next(']'); err != nil || end {
			return vals, err
		}
	}
}

func (d *attrDecoder) list(ety cty.Type) (cty.Value, *attrError) {
	var buf [8]cty.Value
	vals, err := d.elems(buf[:], func(i int) (cty.Value, *attrError) {
		val, err := d.value(ety)
		if err != nil {
			return cty.NilVal, err.in(cty.IndexStep{Key: cty.NumberIntVal(int64(i))})
		}
		return val, nil
	})
	switch {
	case err != nil:
		return cty.NilVal, err
	case len(vals) == 0:
		return cty.ListValEmpty(ety), nil
	case len(vals) > 1 && typesMayDiffer(ety) && !cty.CanListVal(vals):
		return cty.NilVal, d.errorf("the list's elements have different types")
	}
	return cty.ListVal(vals), nil
}

func (d *attrDecoder) set(ety cty.Type) (cty.Value, *attrError) {
	var buf [8]cty.Value
	vals, err := d.elems(buf[:], func(int) (cty.Value, *attrError) {
		val, err := d.value(ety)
		if err != nil {
			return cty.NilVal, err.in(cty.IndexStep{Key: cty.UnknownVal(ety)})
		}
		return val, nil
	})
	switch {
	case err != nil:
		return cty.NilVal, err
	case len(vals) == 0:
		return cty.SetValEmpty(ety), nil
	case len(vals) > 1 && typesMayDiffer(ety) && !cty.CanSetVal(vals):
		return cty.NilVal, d.errorf("the set's elements have different types")
	}
	return cty.SetVal(vals), nil
}

func (d *attrDecoder) tuple(etys []cty.Type) (cty.Value, *attrError) {
	var buf [8]cty.Value
	vals, err := d.elems(buf[:], func(i int) (cty.Value, *attrError) {
		if i >= len(etys) {
			return cty.NilVal, d.errorf("too many tuple elements (need %d)", len(etys))
		}
		val, err := d.value(etys[i])
		if err != nil {
			return cty.NilVal, err.in(cty.IndexStep{Key: cty.NumberIntVal(int64(i))})
		}
		return val, nil
	})
	switch {
	case err != nil:
		return cty.NilVal, err
	case len(vals) != len(etys):
		return cty.NilVal, d.errorf("not enough tuple elements (need %d)", len(etys))
	case len(vals) == 0:
		return cty.EmptyTupleVal, nil
	}
	return cty.TupleVal(vals), nil
}

// mapVal reads a map. A key that appears twice has its last value.
func (d *attrDecoder) mapVal(ety cty.Type) (cty.Value, *attrError) {
	if d.peek() != '{' {
		return cty.NilVal, d.unexpected("an object")
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		return cty.MapValEmpty(ety), nil
	}
	vals := make(map[string]cty.Value)
	ascii := true
	for {
		if d.peek() != '"' {
			return cty.NilVal, d.unexpected("a map key")
		}
		key, err := d.str()
		if err != nil {
			return cty.NilVal, err
		}
		if err := d.colon(); err != nil {
			return cty.NilVal, err
		}
		val, err := d.value(ety)
		if err != nil {
			return cty.NilVal, err.in(cty.IndexStep{Key: cty.StringVal(key)})
		}
		vals[key] = val
		ascii = ascii && isASCII(key)
		if end, err := d.next('}'); err != nil {
			return cty.NilVal, err
		} else if end {
			break
		}
	}
	// cty.MapVal panics where CanMapVal is false: keys that normalize to
	// the same string, elements of different types.
	if (!ascii || typesMayDiffer(ety)) && !cty.CanMapVal(vals) {
		return cty.NilVal, d.errorf("the map has keys that are the same when normalized, or elements of different types")
	}
	return cty.MapVal(vals), nil
}

// dynamic reads a value of any type, which ctyjson writes as an object of
// its type and its value. The type is decoded as ctyjson decodes it, with
// encoding/json; the value, which may come before it, is read when the
// type is known.
func (d *attrDecoder) dynamic() (cty.Value, *attrError) {
	if d.peek() != '{' {
		return cty.NilVal, d.unexpected("an object with the value's type and value")
	}
	d.pos++
	var ty cty.Type
	var body []byte
	if d.peek() == '}' {
		d.pos++
	} else {
		for {
			if d.peek() != '"' {
				return cty.NilVal, d.unexpected("\"type\" or \"value\"")
			}
			key, err := d.str()
			if err != nil {
				return cty.NilVal, err
			}
			if err := d.colon(); err != nil {
				return cty.NilVal, err
			}
			d.peek() // the raw value starts at its first byte, as encoding/json cuts it
			start := d.pos
			if err := d.skip(0); err != nil {
				return cty.NilVal, err
			}
			raw := d.data[start:d.pos]
			switch key {
			case "type":
				if ty, err = unmarshalType(raw); err != nil {
					return cty.NilVal, err
				}
			case "value":
				body = raw
			default:
				return cty.NilVal, d.errorf("invalid key %q in dynamically-typed value", key)
			}
			if end, err := d.next('}'); err != nil {
				return cty.NilVal, err
			} else if end {
				break
			}
		}
	}
	switch {
	case ty == cty.NilType:
		return cty.NilVal, d.errorf("missing type in dynamically-typed value")
	case body == nil:
		return cty.NilVal, d.errorf("missing value in dynamically-typed value")
	}
	inner := attrDecoder{data: body}
	return inner.value(ty)
}

// unmarshalType decodes the type of a dynamically-typed value as ctyjson
// does, with cty.Type's UnmarshalJSON. That panics on some descriptions:
// an optional attribute that is not declared, two attribute names that
// normalize to the same string. Here they are errors.
func unmarshalType(raw []byte) (ty cty.Type, err *attrError) {
	defer func() {
		if r := recover(); r != nil {
			ty, err = cty.NilType, &attrError{msg: fmt.Sprintf("invalid type for dynamic value: %v", r)}
		}
	}()
	if err := json.Unmarshal(raw, &ty); err != nil {
		return cty.NilType, &attrError{msg: fmt.Sprintf("failed to decode type for dynamic value: %s", err)}
	}
	return ty, nil
}

// typesMayDiffer reports whether two values decoded with ty may have
// different types. Values of other types have exactly ty.
func typesMayDiffer(ty cty.Type) bool {
	switch {
	case ty == cty.DynamicPseudoType:
		return true
	case ty.IsListType(), ty.IsSetType(), ty.IsMapType():
		return typesMayDiffer(ty.ElementType())
	case ty.IsTupleType():
		for _, ety := range ty.TupleElementTypes() {
			if typesMayDiffer(ety) {
				return true
			}
		}
	case ty.IsObjectType():
		// A null object has ty's type, optional attributes and all;
		// one that is not has a plain object type.
		if len(ty.OptionalAttributes()) > 0 {
			return true
		}
		for _, aty := range ty.AttributeTypes() {
			if typesMayDiffer(aty) {
				return true
			}
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// colon reads the colon after an object key.
func (d *attrDecoder) colon() *attrError {
	if d.peek() != ':' {
		return d.unexpected("a colon after the key")
	}
	d.pos++
	return nil
}

// next reads what follows an element of an array or object: a comma, or
// the closing delimiter, when it reports the end.
func (d *attrDecoder) next(closing byte) (end bool, err *attrError) {
	switch d.peek() {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	}
	return false, d.unexpected(fmt.Sprintf("a comma or %q", closing))
}

// literal reads word, which is true, false or null.
func (d *attrDecoder) literal(word string) *attrError {
	d.peek()
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return nil
	}
	return d.errorf("invalid literal at byte %d: %s is required", d.pos, word)
}

func (d *attrDecoder) boolean() (bool, *attrError) {
	if d.peek() == 't' {
		return true, d.literal("true")
	}
	return false, d.literal("false")
}

// number reads a number as JSON defines it and returns its text. As in
// encoding/json, the number ends where the grammar does: 0123 is 0 and
// then 123, which only the caller can reject.
func (d *attrDecoder) number() (string, *attrError) {
	data, start := d.data, d.pos
	i := start
	digits := func() int {
		n := 0
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case digits() == 0:
		d.pos = i
		return "", d.unexpected("a digit")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if digits() == 0 {
			d.pos = i
			return "", d.unexpected("a digit after the decimal point")
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.pos = i
			return "", d.unexpected("a digit in the exponent")
		}
	}
	d.pos = i
	return string(d.data[start:i]), nil
}

// str reads a string. Nearly every string in attributes has no escapes
// and is valid UTF-8, and is then copied as it is.
func (d *attrDecoder) str() (string, *attrError) {
	start := d.pos + 1
	ascii := true
	for i := start; i < len(d.data); i++ {
		c := d.data[i]
		if plainASCII[c] {
			continue
		}
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(d.data[start:i]) {
				return d.unescape(start)
			}
			d.pos = i + 1
			return string(d.data[start:i]), nil
		case c >= utf8.RuneSelf:
			ascii = false
		default:
			return d.unescape(start)
		}
	}
	d.pos = len(d.data)
	return "", d.errorf("the attributes end in the middle of a string")
}

// plainASCII holds the bytes that stand for themselves in a string: ASCII
// but for control characters, the quote and the backslash.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// unescape reads a string from start, just after its opening quote, as
// encoding/json does: escapes decoded, and invalid UTF-8 and unpaired
// surrogates replaced with U+FFFD.
func (d *attrDecoder) unescape(start int) (string, *attrError) {
	data := d.data
	b := d.scratch[:0]
	defer func() { d.scratch = b }()
	for i := start; ; {
		if i >= len(data) {
			d.pos = i
			return "", d.errorf("the attributes end in the middle of a string")
		}
		switch c := data[i]; {
		case c == '"':
			d.pos = i + 1
			return string(b), nil
		case c < 0x20:
			return "", d.errorf("invalid control character %q in a string at byte %d", c, i)
		case c < utf8.RuneSelf && c != '\\':
			b = append(b, c)
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(data[i:])
			b = utf8.AppendRune(b, r)
			i += size
		case i+1 >= len(data):
			d.pos = len(data)
			return "", d.errorf("the attributes end in the middle of a string")
		default:
			r, size, err := d.escape(i)
			if err != nil {
				return "", err
			}
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
}

// escape decodes the escape sequence at i, returning the rune and the
// length of the sequence. A surrogate pair is one sequence.
func (d *attrDecoder) escape(i int) (rune, int, *attrError) {
	data := d.data
	switch e := data[i+1]; e {
	case '"', '\\', '/':
		return rune(e), 2, nil
	case 'b':
		return '\b', 2, nil
	case 'f':
		return '\f', 2, nil
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'u':
		r1, ok := hex4(data, i+2)
		if !ok {
			return 0, 0, d.errorf("invalid \\u escape in a string at byte %d", i)
		}
		if !utf16.IsSurrogate(r1) {
			return r1, 6, nil
		}
		if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
			if r2, ok := hex4(data, i+8); ok {
				if r := utf16.DecodeRune(r1, r2); r != utf8.RuneError {
					return r, 12, nil
				}
			}
		}
		return utf8.RuneError, 6, nil
	}
	return 0, 0, d.errorf("invalid escape sequence \\%c in a string at byte %d", data[i+1], i)
}

// hex4 reads the four hexadecimal digits of a \u escape at i.
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skip reads past any value, checking it as encoding/json does, for the
// parts of a dynamically-typed value that are read before their type is
// known. depth is how deeply the value is nested in the one skip was
// first called for.
func (d *attrDecoder) skip(depth int) *attrError {
	switch c := d.peek(); {
	case c == '{' || c == '[':
		if depth >= attrMaxDepth {
			return d.errorf("values nested more than %d deep", attrMaxDepth)
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		d.pos++
		if d.peek() == closing {
			d.pos++
			return nil
		}
		for {
			if c == '{' {
				if d.peek() != '"' {
					return d.unexpected("an object key")
				}
				if _, err := d.str(); err != nil {
					return err
				}
				if err := d.colon(); err != nil {
					return err
				}
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if end, err := d.next(closing); err != nil || end {
				return err
			}
		}
	case c == '"':
		_, err := d.str()
		return err
	case c == '-' || '0' <= c && c <= '9':
		_, err := d.number()
		return err
	case c == 't' || c == 'f':
		_, err := d.boolean()
		return err
	case c == 'n':
		return d.literal("null")
	}
	return d.unexpected("a value")
}
