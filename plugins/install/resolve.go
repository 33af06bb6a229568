package install

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	version "github.com/hashicorp/go-version"
)

// Opts says where to look for providers. The zero value looks only in
// the current directory's .tack/providers.
type Opts struct {
	// Dir is the project's root directory, which holds .tack/providers
	// and the lock file.
	Dir string
	// UserDir is the user plugin directory ($TACK_PLUGIN_DIR, else
	// ~/.tack.d/plugins); empty for none.
	UserDir string
	// PluginDirs are the directories named with -plugin-dir, in order.
	PluginDirs []string
	// TackDir is the directory of the tack binary, where the providers
	// shipped with tack are installed; empty for none.
	TackDir string
	// TackVersion is tack's version, which is the version of every
	// provider shipped with it.
	TackVersion string
	// DevOverrides map a source address to a directory that holds its
	// binary, from the CLI configuration's dev_overrides.
	DevOverrides map[string]string
	// GOOS and GOARCH are the platform whose binaries to use; empty for
	// the running one.
	GOOS, GOARCH string
}

func (o Opts) goos() string {
	if o.GOOS != "" {
		return o.GOOS
	}
	return runtime.GOOS
}

func (o Opts) platform() string {
	arch := o.GOARCH
	if arch == "" {
		arch = runtime.GOARCH
	}
	return o.goos() + "_" + arch
}

// Selected is a provider binary chosen for a source.
type Selected struct {
	Source string
	// Version is the binary's version; empty for a development override,
	// whose version is not known.
	Version string
	// Constraints are the merged constraints it was chosen for; empty
	// for none.
	Constraints string
	// Path is the binary.
	Path string
	// SHA256 is the binary's checksum, which the lock file accepts; pass
	// it to the plugin client so that it checks again at launch. Nil for
	// a development override.
	SHA256 []byte
	// From is where the binary was found: From.Kind == DevOverride marks
	// a development override.
	From Place
}

// Resolve chooses a binary for every source the requirements name and
// returns the lock file to write with them, sorted by source.
//
// With prior locks (nil to choose afresh, as "tack init -upgrade" does),
// a locked version that still meets the constraints is kept, and its
// binary must have a checksum the lock accepts; the checksums recorded
// stay. Otherwise the newest version that meets the constraints is
// chosen and its checksum recorded. A development override is used as
// it is and not recorded; the lock keeps what it held for that source.
// Sources no requirement names are dropped from the lock.
//
// Every source that cannot be resolved is an error, joined in order of
// source, of type [*NoMatchError], [*NotInstalledError],
// [*ChecksumMismatchError] or [*OverrideError]; on error the locks
// are nil and Selected holds what was resolved.
func Resolve(reqs []Requirement, prior *Locks, opts Opts) (*Locks, []Selected, error) {
	needs, err := merge(reqs)
	if err != nil {
		return nil, nil, err
	}
	locks := &Locks{Providers: map[string]*LockedProvider{}}
	var (
		selected []Selected
		errs     []error
	)
	for _, n := range needs {
		if dir, ok := opts.DevOverrides[n.source]; ok {
			s, err := override(n, dir, opts)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			selected = append(selected, s)
			if lp := prior.Provider(n.source); lp != nil {
				locks.Providers[n.source] = lp
			}
			continue
		}
		cands, searched, err := candidates(n.source, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if lp := prior.Provider(n.source); lp != nil {
			if v, err := version.NewSemver(lp.Version); err == nil && n.allows(v) {
				s, err := locked(n, lp, v, cands, searched)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				selected = append(selected, s)
				locks.Providers[n.source] = &LockedProvider{Source: n.source, Version: lp.Version, Constraints: n.constraint, Hashes: lp.Hashes}
				continue
			}
		}
		c, ok := newest(cands, n)
		if !ok {
			errs = append(errs, &NoMatchError{Source: n.source, Constraint: n.constraint, Searched: searched})
			continue
		}
		sum, err := HashFile(c.path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s := Selected{Source: n.source, Version: c.version.String(), Constraints: n.constraint, Path: c.path, SHA256: sum, From: c.place}
		selected = append(selected, s)
		locks.Providers[n.source] = &LockedProvider{Source: n.source, Version: s.Version, Constraints: n.constraint, Hashes: []string{HashString(sum)}}
	}
	if len(errs) > 0 {
		return nil, selected, errors.Join(errs...)
	}
	return locks, selected, nil
}

// Locate finds the binary of every locked provider the requirements name
// (every provider in the lock when reqs is nil), as plan, apply and
// validate need before they launch one, and checks it against the lock.
//
// Every source that cannot be used is an error, joined in order of
// source, of type [*NotLockedError], [*LockOutdatedError],
// [*NotInstalledError], [*ChecksumMismatchError] or [*OverrideError];
// Selected holds the others, sorted by source.
func Locate(reqs []Requirement, locks *Locks, opts Opts) ([]Selected, error) {
	if reqs == nil && locks != nil {
		for _, source := range sortedKeys(locks.Providers) {
			reqs = append(reqs, Requirement{Name: sourceType(source), Source: source})
		}
	}
	needs, err := merge(reqs)
	if err != nil {
		return nil, err
	}
	var (
		selected []Selected
		errs     []error
	)
	for _, n := range needs {
		if dir, ok := opts.DevOverrides[n.source]; ok {
			s, err := override(n, dir, opts)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			selected = append(selected, s)
			continue
		}
		lp := locks.Provider(n.source)
		if lp == nil {
			errs = append(errs, &NotLockedError{Source: n.source})
			continue
		}
		v, err := version.NewSemver(lp.Version)
		if err != nil || !n.allows(v) {
			errs = append(errs, &LockOutdatedError{Source: n.source, Version: lp.Version, Constraint: n.constraint})
			continue
		}
		cands, searched, err := candidates(n.source, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, err := locked(n, lp, v, cands, searched)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		selected = append(selected, s)
	}
	return selected, errors.Join(errs...)
}

// locked finds the binary of the locked version v and checks its
// checksum against the lock.
func locked(n need, lp *LockedProvider, v *version.Version, cands []candidate, searched []Searched) (Selected, error) {
	c, ok := at(cands, v)
	if !ok {
		return Selected{}, &NotInstalledError{Source: n.source, Version: lp.Version, Searched: searched}
	}
	sum, err := HashFile(c.path)
	if err != nil {
		return Selected{}, err
	}
	if !lp.Accepts(sum) {
		return Selected{}, &ChecksumMismatchError{Source: n.source, Path: c.path, Got: HashString(sum), Want: lp.Hashes}
	}
	return Selected{Source: n.source, Version: lp.Version, Constraints: n.constraint, Path: c.path, SHA256: sum, From: c.place}, nil
}

func override(n need, dir string, opts Opts) (Selected, error) {
	path := filepath.Join(dir, binaryName(n.source, opts))
	if !executable(path) {
		return Selected{}, &OverrideError{Source: n.source, Dir: dir, Binary: binaryName(n.source, opts)}
	}
	return Selected{Source: n.source, Constraints: n.constraint, Path: path, From: Place{Kind: DevOverride, Dir: dir, Flat: true}}, nil
}

// NoMatchError is a provider no version of which meets the constraints
// in any place searched.
type NoMatchError struct {
	Source     string
	Constraint string // empty for any version
	Searched   []Searched
}

func (e *NoMatchError) Error() string {
	what := "no version of provider " + e.Source + " was found"
	if e.Constraint != "" {
		what = fmt.Sprintf("no version of provider %s meets the constraint %q", e.Source, e.Constraint)
	}
	return fmt.Sprintf("%s; looked in %s", what, listSearched(e.Searched))
}

// NotInstalledError is a locked version of a provider found in no place
// searched.
type NotInstalledError struct {
	Source   string
	Version  string
	Searched []Searched
}

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("provider %s %s, selected in %s, is not installed; looked in %s. Install that version, or run \"tack init -upgrade\" to select another",
		e.Source, e.Version, LockFileName, listSearched(e.Searched))
}

// NotLockedError is a provider the configuration requires that the lock
// file does not record.
type NotLockedError struct{ Source string }

func (e *NotLockedError) Error() string {
	return fmt.Sprintf("provider %s is required by the configuration but not recorded in %s; run \"tack init\" to select it", e.Source, LockFileName)
}

// LockOutdatedError is a locked version that the configuration's
// constraints no longer allow.
type LockOutdatedError struct {
	Source, Version, Constraint string
}

func (e *LockOutdatedError) Error() string {
	return fmt.Sprintf("provider %s is locked at %s in %s, which does not meet the configuration's constraint %q; run \"tack init\" to select another version",
		e.Source, e.Version, LockFileName, e.Constraint)
}

// ChecksumMismatchError is a provider binary whose checksum the lock file
// does not accept. The binary must not run.
type ChecksumMismatchError struct {
	Source string
	Path   string
	// Got is the binary's checksum, "sha256:<hex>"; empty when the plugin
	// client found the mismatch.
	Got string
	// Want are the checksums the lock file accepts.
	Want []string
}

func (e *ChecksumMismatchError) Error() string {
	want := "none"
	if len(e.Want) > 0 {
		want = e.Want[0]
		for _, w := range e.Want[1:] {
			want += ", " + w
		}
	}
	got := ""
	if e.Got != "" {
		got = " (it has " + e.Got + ")"
	}
	return fmt.Sprintf("the provider %s at %s%s does not match the checksum recorded in %s (%s); if you changed it on purpose, run \"tack init -upgrade\" to record the new one",
		e.Source, e.Path, got, LockFileName, want)
}

// OverrideError is a development override whose directory holds no
// provider binary.
type OverrideError struct {
	Source, Dir, Binary string
}

func (e *OverrideError) Error() string {
	return fmt.Sprintf("the development override for provider %s names %s, which holds no executable %s", e.Source, e.Dir, e.Binary)
}

func listSearched(searched []Searched) string {
	out := ""
	for i, s := range searched {
		if i > 0 {
			out += ", "
		}
		out += s.String()
	}
	return out
}
