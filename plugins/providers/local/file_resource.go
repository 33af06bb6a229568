package local

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// fileResource is local_file: one file whose bytes and permission tack
// owns. The path identifies it (it is also the id and the import id), so
// a new path is a new file and replaces the resource.
func fileResource() *sdk.Resource {
	return &sdk.Resource{
		Schema: sdk.Block{
			Description: "A file on the machine the provider runs on. tack writes it atomically and notices when it is edited, re-permissioned or removed outside tack.",
			Attributes: map[string]*sdk.Attribute{
				"path": {
					Type:          cty.String,
					Required:      true,
					Description:   "Where the file lives; a relative path resolves against the provider's directory. Changing it replaces the file.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()},
					Validators:    []sdk.Validator{notEmpty},
				},
				"content": {
					Type:          cty.String,
					Optional:      true,
					Description:   "The file's text, written as UTF-8. Exactly one of content and content_base64 must be set.",
					ConflictsWith: []string{"content_base64"},
				},
				"content_base64": {
					Type:          cty.String,
					Optional:      true,
					Description:   "The file's bytes in standard base64, for content that is not text. Exactly one of content and content_base64 must be set.",
					ConflictsWith: []string{"content"},
					Validators:    []sdk.Validator{validateBase64},
				},
				"file_permission": {
					Type:        cty.String,
					Optional:    true,
					Computed:    true,
					Default:     cty.StringVal("0644"),
					Description: "The file's permission bits in octal, such as \"0644\" or \"0600\". Changing it changes the file in place.",
					Validators:  []sdk.Validator{validateMode},
				},
				"sha256": {
					Type:        cty.String,
					Computed:    true,
					Description: "The lower-case hex SHA-256 of the file's bytes, as `sha256sum` prints it.",
				},
				"id": {
					Type:          cty.String,
					Computed:      true,
					Description:   "The path, as given.",
					PlanModifiers: []sdk.PlanModifier{sdk.UseStateForUnknown()},
				},
			},
		},
		Validate:   validateFile,
		ModifyPlan: planFile,
		Create:     createFile,
		Read:       readFile,
		Update:     updateFile,
		Delete:     deleteFile,
		Import:     importFile,
	}
}

var (
	contentAttr    = cty.GetAttrPath("content")
	base64Attr     = cty.GetAttrPath("content_base64")
	permissionAttr = cty.GetAttrPath("file_permission")
)

func validateBase64(path cty.Path, v cty.Value) sdk.Diagnostics {
	if _, err := base64.StdEncoding.DecodeString(v.AsString()); err != nil {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid base64",
			"content_base64 must be standard base64 (as base64encode or `base64` produce): %s.", err)}
	}
	return nil
}

// validateFile requires one of content and content_base64; the schema's
// ConflictsWith already rejects both. An unknown value counts as set: it
// will be known by apply.
func validateFile(_ context.Context, d *sdk.Data) sdk.Diagnostics {
	if d.Get("content").IsNull() && d.Get("content_base64").IsNull() {
		return sdk.Diagnostics{sdk.AttributeErrorf(contentAttr, "Missing file content",
			"A local_file needs its content: set content to the file's text, or content_base64 to its bytes in base64.")}
	}
	return nil
}

// planFile predicts what the SDK cannot: the sha256 of content known at
// plan time, so that a reviewer sees the exact bytes that will land, and
// the id, which is the path. The id is set from the path even where
// UseStateForUnknown would keep the recorded one, because a new path
// replaces the file and the replacement's id is the new path.
func planFile(_ context.Context, _ any, p *sdk.Plan) sdk.Diagnostics {
	d := p.Planned
	if d.IsKnown("content") && d.IsKnown("content_base64") {
		data, diags := wantedContent(d)
		if diags.HasErrors() {
			return diags
		}
		d.Set("sha256", sha256Hex(data))
	}
	if d.IsSet("path") {
		d.Set("id", d.String("path"))
	}
	return nil
}

// wantedContent is the bytes the configuration asks for. Both attributes
// must be known.
func wantedContent(d *sdk.Data) ([]byte, sdk.Diagnostics) {
	switch {
	case d.IsSet("content"):
		return []byte(d.String("content")), nil
	case d.IsSet("content_base64"):
		data, err := base64.StdEncoding.DecodeString(d.String("content_base64"))
		if err != nil {
			return nil, sdk.Diagnostics{sdk.AttributeErrorf(base64Attr, "Invalid base64",
				"content_base64 must be standard base64 (as base64encode or `base64` produce): %s.", err)}
		}
		return data, nil
	}
	return nil, sdk.Diagnostics{sdk.AttributeErrorf(contentAttr, "Missing file content",
		"A local_file needs its content: set content to the file's text, or content_base64 to its bytes in base64.")}
}

func wantedMode(d *sdk.Data) (fs.FileMode, sdk.Diagnostics) {
	s := d.String("file_permission")
	m, ok := parseMode(s)
	if !ok {
		return 0, validateMode(permissionAttr, cty.StringVal(s))
	}
	return m, nil
}

func createFile(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	return writeFile(meta, d, true)
}

// writeFile writes the planned content and mode, and records the results;
// fresh says the file is not expected to exist yet.
func writeFile(meta any, d *sdk.Data, fresh bool) sdk.Diagnostics {
	data, diags := wantedContent(d)
	mode, mdiags := wantedMode(d)
	if diags = append(diags, mdiags...); diags.HasErrors() {
		return diags
	}
	path := d.String("path")
	name := resolve(meta, path)
	if err := writeFileAtomic(name, data, mode, fresh); err != nil {
		return sdk.Diagnostics{sdk.AttributeErrorf(pathAttr, "Cannot write file",
			"tack could not write %s: %s. Check that its directory can be created and written to.", name, err)}
	}
	d.Set("sha256", sha256Hex(data))
	d.Set("id", path)
	return nil
}

// updateFile rewrites the file when its bytes must change (the
// configuration changed, or the file on disk no longer has the recorded
// hash) and otherwise only changes its permission.
func updateFile(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	if d.HasChange("content") || d.HasChange("content_base64") || d.HasChange("sha256") {
		return writeFile(meta, d, false)
	}
	path := d.String("path")
	name := resolve(meta, path)
	if d.HasChange("file_permission") {
		mode, diags := wantedMode(d)
		if diags.HasErrors() {
			return diags
		}
		if err := os.Chmod(name, mode); err != nil {
			return sdk.Diagnostics{sdk.AttributeErrorf(permissionAttr, "Cannot change file permission",
				"tack could not change the permission of %s to %s: %s.", name, d.String("file_permission"), errText(err))}
		}
	}
	d.Set("id", path)
	return nil
}

// readFile refreshes the state from the disk. The content lands in
// whichever of content and content_base64 the state uses; a state with
// neither is a fresh import, which gets content when the file is text that
// survives as a string and content_base64 otherwise.
func readFile(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	path := d.String("path")
	name := resolve(meta, path)
	data, perm, err := readRegular(name)
	if errors.Is(err, fs.ErrNotExist) {
		d.SetGone()
		return nil
	}
	if err != nil {
		return sdk.Diagnostics{sdk.AttributeErrorf(pathAttr, "Cannot read file", "tack could not read %s: %s.", name, errText(err))}
	}
	switch {
	case !d.Get("content_base64").IsNull():
		d.Set("content_base64", base64.StdEncoding.EncodeToString(data))
	case !d.Get("content").IsNull() || isText(data):
		d.Set("content", string(data))
	default:
		d.Set("content_base64", base64.StdEncoding.EncodeToString(data))
	}
	d.Set("sha256", sha256Hex(data))
	// Keep the recorded spelling ("600" or "0600") while it means the
	// mode on disk, so that reading an unchanged file changes nothing.
	if m, ok := parseMode(d.String("file_permission")); !ok || m != perm {
		d.Set("file_permission", formatMode(perm))
	}
	if d.Get("id").IsNull() {
		d.Set("id", path)
	}
	return nil
}

func deleteFile(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	name := resolve(meta, d.String("path"))
	info, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil && info.IsDir() {
		return sdk.Diagnostics{sdk.AttributeErrorf(pathAttr, "Cannot delete file",
			"%s is now a directory, not the file tack wrote, so tack leaves it alone. Remove it by hand, or remove the resource from the state.", name)}
	}
	if err == nil {
		err = os.Remove(name)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return sdk.Diagnostics{sdk.AttributeErrorf(pathAttr, "Cannot delete file", "tack could not remove %s: %s.", name, errText(err))}
	}
	return nil
}

// importFile takes the user's id as the path and checks that a file is
// there, so that a typo is reported as such rather than as an object that
// vanished; Read fills in the rest.
func importFile(ctx context.Context, meta any, id string, d *sdk.Data) sdk.Diagnostics {
	if id == "" {
		return sdk.Diagnostics{sdk.Errorf("Missing path", "Import a local_file by its path, such as \"config/app.conf\".")}
	}
	name := resolve(meta, id)
	info, err := os.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return sdk.Diagnostics{sdk.Errorf("File not found", "There is no file at %s to import. Check the path; a relative one resolves against the provider's directory.", name)}
	case err != nil:
		return sdk.Diagnostics{sdk.Errorf("Cannot import file", "tack could not inspect %s: %s.", name, errText(err))}
	case !info.Mode().IsRegular():
		return sdk.Diagnostics{sdk.Errorf("Cannot import file", "%s is not a regular file; local_file manages regular files only.", name)}
	}
	return sdk.ImportAs("path")(ctx, meta, id, d)
}

// isText reports whether data round-trips through a string attribute
// unchanged: valid UTF-8 that cty's normalisation leaves alone.
func isText(data []byte) bool {
	s := string(data)
	return utf8.ValidString(s) && cty.StringVal(s).AsString() == s
}

// errText is err without the path an *fs.PathError repeats, since the
// diagnostics name the file already.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
