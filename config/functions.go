package config

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions returns the functions expressions of the module in dir may
// call: go-cty's standard library under Terraform's names, try and can,
// encodings and hashes, and the filesystem functions, which read only
// files inside dir (a path that leaves it is an error, so a configuration
// cannot read the machine's secrets through a crafted path).
//
// The impure functions (uuid) are listed in [ImpureFunctions]: a plan
// evaluates them as unknown ([Scope.Pure]), since it cannot promise the
// value apply will see; apply evaluates them.
func Functions(dir string) map[string]function.Function {
	fs := fileFuncs{root: dir}
	return map[string]function.Function{
		// Strings.
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc, "replace": stdlib.ReplaceFunc,
		"split": stdlib.SplitFunc, "strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc,
		"title": stdlib.TitleFunc, "trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimspace": stdlib.TrimSpaceFunc, "trimsuffix": stdlib.TrimSuffixFunc, "upper": stdlib.UpperFunc,
		// Numbers.
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc, "log": stdlib.LogFunc,
		"max": stdlib.MaxFunc, "min": stdlib.MinFunc, "parseint": stdlib.ParseIntFunc, "pow": stdlib.PowFunc,
		"signum": stdlib.SignumFunc,
		// Collections.
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc, "coalescelist": stdlib.CoalesceListFunc,
		"compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc,
		"index": stdlib.IndexFunc, "keys": stdlib.KeysFunc, "length": lengthFunc, "lookup": stdlib.LookupFunc,
		"merge": stdlib.MergeFunc, "range": stdlib.RangeFunc, "reverse": stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc, "setproduct": stdlib.SetProductFunc,
		"setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc, "slice": stdlib.SliceFunc,
		"sort": stdlib.SortFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
		// Conversions.
		"tobool": stdlib.MakeToFunc(cty.Bool), "tonumber": stdlib.MakeToFunc(cty.Number),
		"tostring": stdlib.MakeToFunc(cty.String), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
		// Encodings and hashes.
		"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc, "csvdecode": stdlib.CSVDecodeFunc,
		"base64encode": base64EncodeFunc, "base64decode": base64DecodeFunc, "sha256": sha256Func,
		"formatdate": stdlib.FormatDateFunc, "timeadd": stdlib.TimeAddFunc,
		// Impure.
		"uuid": uuidFunc,
		// The filesystem, confined to the module directory.
		"file": fs.fileFunc(false), "filebase64": fs.fileFunc(true), "fileexists": fs.existsFunc(),
		"templatefile": fs.templateFunc(dir), "abspath": fs.abspathFunc(),
	}
}

// ImpureFunctions are the functions whose result changes from call to
// call.
var ImpureFunctions = []string{"uuid"}

var base64EncodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.StringVal(base64.StdEncoding.EncodeToString([]byte(args[0].AsString()))), nil
	},
})

var base64DecodeFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		b, err := base64.StdEncoding.DecodeString(args[0].AsString())
		if err != nil {
			return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "not valid standard base64: %s", err)
		}
		return cty.StringVal(string(b)), nil
	},
})

var sha256Func = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sum := sha256.Sum256([]byte(args[0].AsString()))
		return cty.StringVal(hex.EncodeToString(sum[:])), nil
	},
})

var uuidFunc = function.New(&function.Spec{
	Type: function.StaticReturnType(cty.String),
	Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
		return cty.StringVal(uuid.NewString()), nil
	},
})

// fileFuncs are the filesystem functions of one module directory. They
// read through an os.Root, which refuses any path that leads outside the
// directory, through ".." or through a symbolic link alike.
type fileFuncs struct{ root string }

// outside is the error for a path that leaves the module directory.
func (f fileFuncs) outside(p string) error {
	return fmt.Errorf("%s is outside the module directory %s; a configuration may read only its own files", p, f.root)
}

// relPath turns a path a configuration gives into one relative to the
// module directory: an absolute path must lie inside it.
func (f fileFuncs) relPath(p string) (string, error) {
	if filepath.IsAbs(p) {
		rootAbs, err := filepath.Abs(f.root)
		if err != nil {
			return "", err
		}
		rel, err := filepath.Rel(rootAbs, filepath.Clean(p))
		if err != nil {
			return "", f.outside(p)
		}
		p = rel
	}
	p = filepath.Clean(p)
	if p == ".." || strings.HasPrefix(p, ".."+string(filepath.Separator)) {
		return "", f.outside(p)
	}
	return p, nil
}

// inRoot runs do with the module directory opened as an os.Root and p
// made relative to it, reporting an escape as outside the module.
func (f fileFuncs) inRoot(p string, do func(root *os.Root, rel string) error) error {
	rel, err := f.relPath(p)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(f.root)
	if err != nil {
		return err
	}
	defer root.Close()
	// os.Root's escape error is not exported; its message is all there is.
	err = do(root, rel)
	if err != nil && strings.Contains(err.Error(), "escapes from parent") {
		return f.outside(p)
	}
	// The *PathError's operation ("openat") means nothing to a user.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return notFoundError{dir: f.root}
		}
		return pe.Err
	}
	return err
}

// lengthFunc is the length of a collection, or of a string in
// characters, as Terraform users expect (go-cty's LengthFunc takes only
// collections; StrlenFunc only strings).
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true, AllowMarked: true}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if ty == cty.String || ty == cty.DynamicPseudoType || ty.IsCollectionType() || ty.IsTupleType() || ty.IsObjectType() {
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "length takes a string, list, set, map, tuple or object, not %s", ty.FriendlyName())
	},
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		if v.Type() == cty.String {
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		}
		if v.Type().IsObjectType() {
			if !v.IsKnown() {
				return cty.UnknownVal(cty.Number).WithMarks(marks), nil
			}
			return cty.NumberIntVal(int64(len(v.Type().AttributeTypes()))).WithMarks(marks), nil
		}
		n, err := stdlib.Length(v)
		return n.WithMarks(marks), err
	},
})

// notFoundError says a file is missing without the system call's name;
// it is an fs.ErrNotExist.
type notFoundError struct{ dir string }

func (e notFoundError) Error() string {
	return "there is no such file in the module directory " + e.dir
}

func (notFoundError) Unwrap() error { return fs.ErrNotExist }

// readFile reads a file of the module directory.
func (f fileFuncs) readFile(p string) (b []byte, err error) {
	err = f.inRoot(p, func(root *os.Root, rel string) (err error) {
		b, err = root.ReadFile(rel)
		return err
	})
	return b, err
}

// stat describes a file of the module directory.
func (f fileFuncs) stat(p string) (info os.FileInfo, err error) {
	err = f.inRoot(p, func(root *os.Root, rel string) (err error) {
		info, err = root.Stat(rel)
		return err
	})
	return info, err
}

func (f fileFuncs) fileFunc(asBase64 bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := f.readFile(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "cannot read %s: %s", args[0].AsString(), err)
			}
			if asBase64 {
				return cty.StringVal(base64.StdEncoding.EncodeToString(b)), nil
			}
			if !utf8.Valid(b) {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "%s is not UTF-8 text; use filebase64", args[0].AsString())
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

func (f fileFuncs) existsFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			info, err := f.stat(args[0].AsString())
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return cty.False, nil
			case err != nil:
				return cty.UnknownVal(cty.Bool), function.NewArgErrorf(0, "cannot check %s: %s", args[0].AsString(), err)
			}
			return cty.BoolVal(info.Mode().IsRegular()), nil
		},
	})
}

func (f fileFuncs) abspathFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(f.root, p)
			}
			abs, err := filepath.Abs(p)
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgError(0, err)
			}
			return cty.StringVal(filepath.ToSlash(abs)), nil
		},
	})
}

// templateFunc renders a template file with the given variables; the
// template may call the same functions except templatefile itself.
func (f fileFuncs) templateFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			src, err := f.readFile(args[0].AsString())
			if err != nil {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "cannot read %s: %s", args[0].AsString(), err)
			}
			vars := args[1]
			if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(1, "template variables must be an object or a map")
			}
			tmpl, diags := hclsyntax.ParseTemplate(src, args[0].AsString(), hcl.InitialPos)
			if diags.HasErrors() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "%s", diags.Error())
			}
			funcs := Functions(dir)
			delete(funcs, "templatefile")
			ctx := &hcl.EvalContext{Variables: vars.AsValueMap(), Functions: funcs}
			v, diags := tmpl.Value(ctx)
			if diags.HasErrors() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "%s", diags.Error())
			}
			if !v.IsWhollyKnown() {
				return cty.UnknownVal(cty.String), nil
			}
			// A template of one interpolation yields that value as it is.
			s, err := convert.Convert(v, cty.String)
			if err != nil || s.IsNull() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0, "the template %s produced %s, not a string", args[0].AsString(), v.Type().FriendlyName())
			}
			return s, nil
		},
	})
}
