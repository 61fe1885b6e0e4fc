package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// treeEntry is one entry of a tree object.
type treeEntry struct {
	Name string
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// treeReader reads tree objects with a parser that allocates one string per tree: go-git's
// object.DecodeTree reads entry by entry through bufio and was the walk's largest cost.
// cache (when non-nil) keeps recently parsed trees: provenance diffs read each tree once as
// a commit's and once as its child's parent.
type treeReader struct {
	st       *filesystem.Storage
	buf      bytes.Buffer
	cache    map[plumbing.Hash][]treeEntry
	cacheMax int
}

var errBadTree = errors.New("malformed tree object")

func (tr *treeReader) read(id plumbing.Hash) ([]treeEntry, error) {
	if es, ok := tr.cache[id]; ok {
		return es, nil
	}
	obj, err := tr.st.EncodedObject(plumbing.TreeObject, id)
	if err != nil {
		return nil, err
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	tr.buf.Reset()
	_, err = io.Copy(&tr.buf, rd)
	rd.Close()
	if err != nil {
		return nil, err
	}
	es, err := parseTree(tr.buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadTree, err)
	}
	if tr.cache != nil {
		if len(tr.cache) >= tr.cacheMax {
			clear(tr.cache)
		}
		tr.cache[id] = es
	}
	return es, nil
}

// parseTree parses raw tree content: entries of "<octal mode> <name>\x00<20-byte id>".
func parseTree(raw []byte) ([]treeEntry, error) {
	s := string(raw) // one allocation; names are substrings of it
	n := 0
	for i := 0; i < len(raw); n++ {
		z := bytes.IndexByte(raw[i:], 0)
		if z < 0 || i+z+1+20 > len(raw) {
			return nil, fmt.Errorf("truncated entry at byte %d", i)
		}
		i += z + 1 + 20
	}
	es := make([]treeEntry, 0, n)
	for i := 0; i < len(raw); {
		var mode uint32
		j := i
		for ; j < len(raw) && raw[j] != ' '; j++ {
			c := raw[j]
			if c < '0' || c > '7' {
				return nil, fmt.Errorf("bad mode at byte %d", i)
			}
			mode = mode<<3 | uint32(c-'0')
		}
		z := j + bytes.IndexByte(raw[j:], 0)
		if j >= len(raw) || z < j {
			return nil, fmt.Errorf("bad entry at byte %d", i)
		}
		e := treeEntry{Name: s[j+1 : z], Mode: canonMode(mode)}
		copy(e.Hash[:], raw[z+1:z+21])
		es = append(es, e)
		i = z + 21
	}
	return es, nil
}

// canonMode reads a tree entry's mode the way git does (canon_mode): any regular-file mode
// is a file (100644, or 100755 when an execute bit is set), any directory mode a directory,
// and anything unknown a submodule. Trees written by old or odd tools carry modes such as
// 100664, 100600 or 40755; git checks them out as files and directories, so the walk must
// read them too, or a crafted tree could hide a file from the scan.
func canonMode(m uint32) filemode.FileMode {
	switch m & 0o170000 {
	case 0o040000:
		return filemode.Dir
	case 0o100000:
		if m&0o111 != 0 {
			return filemode.Executable
		}
		return filemode.Regular
	case 0o120000:
		return filemode.Symlink
	}
	return filemode.Submodule
}
