package local

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// This file holds the disk operations and value checks that the local_file
// resource and data source share.

// pathAttr is where diagnostics about the file itself point.
var pathAttr = cty.GetAttrPath("path")

// writeFileAtomic replaces name with data and mode so that a reader sees
// either the old file or the whole new one, never a partial write: the
// bytes go to a temporary file in the same directory, get their mode
// (explicitly, so the umask does not narrow it), and are renamed over
// name. Missing parent directories are created with 0755.
//
// Neither the file nor the directory is synced: a local_file is not made
// durable, as Terraform's is not, and an fsync per file made applying ten
// thousand of them take ten seconds instead of one. If the machine loses
// power before the kernel writes the file back, the next plan reads it as
// drift and writes it again. tack's own state stays synced (the state
// backend's job), so what tack recorded is never lost.
func writeFileAtomic(name string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tack-*")
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
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// sha256Hex is the lower-case hex SHA-256 of b, as the sha256 attribute
// and `sha256sum` show it.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

var modePattern = regexp.MustCompile(`^0?[0-7]{3}$`)

// parseMode parses a file_permission value: three octal digits, optionally
// after a leading zero ("644", "0644").
func parseMode(s string) (fs.FileMode, bool) {
	if !modePattern.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0, false
	}
	return fs.FileMode(n), true
}

// formatMode is how a mode read from disk is recorded: "0644".
func formatMode(m fs.FileMode) string {
	return fmt.Sprintf("%04o", uint32(m.Perm()))
}

func validateMode(path cty.Path, v cty.Value) sdk.Diagnostics {
	if _, ok := parseMode(v.AsString()); ok {
		return nil
	}
	return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid file permission",
		"%q is not an octal file mode. Write three octal digits with an optional leading zero, such as \"0644\" (owner may write, everyone may read) or \"0600\" (only the owner may read and write); setuid, setgid and sticky bits are not supported.",
		v.AsString())}
}
