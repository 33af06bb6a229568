package local

import (
	"context"
	"os"
	"path/filepath"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// Provider returns a new description of the local provider, ready for
// [sdk.Serve]. Each call returns a distinct provider with its own
// configuration, so tests may run several at once.
func Provider() *sdk.Provider {
	return &sdk.Provider{
		Name:    "local",
		Version: "0.1.0",
		Schema: sdk.Block{
			Description: "The local provider manages objects on the machine it runs on.",
			Attributes: map[string]*sdk.Attribute{
				"directory": {
					Type:        cty.String,
					Optional:    true,
					Description: "Base directory that relative paths resolve against. Defaults to the working directory of the provider process; a relative directory resolves against that too.",
					Validators:  []sdk.Validator{notEmpty},
				},
			},
		},
		Configure: configure,
		Resources: map[string]*sdk.Resource{
			"local_file": fileResource(),
		},
		DataSources: map[string]*sdk.DataSource{
			"local_file": fileDataSource(),
		},
	}
}

// config is the provider's meta: what every resource and data source
// function receives once the provider block is configured. It is never
// modified after configure, so concurrent calls may share it.
type config struct {
	// directory is absolute.
	directory string
}

func configure(_ context.Context, d *sdk.Data) (any, sdk.Diagnostics) {
	dir := d.String("directory")
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("directory"), "Cannot resolve directory",
			"The directory %q cannot be made absolute: %s. Set directory to an absolute path.", dir, err)}
	}
	return &config{directory: abs}, nil
}

// resolve returns the file a user's path names: absolute paths as they
// are, relative ones under the configured directory (or the process's
// working directory, should the core not have configured the provider).
func resolve(meta any, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	if c, ok := meta.(*config); ok && c != nil {
		return filepath.Join(c.directory, path)
	}
	if wd, err := os.Getwd(); err == nil {
		return filepath.Join(wd, path)
	}
	return filepath.Clean(path)
}

// notEmpty rejects "", which would otherwise silently mean "the default".
func notEmpty(path cty.Path, v cty.Value) sdk.Diagnostics {
	if v.AsString() == "" {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Empty value",
			"%s must not be empty; leave it out to use the default.", sdk.FormatPath(path))}
	}
	return nil
}
