package github

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is the I-th (from 1) of N deterministic parts of a repository list. The zero value
// is the whole list.
//
// A repository's part depends on its full name alone (FNV-1a of the lower-cased owner/name,
// modulo N), not on the listing's order or length, so a repository stays in the same shard
// when others are added or removed, and each shard's state file keeps serving it.
type Shard struct {
	I, N int
}

// ParseShard parses "I/N" with 1 <= I <= N.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q: want I/N, e.g. 1/4", s)
	}
	iv, err1 := strconv.Atoi(i)
	nv, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || nv < 1 || iv < 1 || iv > nv {
		return Shard{}, fmt.Errorf("--shard %q: want I/N with 1 <= I <= N", s)
	}
	return Shard{I: iv, N: nv}, nil
}

// Contains reports whether the repository fullName belongs to this shard.
func (s Shard) Contains(fullName string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(fullName)))
	return int(h.Sum32()%uint32(s.N)) == s.I-1
}

// String is "I/N", or "" for the whole list.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}
