package delivery

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxSequence is the largest server group sequence number; the next one
// after it is 0, as in Spinnaker.
const MaxSequence = 999

// GroupName is the name of a cluster's server group with sequence seq:
// "api-prod-v042".
func GroupName(cluster string, seq int) string {
	return fmt.Sprintf("%s-v%03d", cluster, seq)
}

// ParseGroupName splits a server group name into its cluster and
// sequence; ok is false for a name that is not one.
func ParseGroupName(name string) (cluster string, seq int, ok bool) {
	i := strings.LastIndex(name, "-v")
	if i <= 0 || len(name)-i-2 != 3 {
		return "", 0, false
	}
	n, err := strconv.Atoi(name[i+2:])
	if err != nil || n < 0 {
		return "", 0, false
	}
	return name[:i], n, true
}

// NextSequence is the sequence of a cluster's next server group: one more
// than the newest's, wrapping from 999 to 0, and skipping any sequence a
// live group still has. newest is the newest group's sequence, or -1 for
// a cluster with none.
func NextSequence(newest int, inUse map[int]bool) (int, error) {
	seq := newest
	for range MaxSequence + 1 {
		seq = (seq + 1) % (MaxSequence + 1)
		if !inUse[seq] {
			return seq, nil
		}
	}
	return 0, fmt.Errorf("every sequence from 000 to %03d is taken by a live server group", MaxSequence)
}
