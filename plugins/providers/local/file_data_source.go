package local

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// fileDataSource is the local_file data source: a file tack reads but does
// not own, such as a certificate or a template another tool wrote.
func fileDataSource() *sdk.DataSource {
	return &sdk.DataSource{
		Schema: sdk.Block{
			Description: "Reads a file on the machine the provider runs on.",
			Attributes: map[string]*sdk.Attribute{
				"path": {
					Type:        cty.String,
					Required:    true,
					Description: "The file to read; a relative path resolves against the provider's directory.",
					Validators:  []sdk.Validator{notEmpty},
				},
				"content": {
					Type:        cty.String,
					Computed:    true,
					Description: "The file's bytes as a string. Use content_base64 for a file that is not UTF-8 text.",
				},
				"content_base64": {
					Type:        cty.String,
					Computed:    true,
					Description: "The file's bytes in standard base64, exact for any file.",
				},
				"sha256": {
					Type:        cty.String,
					Computed:    true,
					Description: "The lower-case hex SHA-256 of the file's bytes.",
				},
			},
		},
		Read: readFileData,
	}
}

func readFileData(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	name := resolve(meta, d.String("path"))
	data, _, err := readRegular(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return sdk.Diagnostics{sdk.AttributeErrorf(pathAttr, "File not found",
			"There is no file at %s. Check the path; a relative one resolves against the provider's directory.", name)}
	case err != nil:
		return sdk.Diagnostics{sdk.AttributeErrorf(pathAttr, "Cannot read file", "tack could not read %s: %s.", name, errText(err))}
	}
	d.Set("content", string(data))
	d.Set("content_base64", base64.StdEncoding.EncodeToString(data))
	d.Set("sha256", sha256Hex(data))
	return nil
}
