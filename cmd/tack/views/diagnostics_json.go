package views

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// DiagnosticsFormatVersion is the version of the JSON form of diagnostics.
// Within a major version fields are only added; a change that removes or
// redefines a field raises the major version.
const DiagnosticsFormatVersion = "1.0"

// RenderDiagnosticsJSON writes diags to w as one JSON object, the
// machine-readable form of [DiagnosticsView], modelled on the output of
// `terraform validate -json`. sources maps file names to their bytes, as
// in DiagnosticsView.Sources, and may be nil; a diagnostic whose file is
// missing has no snippet. docs/diagnostics-json.md is the reference for
// users; in short:
//
//	{
//	  "format_version": "1.0",
//	  "valid": false,              // true when error_count is 0
//	  "error_count": 1,
//	  "warning_count": 0,
//	  "diagnostics": [             // in the order given; [] when none
//	    {
//	      "severity": "error",     // or "warning"
//	      "summary": "Unsupported argument",
//	      "detail": "An argument named ...",   // "" when none
//	      "range": {               // absent when the diagnostic has no subject
//	        "filename": "main.tack.hcl",
//	        "start": {"line": 12, "column": 3, "byte": 210},
//	        "end": {"line": 12, "column": 10, "byte": 217}
//	      },
//	      "snippet": {             // absent when the file is not known
//	        "context": "resource \"local_file\" \"a\"",   // null when none
//	        "code": "  contnet = \"x\"",  // whole lines, no final newline
//	        "start_line": 12,
//	        "highlight_start_offset": 2,  // byte offsets into code
//	        "highlight_end_offset": 9
//	      }
//	    }
//	  ]
//	}
//
// Lines and columns count from 1, columns in characters as hcl counts
// them; bytes count from 0. It returns the first error from encoding or
// writing.
func RenderDiagnosticsJSON(w io.Writer, diags hcl.Diagnostics, sources map[string][]byte) error {
	out := jsonDiagnostics{
		FormatVersion: DiagnosticsFormatVersion,
		Diagnostics:   []jsonDiagnostic{},
	}
	cache := sourceCache{files: sources}
	for _, d := range diags {
		if d == nil {
			continue
		}
		jd := jsonDiagnostic{
			Severity: "error",
			Summary:  d.Summary,
			Detail:   d.Detail,
		}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			out.WarningCount++
		} else {
			out.ErrorCount++
		}
		if d.Subject != nil {
			jd.Range = &jsonRange{
				Filename: d.Subject.Filename,
				Start:    jsonPos(d.Subject.Start),
				End:      jsonPos(d.Subject.End),
			}
			if src := cache.get(d.Subject.Filename); src != nil {
				if sn, ok := src.snippet(*d.Subject, d.Context); ok {
					js := &jsonSnippet{
						Code:                 string(src.src[sn.start:sn.end]),
						StartLine:            sn.firstLine,
						HighlightStartOffset: sn.subjStart - sn.start,
						HighlightEndOffset:   sn.subjEnd - sn.start,
					}
					if sn.context != "" {
						js.Context = &sn.context
					}
					jd.Snippet = js
				}
			}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	out.Valid = out.ErrorCount == 0

	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // details quote config, where < and > are common
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing diagnostics as JSON: %w", err)
	}
	return nil
}

type jsonDiagnostics struct {
	FormatVersion string           `json:"format_version"`
	Valid         bool             `json:"valid"`
	ErrorCount    int              `json:"error_count"`
	WarningCount  int              `json:"warning_count"`
	Diagnostics   []jsonDiagnostic `json:"diagnostics"`
}

type jsonDiagnostic struct {
	Severity string       `json:"severity"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *jsonRange   `json:"range,omitempty"`
	Snippet  *jsonSnippet `json:"snippet,omitempty"`
}

type jsonRange struct {
	Filename string       `json:"filename"`
	Start    jsonPosition `json:"start"`
	End      jsonPosition `json:"end"`
}

type jsonPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

func jsonPos(p hcl.Pos) jsonPosition {
	return jsonPosition{Line: p.Line, Column: p.Column, Byte: p.Byte}
}

type jsonSnippet struct {
	Context              *string `json:"context"`
	Code                 string  `json:"code"`
	StartLine            int     `json:"start_line"`
	HighlightStartOffset int     `json:"highlight_start_offset"`
	HighlightEndOffset   int     `json:"highlight_end_offset"`
}
