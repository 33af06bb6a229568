package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The platform directory's files.
const (
	stateFile  = "state.json"
	socketFile = "supervisor.sock"
	lockFile   = "supervisor.lock"
	startLock  = "start.lock"
	pidFile    = "supervisor.pid"
	logFile    = "supervisor.log"
	logsDir    = "logs"
)

// formatVersion is state.json's format; a supervisor refuses a newer one.
const formatVersion = 1

// document is state.json: everything a new supervisor needs to carry on.
type document struct {
	FormatVersion int            `json:"format_version"`
	Groups        []groupRecord  `json:"groups"`
	LoadBalancers []LoadBalancer `json:"load_balancers"`
}

// groupRecord is a group as persisted: its definition, whether it is being
// destroyed, and the instances the supervisor started for it.
type groupRecord struct {
	Group
	Destroying bool `json:"destroying,omitempty"`
	// NextInstance numbers the next instance's ID, so that IDs are never
	// reused within a group.
	NextInstance int              `json:"next_instance"`
	Instances    []instanceRecord `json:"instances,omitempty"`
}

// instanceRecord is one process the supervisor started. StartTicks is the
// process's start time as the kernel records it (Linux), which tells a
// surviving instance from an unrelated process that reused its PID.
type instanceRecord struct {
	ID          string    `json:"id"`
	Slot        int       `json:"slot"`
	Port        int       `json:"port"`
	PID         int       `json:"pid"`
	StartTicks  uint64    `json:"start_ticks,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	Log         string    `json:"log"`
	Terminating bool      `json:"terminating,omitempty"`
}

// empty reports whether the platform manages nothing.
func (d *document) empty() bool { return len(d.Groups) == 0 && len(d.LoadBalancers) == 0 }

// readDocument reads state.json in dir; a missing file is an empty
// platform.
func readDocument(dir string) (*document, error) {
	name := filepath.Join(dir, stateFile)
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return &document{FormatVersion: formatVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the platform state %s: %w", name, err)
	}
	var d document
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("reading the platform state %s: %w", name, err)
	}
	if d.FormatVersion > formatVersion {
		return nil, fmt.Errorf("the platform state %s has format version %d; this provider knows up to %d, so a newer provider wrote it", name, d.FormatVersion, formatVersion)
	}
	return &d, nil
}

// writeDocument replaces state.json atomically: a reader, or a supervisor
// killed mid-write, sees the old document or the new one, never a mix.
func writeDocument(dir string, d *document) error {
	d.FormatVersion = formatVersion
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, stateFile), append(data, '\n'))
}

func writeFileAtomic(name string, data []byte) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
