package install

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	version "github.com/hashicorp/go-version"
)

// BinaryPrefix starts the file name of every provider binary.
const BinaryPrefix = "tack-provider-"

// ProjectDir is where a project keeps its providers, relative to its
// root directory.
const ProjectDir = ".tack/providers"

// Kind says which kind of place a provider binary was found in.
type Kind int

const (
	// DevOverride is a directory named in the CLI configuration's
	// dev_overrides, used without version or checksum checks.
	DevOverride Kind = iota + 1
	// Project is the project's .tack/providers.
	Project
	// UserDir is the user plugin directory.
	UserDir
	// PluginDir is a directory named with -plugin-dir.
	PluginDir
	// BesideTack is the tack binary's directory, where the providers
	// shipped with tack are installed.
	BesideTack
)

func (k Kind) String() string {
	switch k {
	case DevOverride:
		return "development override"
	case Project:
		return "project directory"
	case UserDir:
		return "user plugin directory"
	case PluginDir:
		return "plugin directory"
	case BesideTack:
		return "tack's directory"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Place is one directory looked in for one provider.
type Place struct {
	Kind Kind
	// Dir is the directory searched: <root>/<source> for the versioned
	// layout, or a directory that holds tack-provider-<type> itself (a
	// development override, tack's directory, or a plugin directory's
	// shipped providers).
	Dir string
	// Flat is true when Dir holds the binary itself rather than one
	// directory per version.
	Flat bool
}

func (p Place) String() string {
	switch {
	case p.Kind == Project:
		return p.Dir
	case p.Kind == BesideTack:
		return "beside tack in " + p.Dir
	case p.Kind == PluginDir && p.Flat:
		return "plugin directory " + p.Dir + " (providers shipped with tack)"
	}
	return p.Kind.String() + " " + p.Dir
}

// Searched is a place looked in and the versions found there.
type Searched struct {
	Place
	// Versions are the versions found for this platform, ascending.
	Versions []string
}

func (s Searched) String() string {
	if len(s.Versions) == 0 {
		return s.Place.String() + " (nothing)"
	}
	return s.Place.String() + " (found " + strings.Join(s.Versions, ", ") + ")"
}

// candidate is one binary of one version.
type candidate struct {
	version *version.Version
	path    string
	place   Place
}

// candidates lists every binary of source in the search path, in search
// order (development overrides excepted), and what each place held.
func candidates(source string, opts Opts) ([]candidate, []Searched, error) {
	var (
		out      []candidate
		searched []Searched
	)
	layout := func(kind Kind, root string) error {
		found, s, err := versionedDir(source, kind, root, opts)
		out = append(out, found...)
		searched = append(searched, s)
		return err
	}
	flat := func(kind Kind, dir string) {
		s := Searched{Place: Place{Kind: kind, Dir: dir, Flat: true}}
		v, err := version.NewSemver(opts.TackVersion)
		if err == nil && executable(filepath.Join(dir, binaryName(source, opts))) {
			out = append(out, candidate{version: v, path: filepath.Join(dir, binaryName(source, opts)), place: s.Place})
			s.Versions = []string{v.String()}
		}
		searched = append(searched, s)
	}

	if err := layout(Project, filepath.Join(opts.Dir, filepath.FromSlash(ProjectDir))); err != nil {
		return nil, nil, err
	}
	if opts.UserDir != "" {
		if err := layout(UserDir, opts.UserDir); err != nil {
			return nil, nil, err
		}
	}
	for _, dir := range opts.PluginDirs {
		if err := layout(PluginDir, dir); err != nil {
			return nil, nil, err
		}
		if shipped(source) {
			flat(PluginDir, dir)
		}
	}
	if shipped(source) && opts.TackDir != "" {
		flat(BesideTack, opts.TackDir)
	}
	return out, searched, nil
}

// versionedDir lists the versions of source under root, laid out as
// <root>/<source>/<version>/<os>_<arch>/tack-provider-<type>. A root that
// does not exist holds nothing; nor does a file where a directory of that
// path would be (bin/tack, in a plugin directory that also holds the tack
// binary, is not the tack/ namespace).
func versionedDir(source string, kind Kind, root string, opts Opts) ([]candidate, Searched, error) {
	dir := filepath.Join(root, filepath.FromSlash(source))
	s := Searched{Place: Place{Kind: kind, Dir: dir}}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, s, nil
	}
	if err != nil {
		return nil, s, fmt.Errorf("looking for provider %s in %s: %w", source, dir, err)
	}
	var out []candidate
	for _, e := range entries {
		v, err := version.NewSemver(e.Name())
		if err != nil {
			continue // not a version directory
		}
		path := filepath.Join(dir, e.Name(), opts.platform(), binaryName(source, opts))
		if !executable(path) {
			continue
		}
		out = append(out, candidate{version: v, path: path, place: s.Place})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].version.LessThan(out[j].version) })
	for _, c := range out {
		s.Versions = append(s.Versions, c.version.String())
	}
	return out, s, nil
}

// newest is the newest candidate n allows; among candidates of one
// version, the first in search order. False when none is allowed.
func newest(cands []candidate, n need) (candidate, bool) {
	var best candidate
	found := false
	for _, c := range cands {
		if !n.allows(c.version) {
			continue
		}
		if !found || c.version.GreaterThan(best.version) {
			best, found = c, true
		}
	}
	return best, found
}

// at is the first candidate of version v in search order.
func at(cands []candidate, v *version.Version) (candidate, bool) {
	i := slices.IndexFunc(cands, func(c candidate) bool { return c.version.Equal(v) })
	if i < 0 {
		return candidate{}, false
	}
	return cands[i], true
}

func binaryName(source string, opts Opts) string {
	name := BinaryPrefix + sourceType(source)
	if opts.goos() == "windows" {
		name += ".exe"
	}
	return name
}

// executable reports whether path is a file tack could run. A link
// counts by what it points at.
func executable(path string) bool {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	return filepath.Ext(path) == ".exe" || info.Mode()&0o111 != 0
}

// HashFile is the SHA-256 of the file at path.
func HashFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hashing %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("hashing %s: %w", path, err)
	}
	return h.Sum(nil), nil
}

// Provider is one provider binary found by [Shipped].
type Provider struct {
	// Source is the provider's source address, "tack/local".
	Source string
	// Name is its type, "local".
	Name string
	// Path is the binary.
	Path string
}

// Shipped lists the tack-provider-<name> executables in dirs, in order of
// name; when two directories hold the same name, the earlier directory
// wins. A directory that does not exist is skipped. It serves commands
// that show what tack ships before any configuration exists; a
// configuration's providers come from [Resolve] and [Locate].
func Shipped(dirs ...string) ([]Provider, error) {
	seen := map[string]bool{}
	var out []Provider
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("looking for providers in %s: %w", dir, err)
		}
		for _, e := range entries {
			name, ok := strings.CutPrefix(e.Name(), BinaryPrefix)
			if !ok || name == "" || seen[name] {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if !executable(path) {
				continue
			}
			seen[name] = true
			out = append(out, Provider{Source: "tack/" + name, Name: name, Path: path})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
