package platform

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// startTicks is when the process started, in clock ticks since boot (the
// 22nd field of /proc/PID/stat): with the PID, it names one process for
// the machine's uptime, which tells an instance that survived a supervisor
// from a process that reused its PID.
func startTicks(pid int) (uint64, bool) {
	fields, ok := procStat(pid)
	if !ok || len(fields) < 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(fields[19], 10, 64)
	return n, err == nil
}

// procStat is /proc/PID/stat from the field after the command name (the
// state) on; the name may hold spaces and parentheses.
func procStat(pid int) ([]string, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(string(data[i+1:])), true
}

// alive reports whether pid is still the process that started at ticks
// (any process, when ticks is 0) and has not exited: a zombie, whose
// parent has not collected it, is dead for the platform's purposes.
func alive(pid int, ticks uint64) bool {
	if pid <= 0 || unix.Kill(pid, 0) == unix.ESRCH {
		return false
	}
	fields, ok := procStat(pid)
	if !ok {
		return false
	}
	if len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X") {
		return false
	}
	if ticks == 0 {
		return true
	}
	now, ok := startTicks(pid)
	return ok && now == ticks
}

// orphans are the processes that carry this platform's marker in their
// environment but are not among known: started by a supervisor that was
// killed before it recorded them. Only the leaders of their process groups
// are returned.
func orphans(dir string, known map[int]bool) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	marker := []byte(platformEnv + "=" + dir + "\x00")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || known[pid] || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), append([]byte{0}, marker...)) {
			continue
		}
		if pgid, err := unix.Getpgid(pid); err == nil && pgid == pid && alive(pid, 0) {
			out = append(out, pid)
		}
	}
	return out
}
