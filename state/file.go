package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
)

// FormatVersion is the version of the state file format that [WriteFile]
// writes. docs/state-format.md describes it field by field.
const FormatVersion = 2

var (
	// ErrUnsupportedFormat is wrapped by the error [ReadFile] returns for a
	// file this tack cannot read at all: one without a format_version (not
	// a tack state file), or with a version no tack has written. It is also
	// matched by [ErrNewerFormat]'s errors.
	ErrUnsupportedFormat = errors.New("unsupported state file format")

	// ErrNewerFormat is wrapped by the error [ReadFile] returns for a file
	// written by a newer tack, in a format version this one does not know.
	ErrNewerFormat = errors.New("state file format is newer than this tack understands")
)

// FormatError reports a state file that is damaged or invalid: not JSON,
// a field of the wrong type or unknown, or a value that breaks a rule of
// the format (an address that does not parse, a duplicate instance).
type FormatError struct {
	// Path locates the problem in the file, as in
	// resources[2].instances[0].deposed; empty for the file as a whole.
	Path string
	Err  error
}

func (e *FormatError) Error() string {
	if e.Path == "" {
		return "invalid state file: " + e.Err.Error()
	}
	return "invalid state file: " + e.Path + ": " + e.Err.Error()
}

func (e *FormatError) Unwrap() error { return e.Err }

// newerFormatError is the error for a format version above FormatVersion.
type newerFormatError struct{ version uint64 }

func (e newerFormatError) Error() string {
	return fmt.Sprintf("state file format version %d is newer than this tack understands (%d); upgrade tack to read it", e.version, FormatVersion)
}

func (e newerFormatError) Is(target error) bool {
	return target == ErrNewerFormat || target == ErrUnsupportedFormat
}

// formats says, for every format version this tack reads, how to decode a
// file of that version into its own types and how to upgrade the result to
// the next version. Reading applies the upgrades one after the other until
// it reaches FormatVersion, whose entry has no upgrade. A change of format
// adds a decoder for the new version and gives the old one an upgrade.
var formats = map[uint64]struct {
	decode  func(data []byte) (any, error)
	upgrade func(any) (any, error) // to version+1; nil for FormatVersion
}{
	1: {decode: func(data []byte) (any, error) { return decodeV1(data) }, upgrade: upgradeV1},
	2: {decode: func(data []byte) (any, error) { return decodeV2(data) }},
}

// upgradeV1 makes a version 1 file version 2: version 2 only adds lists a
// version 1 file does not have.
func upgradeV1(f any) (any, error) {
	f.(*fileV1).FormatVersion = 2
	return f, nil
}

// ReadFile reads a state file. It accepts any input without panicking: an
// invalid or damaged file gives a *[FormatError], one that is not a tack
// state file or of an unknown version wraps [ErrUnsupportedFormat], and one
// from a newer tack wraps [ErrNewerFormat].
func ReadFile(r io.Reader) (*State, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading state: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &FormatError{Err: errors.New("the file is empty")}
	}
	version, err := formatVersion(data)
	if err != nil {
		return nil, err
	}
	if version > FormatVersion {
		return nil, newerFormatError{version}
	}
	format, ok := formats[version]
	if !ok {
		return nil, fmt.Errorf("%w: no tack has written format version %d", ErrUnsupportedFormat, version)
	}
	f, err := format.decode(data)
	if err != nil {
		return nil, err
	}
	for format.upgrade != nil {
		if f, err = format.upgrade(f); err != nil {
			return nil, fmt.Errorf("upgrading state from format version %d: %w", version, err)
		}
		version++
		format = formats[version]
	}
	return f.(*fileV1).state()
}

// formatVersion finds the file's format_version without decoding the rest,
// since what the rest means depends on it.
func formatVersion(data []byte) (uint64, error) {
	r := &jsonReader{data: data}
	switch c := r.peek(); c {
	case '{':
	case '[':
		return 0, fmt.Errorf("%w: the file holds a JSON array, not an object", ErrUnsupportedFormat)
	case '"':
		return 0, fmt.Errorf("%w: the file holds a JSON string, not an object", ErrUnsupportedFormat)
	default:
		return 0, r.unexpected("a JSON object")
	}
	var raw []byte
	err := r.object(func(key string) (err error) {
		if key == "format_version" {
			raw, err = r.raw()
			if err == nil {
				// tack writes format_version first: the rest can wait.
				err = errFound
			}
			return err
		}
		return r.skip()
	})
	if err != nil && err != errFound {
		return 0, err
	}
	if raw == nil {
		return 0, fmt.Errorf("%w: the file has no format_version; it is not a tack state file", ErrUnsupportedFormat)
	}
	version, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, &FormatError{Path: "format_version", Err: fmt.Errorf("%s is not a version number", raw)}
	}
	return version, nil
}

var errFound = errors.New("found")

// Identify reads the lineage and serial of a state file without reading
// the rest, which tack writes after them: a backend checks a write against
// the stored state with it without paying for reading the whole state. It
// refuses a file of a format version this tack does not read, as ReadFile
// does, but does not check the rest of the file.
func Identify(data []byte) (lineage string, serial uint64, err error) {
	r := &jsonReader{data: data}
	var version uint64
	var haveVersion, haveLineage, haveSerial bool
	err = r.object(func(key string) (err error) {
		switch key {
		case "format_version":
			version, err = r.uint64()
			haveVersion = true
		case "lineage":
			lineage, err = r.str()
			haveLineage = true
		case "serial":
			serial, err = r.uint64()
			haveSerial = true
		default:
			err = r.skip()
		}
		if err == nil && haveVersion && haveLineage && haveSerial {
			err = errFound
		}
		return err
	})
	switch {
	case err != nil && err != errFound:
		return "", 0, err
	case !haveVersion:
		return "", 0, fmt.Errorf("%w: the file has no format_version; it is not a tack state file", ErrUnsupportedFormat)
	case version > FormatVersion:
		return "", 0, newerFormatError{version}
	case formats[version].decode == nil:
		return "", 0, fmt.Errorf("%w: no tack has written format version %d", ErrUnsupportedFormat, version)
	case lineage == "":
		return "", 0, &FormatError{Path: "lineage", Err: errors.New("missing: every state has a lineage")}
	}
	return lineage, serial, nil
}

// readAll is io.ReadAll reading into a buffer of the right size when r
// can tell it (a file, a bytes.Reader), which saves copying a large state
// several times as the buffer grows.
func readAll(r io.Reader) ([]byte, error) {
	size := 0
	switch r := r.(type) {
	case interface{ Len() int }:
		size = r.Len()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = int(fi.Size())
		}
	}
	if size <= 0 {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// WriteFile writes s to w in the current format, recording tackVersion as
// the version of tack that wrote it. Equal states give byte-identical
// files. WriteFile refuses, writing nothing, a state that ReadFile could
// not read back: an unknown or marked output value, an object with an
// unset status or attributes that are not a JSON object, an address that
// does not print in a form that parses back.
func WriteFile(w io.Writer, s *State, tackVersion string) error {
	f, err := encodeV1(s, tackVersion)
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	var buf bytes.Buffer
	if err := f.write(&buf); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	return nil
}

// position converts the offset of a byte into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:max(offset, 0)]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}
