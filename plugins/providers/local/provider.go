package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/providers/local/internal/platform"
	"github.com/tackhq/tack/plugins/sdk"
)

// Provider returns a new description of the local provider, ready for
// [sdk.Serve], with the default [Options]. Each call returns a distinct
// provider with its own configuration, so tests may run several at once.
func Provider() *sdk.Provider { return New(Options{}) }

// Options change how the provider reaches its platform.
type Options struct {
	// SupervisorCommand returns the argv that starts the platform's
	// supervisor for a platform directory. Nil means this executable,
	// run as `EXE supervise DIR`, which cmd/tack-provider-local answers
	// by calling [Supervise]. A test binary must set it (and answer it,
	// from TestMain): run with arguments it does not know, a test binary
	// would run its tests again.
	SupervisorCommand func(dir string) []string
}

// New returns the local provider with opts; see [Provider].
func New(opts Options) *sdk.Provider {
	return &sdk.Provider{
		Name:    "local",
		Version: "0.1.0",
		Schema: sdk.Block{
			Description: "The local provider manages objects on the machine it runs on, and hosts clusters as local processes behind local load balancers.",
			Attributes: map[string]*sdk.Attribute{
				"directory": {
					Type:        cty.String,
					Optional:    true,
					Description: "Base directory that relative paths resolve against. Defaults to the working directory of the provider process; a relative directory resolves against that too.",
					Validators:  []sdk.Validator{notEmpty},
				},
				"platform_directory": {
					Type:        cty.String,
					Optional:    true,
					Description: "Where the local platform keeps its state, logs and supervisor socket. Defaults to .tack/local under directory; a relative path resolves against directory.",
					Validators:  []sdk.Validator{notEmpty},
				},
			},
		},
		Configure: func(ctx context.Context, d *sdk.Data) (any, sdk.Diagnostics) {
			return configure(ctx, d, opts)
		},
		Resources: map[string]*sdk.Resource{
			"local_file":          fileResource(),
			"local_load_balancer": loadBalancerResource(),
		},
		DataSources: map[string]*sdk.DataSource{
			"local_file": fileDataSource(),
		},
		ServerGroups:      func(meta any) sdk.ServerGroups { return &serverGroups{meta: meta} },
		ServerGroupSchema: serverGroupSchema(),
		Metrics:           func(meta any) sdk.Metrics { return &serverGroups{meta: meta} },
	}
}

// config is the provider's meta: what every resource and data source
// function receives once the provider block is configured. It is never
// modified after configure, so concurrent calls may share it.
type config struct {
	// directory is absolute.
	directory string
	// platform reaches the local platform; nil with platformErr saying
	// why it cannot be reached (a directory too deep for a socket), which
	// only matters to clusters and load balancers.
	platform    *platform.Client
	platformErr error
}

func configure(_ context.Context, d *sdk.Data, opts Options) (any, sdk.Diagnostics) {
	dir := d.String("directory")
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("directory"), "Cannot resolve directory",
			"The directory %q cannot be made absolute: %s. Set directory to an absolute path.", dir, err)}
	}
	c := &config{directory: abs}
	pdir := filepath.Join(abs, ".tack", "local")
	if d.IsSet("platform_directory") {
		pdir = resolve(c, d.String("platform_directory"))
	}
	command := opts.SupervisorCommand
	if command == nil {
		command, c.platformErr = selfSupervisor()
	}
	if c.platformErr == nil {
		c.platform, c.platformErr = platform.NewClient(pdir, command(pdir))
	}
	return c, nil
}

// selfSupervisor is the default supervisor command: this executable, run
// as `EXE supervise DIR`.
func selfSupervisor() (func(string) []string, error) {
	if testing.Testing() {
		return nil, errors.New("the provider runs in a test binary, which cannot serve as the supervisor unless the test sets Options.SupervisorCommand")
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the provider's executable to run the supervisor with: %w", err)
	}
	return func(dir string) []string { return []string{exe, "supervise", dir} }, nil
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
