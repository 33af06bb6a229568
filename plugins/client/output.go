package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Limits on what outputTail keeps of a provider's stderr.
const (
	tailLines  = 20
	panicLines = 16
)

// outputTail keeps the last lines a provider wrote to stderr, and the start
// of a Go panic or fatal error, whose first lines (the message and the
// failing frame) matter more than the goroutine dump that follows.
type outputTail struct {
	mu      sync.Mutex
	lines   []string
	panic   []string
	inPanic bool
}

func newOutputTail() *outputTail { return &outputTail{} }

// maxLine bounds a line kept while its end has not arrived.
const maxLine = 64 << 10

// stream returns a writer for one of the provider's output streams. Each
// stream keeps its own unfinished line, so that lines from stderr and from
// the relayed stdout never run together; complete lines go to the shared
// tail in the order they end.
func (o *outputTail) stream() io.Writer { return &lineWriter{tail: o} }

type lineWriter struct {
	tail    *outputTail
	partial []byte
}

// Write takes any chunking of the stream; lines are split on '\n'. go-plugin
// calls each writer from one goroutine.
func (w *lineWriter) Write(b []byte) (int, error) {
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.tail.addLine(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > maxLine {
		w.tail.addLine(string(w.partial))
		w.partial = w.partial[:0]
	}
	return len(b), nil
}

func (o *outputTail) addLine(line string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.add(line)
}

func (o *outputTail) add(line string) {
	line = readableLogLine(strings.TrimRight(line, "\r"))
	if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") {
		o.inPanic = true
		o.panic = o.panic[:0]
	}
	if o.inPanic {
		if len(o.panic) < panicLines {
			o.panic = append(o.panic, line)
		}
		return
	}
	o.lines = append(o.lines, line)
	if len(o.lines) > tailLines {
		o.lines = o.lines[len(o.lines)-tailLines:]
	}
}

// readableLogLine renders an hclog JSON line as "[LEVEL] message key=value";
// other lines are returned as they are.
func readableLogLine(line string) string {
	if !strings.HasPrefix(line, "{") {
		return line
	}
	var entry map[string]any
	if json.Unmarshal([]byte(line), &entry) != nil {
		return line
	}
	msg, _ := entry["@message"].(string)
	level, _ := entry["@level"].(string)
	var extra []string
	for k, v := range entry {
		if !strings.HasPrefix(k, "@") && k != "stack" {
			extra = append(extra, fmt.Sprintf("%s=%v", k, v))
		}
	}
	sort.Strings(extra)
	out := fmt.Sprintf("[%s] %s", strings.ToUpper(level), msg)
	if len(extra) > 0 {
		out += " " + strings.Join(extra, " ")
	}
	return out
}

// Output is what a provider last wrote to stderr.
type Output struct {
	// Panic is the start of a Go panic or fatal error, when there was one.
	Panic []string
	// Tail is the last lines before it (or before the end).
	Tail []string
}

func (o *outputTail) snapshot() Output {
	o.mu.Lock()
	defer o.mu.Unlock()
	return Output{Panic: append([]string(nil), o.panic...), Tail: append([]string(nil), o.lines...)}
}

// quote renders the output for an error message, or "" when there was none.
func (o *outputTail) quote() string { return o.snapshot().render() }

func (o Output) verb() string {
	if len(o.Panic) > 0 {
		return "crashed"
	}
	return "exited"
}

func (o Output) render() string {
	var b strings.Builder
	if len(o.Panic) > 0 {
		b.WriteString("\n\nThe provider's panic:\n")
		for _, l := range o.Panic {
			b.WriteString("  " + l + "\n")
		}
	}
	if len(o.Tail) > 0 {
		b.WriteString("\n\nThe last lines the provider wrote to stderr:\n")
		for _, l := range o.Tail {
			b.WriteString("  " + l + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
