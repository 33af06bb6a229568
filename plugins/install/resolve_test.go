package install

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The platform every test resolves for, whatever it runs on.
const (
	testOS   = "linux"
	testArch = "amd64"
	platform = testOS + "_" + testArch
)

// tree is a directory of fake provider binaries: path (slash-separated,
// relative to the tree's root) → the binary's text. Install never runs
// them, so a shell script does.
type tree map[string]string

// write creates the tree under a new temporary directory and returns it.
func (tr tree) write(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for path, text := range tr {
		full := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("#!/bin/sh\n"+text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// sum is the checksum of a fake binary with the given text.
func sum(text string) []byte {
	s := sha256.Sum256([]byte("#!/bin/sh\n" + text))
	return s[:]
}

// testOpts looks in root/project/.tack/providers, root/user,
// root/plugins and root/bin (tack's directory, version 0.1.0), with
// dev_overrides given relative to root.
func testOpts(root string, overrides map[string]string) Opts {
	o := Opts{
		Dir:         filepath.Join(root, "project"),
		UserDir:     filepath.Join(root, "user"),
		PluginDirs:  []string{filepath.Join(root, "plugins")},
		TackDir:     filepath.Join(root, "bin"),
		TackVersion: "0.1.0",
		GOOS:        testOS,
		GOARCH:      testArch,
	}
	if overrides != nil {
		o.DevOverrides = map[string]string{}
		for source, dir := range overrides {
			o.DevOverrides[source] = filepath.Join(root, dir)
		}
	}
	return o
}

// sel is a Selected with the path relative to the tree's root, so that
// tables can be written before the tree exists.
type sel struct {
	Source, Version, Constraints, Path, Text string
	Kind                                     Kind
}

func (s sel) resolve(root string) Selected {
	out := Selected{Source: s.Source, Version: s.Version, Constraints: s.Constraints, Path: filepath.Join(root, filepath.FromSlash(s.Path))}
	out.From = Place{Kind: s.Kind, Dir: filepath.Dir(out.Path)}
	switch s.Kind {
	case Project, UserDir:
		out.From.Dir = filepath.Dir(filepath.Dir(filepath.Dir(out.Path)))
	case PluginDir:
		if strings.Count(s.Path, "/") > 1 {
			out.From.Dir = filepath.Dir(filepath.Dir(filepath.Dir(out.Path)))
		} else {
			out.From.Flat = true
		}
	default:
		out.From.Flat = true
	}
	if s.Kind != DevOverride {
		out.SHA256 = sum(s.Text)
	}
	return out
}

func TestResolve(t *testing.T) {
	t.Parallel()
	local := Requirement{Name: "local", Source: "tack/local", Constraint: "~> 0.1"}
	hello := Requirement{Name: "hello", Source: "vendor/hello"}
	helloPath := func(root, v string) string {
		return root + "/vendor/hello/" + v + "/" + platform + "/tack-provider-hello"
	}
	tests := []struct {
		name      string
		files     tree
		overrides map[string]string
		reqs      []Requirement
		prior     *Locks
		want      []sel
		wantLocks map[string]*LockedProvider
		wantErr   string // a part of the error's message, when Resolve fails
		// tackVersion replaces tack's version, 0.1.0.
		tackVersion string
	}{
		{
			name:  "shipped beside tack",
			files: tree{"bin/tack-provider-local": "local"},
			reqs:  []Requirement{local},
			want:  []sel{{Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Path: "bin/tack-provider-local", Text: "local", Kind: BesideTack}},
			wantLocks: map[string]*LockedProvider{
				"tack/local": {Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Hashes: []string{HashString(sum("local"))}},
			},
		},
		{
			name:  "a plugin directory comes before tack's",
			files: tree{"bin/tack-provider-local": "local", "plugins/tack-provider-local": "plugins"},
			reqs:  []Requirement{local},
			want:  []sel{{Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Path: "plugins/tack-provider-local", Text: "plugins", Kind: PluginDir}},
			wantLocks: map[string]*LockedProvider{
				"tack/local": {Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Hashes: []string{HashString(sum("plugins"))}},
			},
		},
		{
			name: "newest version across places",
			files: tree{
				helloPath("project/.tack/providers", "1.0.0"): "1.0.0",
				helloPath("user", "1.3.0"):                    "1.3.0",
				helloPath("plugins", "1.2.0"):                 "1.2.0",
				helloPath("plugins", "2.0.0-beta"):            "beta",
				"bin/tack-provider-hello":                     "not vendor/hello",
			},
			reqs: []Requirement{hello},
			want: []sel{{Source: "vendor/hello", Version: "1.3.0", Path: helloPath("user", "1.3.0"), Text: "1.3.0", Kind: UserDir}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.3.0", Hashes: []string{HashString(sum("1.3.0"))}},
			},
		},
		{
			name: "a pre-release only when a constraint names it",
			files: tree{
				helloPath("user", "1.3.0"):      "1.3.0",
				helloPath("user", "2.0.0-beta"): "beta",
			},
			reqs: []Requirement{{Name: "hello", Source: "vendor/hello", Constraint: "2.0.0-beta"}},
			want: []sel{{Source: "vendor/hello", Version: "2.0.0-beta", Constraints: "2.0.0-beta", Path: helloPath("user", "2.0.0-beta"), Text: "beta", Kind: UserDir}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "2.0.0-beta", Constraints: "2.0.0-beta", Hashes: []string{HashString(sum("beta"))}},
			},
		},
		{
			name:        "a development build of tack ships pre-releases",
			files:       tree{"bin/tack-provider-local": "local"},
			tackVersion: "0.2.0-dev",
			reqs:        []Requirement{{Name: "local", Source: "tack/local"}},
			want:        []sel{{Source: "tack/local", Version: "0.2.0-dev", Path: "bin/tack-provider-local", Text: "local", Kind: BesideTack}},
			wantLocks: map[string]*LockedProvider{
				"tack/local": {Source: "tack/local", Version: "0.2.0-dev", Hashes: []string{HashString(sum("local"))}},
			},
		},
		{
			name: "constraints of every module",
			files: tree{
				helloPath("project/.tack/providers", "1.0.0"): "1.0.0",
				helloPath("project/.tack/providers", "1.2.5"): "1.2.5",
				helloPath("project/.tack/providers", "1.3.0"): "1.3.0",
			},
			reqs: []Requirement{
				{Name: "hello", Source: "vendor/hello", Constraint: ">= 1.1"},
				{Name: "hi", Source: "vendor/hello", Constraint: "< 1.3"},
				{Name: "hello", Source: "vendor/hello", Constraint: ">= 1.1"},
			},
			want: []sel{{Source: "vendor/hello", Version: "1.2.5", Constraints: "< 1.3, >= 1.1", Path: helloPath("project/.tack/providers", "1.2.5"), Text: "1.2.5", Kind: Project}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.2.5", Constraints: "< 1.3, >= 1.1", Hashes: []string{HashString(sum("1.2.5"))}},
			},
		},
		{
			name: "the project wins a tie",
			files: tree{
				helloPath("project/.tack/providers", "1.0.0"): "project",
				helloPath("user", "1.0.0"):                    "user",
			},
			reqs: []Requirement{hello},
			want: []sel{{Source: "vendor/hello", Version: "1.0.0", Path: helloPath("project/.tack/providers", "1.0.0"), Text: "project", Kind: Project}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{HashString(sum("project"))}},
			},
		},
		{
			name: "other platforms, other names and stray files are ignored",
			files: tree{
				"user/vendor/hello/1.5.0/darwin_arm64/tack-provider-hello":      "darwin",
				"user/vendor/hello/1.6.0/" + platform + "/tack-provider-hi":     "misnamed",
				"user/vendor/hello/latest/" + platform + "/tack-provider-hello": "not a version",
				helloPath("user", "1.0.0"):                                      "1.0.0",
			},
			reqs: []Requirement{hello},
			want: []sel{{Source: "vendor/hello", Version: "1.0.0", Path: helloPath("user", "1.0.0"), Text: "1.0.0", Kind: UserDir}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{HashString(sum("1.0.0"))}},
			},
		},
		{
			name:  "a locked version is kept while it meets the constraints",
			files: tree{helloPath("user", "1.0.0"): "1.0.0", helloPath("user", "1.1.0"): "1.1.0"},
			reqs:  []Requirement{hello},
			prior: &Locks{Providers: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{hashA, HashString(sum("1.0.0"))}},
				"vendor/gone":  {Source: "vendor/gone", Version: "1.0.0"},
			}},
			want: []sel{{Source: "vendor/hello", Version: "1.0.0", Path: helloPath("user", "1.0.0"), Text: "1.0.0", Kind: UserDir}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{hashA, HashString(sum("1.0.0"))}},
			},
		},
		{
			name:  "a locked version the constraints no longer allow is replaced",
			files: tree{helloPath("user", "1.0.0"): "1.0.0", helloPath("user", "1.1.0"): "1.1.0"},
			reqs:  []Requirement{{Name: "hello", Source: "vendor/hello", Constraint: ">= 1.1"}},
			prior: &Locks{Providers: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{HashString(sum("1.0.0"))}},
			}},
			want: []sel{{Source: "vendor/hello", Version: "1.1.0", Constraints: ">= 1.1", Path: helloPath("user", "1.1.0"), Text: "1.1.0", Kind: UserDir}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.1.0", Constraints: ">= 1.1", Hashes: []string{HashString(sum("1.1.0"))}},
			},
		},
		{
			name:  "a locked binary that changed is refused",
			files: tree{"plugins/tack-provider-local": "rebuilt"},
			reqs:  []Requirement{local},
			prior: &Locks{Providers: map[string]*LockedProvider{
				"tack/local": {Source: "tack/local", Version: "0.1.0", Hashes: []string{hashA}},
			}},
			wantErr: `does not match the checksum recorded in .tack.lock.hcl (` + hashA + `); if you changed it on purpose, run "tack init -upgrade"`,
		},
		{
			name:  "a locked version no longer installed",
			files: tree{helloPath("user", "1.1.0"): "1.1.0"},
			reqs:  []Requirement{hello},
			prior: &Locks{Providers: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{hashA}},
			}},
			wantErr: `provider vendor/hello 1.0.0, selected in .tack.lock.hcl, is not installed; looked in `,
		},
		{
			name:    "no version meets the constraint",
			files:   tree{"bin/tack-provider-local": "local", helloPath("user", "1.0.0"): "1.0.0"},
			reqs:    []Requirement{{Name: "local", Source: "tack/local", Constraint: ">= 9.0"}, hello},
			wantErr: `no version of provider tack/local meets the constraint ">= 9.0"; looked in {root}/project/.tack/providers/tack/local (nothing), user plugin directory {root}/user/tack/local (nothing), plugin directory {root}/plugins/tack/local (nothing), plugin directory {root}/plugins (providers shipped with tack) (nothing), beside tack in {root}/bin (found 0.1.0)`,
			want:    []sel{{Source: "vendor/hello", Version: "1.0.0", Path: helloPath("user", "1.0.0"), Text: "1.0.0", Kind: UserDir}},
		},
		{
			name:    "an unknown source is not looked for beside tack",
			files:   tree{"bin/tack-provider-nope": "nope"},
			reqs:    []Requirement{{Name: "nope", Source: "vendor/nope"}},
			wantErr: `no version of provider vendor/nope was found; looked in {root}/project/.tack/providers/vendor/nope (nothing), user plugin directory {root}/user/vendor/nope (nothing), plugin directory {root}/plugins/vendor/nope (nothing)`,
		},
		{
			name:      "a development override is used as it is and not locked",
			files:     tree{"dev/tack-provider-hello": "dev", helloPath("user", "1.0.0"): "1.0.0"},
			overrides: map[string]string{"vendor/hello": "dev"},
			reqs:      []Requirement{{Name: "hello", Source: "vendor/hello", Constraint: ">= 5.0"}},
			prior: &Locks{Providers: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{hashA}},
			}},
			want: []sel{{Source: "vendor/hello", Constraints: ">= 5.0", Path: "dev/tack-provider-hello", Kind: DevOverride}},
			wantLocks: map[string]*LockedProvider{
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{hashA}},
			},
		},
		{
			name:      "a development override without a binary",
			files:     tree{"dev/tack-provider-other": "dev"},
			overrides: map[string]string{"vendor/hello": "dev"},
			reqs:      []Requirement{hello},
			wantErr:   `the development override for provider vendor/hello names {root}/dev, which holds no executable tack-provider-hello`,
		},
		{
			name:    "a malformed source",
			reqs:    []Requirement{{Name: "x", Source: "../../etc"}},
			wantErr: `provider x: "../../etc" is not a provider source address`,
		},
		{
			name:    "a malformed constraint",
			reqs:    []Requirement{{Name: "local", Source: "tack/local", Constraint: "about 1"}},
			wantErr: `provider local: "about 1" is not a version constraint`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := tt.files.write(t)
			opts := testOpts(root, tt.overrides)
			if tt.tackVersion != "" {
				opts.TackVersion = tt.tackVersion
			}
			locks, selected, err := Resolve(tt.reqs, tt.prior, opts)
			var want []Selected
			for _, s := range tt.want {
				want = append(want, s.resolve(root))
			}
			if diff := cmp.Diff(want, selected); diff != "" {
				t.Errorf("selected (-want +got):\n%s", diff)
			}
			if tt.wantErr != "" {
				wantErr := strings.ReplaceAll(tt.wantErr, "{root}", root)
				if err == nil || !strings.Contains(err.Error(), wantErr) {
					t.Errorf("error: %v\nwant one containing: %s", err, wantErr)
				}
				if locks != nil {
					t.Errorf("locks %v returned with an error", locks)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&Locks{Providers: tt.wantLocks}, locks); diff != "" {
				t.Errorf("locks (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveErrorTypes(t *testing.T) {
	t.Parallel()
	root := tree{"plugins/tack-provider-local": "rebuilt"}.write(t)
	prior := &Locks{Providers: map[string]*LockedProvider{
		"tack/local":   {Source: "tack/local", Version: "0.1.0", Hashes: []string{hashA}},
		"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{hashA}},
	}}
	reqs := []Requirement{{Name: "local", Source: "tack/local"}, {Name: "hello", Source: "vendor/hello"}, {Name: "x", Source: "vendor/x"}}
	_, _, err := Resolve(reqs, prior, testOpts(root, nil))
	var (
		mismatch *ChecksumMismatchError
		missing  *NotInstalledError
		nomatch  *NoMatchError
	)
	if !errors.As(err, &mismatch) || !errors.As(err, &missing) || !errors.As(err, &nomatch) {
		t.Fatalf("Resolve: %v; want a checksum mismatch, a version not installed and no match", err)
	}
	if want := filepath.Join(root, "plugins", "tack-provider-local"); mismatch.Path != want || mismatch.Got != HashString(sum("rebuilt")) {
		t.Errorf("mismatch = %+v; want the path %s and the binary's checksum", mismatch, want)
	}
	if lines := strings.Count(err.Error(), "\n") + 1; lines != 3 {
		t.Errorf("the error has %d lines, want one for each provider:\n%v", lines, err)
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	files := tree{
		"bin/tack-provider-local": "local",
		"project/.tack/providers/vendor/hello/1.2.0/" + platform + "/tack-provider-hello": "hello",
		"dev/tack-provider-dev": "dev",
	}
	lockLocal := &LockedProvider{Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Hashes: []string{HashString(sum("local"))}}
	lockHello := &LockedProvider{Source: "vendor/hello", Version: "1.2.0", Hashes: []string{HashString(sum("hello"))}}
	locks := &Locks{Providers: map[string]*LockedProvider{"tack/local": lockLocal, "vendor/hello": lockHello}}
	shippedLocal := sel{Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Path: "bin/tack-provider-local", Text: "local", Kind: BesideTack}
	projectHello := sel{Source: "vendor/hello", Version: "1.2.0", Path: "project/.tack/providers/vendor/hello/1.2.0/" + platform + "/tack-provider-hello", Text: "hello", Kind: Project}
	tests := []struct {
		name    string
		reqs    []Requirement
		locks   *Locks
		want    []sel
		wantErr []string // parts of the error, one for each provider that fails
	}{
		{
			name:  "every locked provider",
			locks: locks,
			want:  []sel{{Source: "tack/local", Version: "0.1.0", Path: "bin/tack-provider-local", Text: "local", Kind: BesideTack}, projectHello},
		},
		{
			name:  "the required ones",
			reqs:  []Requirement{{Name: "local", Source: "tack/local", Constraint: "~> 0.1"}},
			locks: locks,
			want:  []sel{shippedLocal},
		},
		{
			name:  "a development override needs no lock",
			reqs:  []Requirement{{Name: "dev", Source: "vendor/dev", Constraint: "9.9.9"}},
			want:  []sel{{Source: "vendor/dev", Constraints: "9.9.9", Path: "dev/tack-provider-dev", Kind: DevOverride}},
			locks: nil,
		},
		{
			name:    "not locked",
			reqs:    []Requirement{{Name: "local", Source: "tack/local", Constraint: "~> 0.1"}, {Name: "x", Source: "vendor/x"}},
			locks:   &Locks{Providers: map[string]*LockedProvider{"tack/local": lockLocal}},
			want:    []sel{shippedLocal},
			wantErr: []string{`provider vendor/x is required by the configuration but not recorded in .tack.lock.hcl; run "tack init" to select it`},
		},
		{
			name:    "the lock is older than the constraints",
			reqs:    []Requirement{{Name: "hello", Source: "vendor/hello", Constraint: ">= 2.0"}},
			locks:   locks,
			wantErr: []string{`provider vendor/hello is locked at 1.2.0 in .tack.lock.hcl, which does not meet the configuration's constraint ">= 2.0"; run "tack init" to select another version`},
		},
		{
			name: "a changed binary and a missing one",
			locks: &Locks{Providers: map[string]*LockedProvider{
				"tack/local":   {Source: "tack/local", Version: "0.1.0", Hashes: []string{hashA}},
				"vendor/hello": {Source: "vendor/hello", Version: "1.0.0", Hashes: []string{hashB}},
			}},
			wantErr: []string{
				`the provider tack/local at {root}/bin/tack-provider-local (it has ` + HashString(sum("local")) + `) does not match the checksum recorded in .tack.lock.hcl (` + hashA + `); if you changed it on purpose, run "tack init -upgrade" to record the new one`,
				`provider vendor/hello 1.0.0, selected in .tack.lock.hcl, is not installed; looked in {root}/project/.tack/providers/vendor/hello (found 1.2.0), user plugin directory {root}/user/vendor/hello (nothing), plugin directory {root}/plugins/vendor/hello (nothing). Install that version, or run "tack init -upgrade" to select another`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := files.write(t)
			selected, err := Locate(tt.reqs, tt.locks, testOpts(root, map[string]string{"vendor/dev": "dev"}))
			var want []Selected
			for _, s := range tt.want {
				want = append(want, s.resolve(root))
			}
			if diff := cmp.Diff(want, selected); diff != "" {
				t.Errorf("selected (-want +got):\n%s", diff)
			}
			var got []string
			if err != nil {
				got = strings.Split(strings.ReplaceAll(err.Error(), root, "{root}"), "\n")
			}
			if diff := cmp.Diff(tt.wantErr, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
