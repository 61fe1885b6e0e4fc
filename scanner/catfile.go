package scanner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// catFile reads blob contents through one `git cat-file --batch` process. git inflates with
// C zlib and keeps a delta-base cache, about twice go-git's speed on packed history, and it
// does not re-hash each object (see docs/performance.md). Each worker owns one, so reads run in
// parallel; go-git still walks commits and trees, and reads blobs itself when git is missing
// or the process fails (a repository git refuses, e.g. for safe.directory).
type catFile struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	wr  *bufio.Writer
	out *bufio.Reader
	hdr []byte
}

// gitRedirects are environment variables that would point git at another repository or
// object store than the one go-git opened (a pre-commit hook runs with GIT_DIR and
// GIT_INDEX_FILE set, for one).
var gitRedirects = []string{"GIT_DIR=", "GIT_WORK_TREE=", "GIT_COMMON_DIR=", "GIT_OBJECT_DIRECTORY=",
	"GIT_INDEX_FILE=", "GIT_NAMESPACE="}

// gitEnvWithoutRedirects is the environment minus gitRedirects.
func gitEnvWithoutRedirects() []string {
	var env []string
	for _, kv := range os.Environ() {
		redirect := false
		for _, p := range gitRedirects {
			redirect = redirect || strings.HasPrefix(kv, p)
		}
		if !redirect {
			env = append(env, kv)
		}
	}
	return env
}

// startCatFile starts `git cat-file --batch` on the git directory gitDir.
func startCatFile(gitDir string) (*catFile, error) {
	bin, err := exec.LookPath("git")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--git-dir="+gitDir, "cat-file", "--batch")
	cmd.Env = gitEnvWithoutRedirects()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &catFile{cmd: cmd, in: in, wr: bufio.NewWriterSize(in, 4096), out: bufio.NewReaderSize(out, 1<<16)}, nil
}

// request asks for id; responses come back in request order.
func (c *catFile) request(id plumbing.Hash) error {
	var b [41]byte
	hex := id.String()
	copy(b[:], hex)
	b[40] = '\n'
	_, err := c.wr.Write(b[:])
	return err
}

func (c *catFile) flush() error { return c.wr.Flush() }

// errMissing is a blob cat-file does not have.
var errMissing = errors.New("object not found")

// response reads the next object into buf. A blob larger than maxSize (when > 0) is skipped
// and reported with skipped = true.
func (c *catFile) response(buf *bytes.Buffer, maxSize int64) (data []byte, skipped bool, err error) {
	line, err := c.out.ReadSlice('\n')
	if err != nil {
		return nil, false, fmt.Errorf("git cat-file: %w", err)
	}
	// "<id> <type> <size>\n" or "<id> missing\n"
	f := bytes.Fields(line)
	if len(f) == 2 && string(f[1]) == "missing" {
		return nil, false, errMissing
	}
	if len(f) != 3 {
		return nil, false, fmt.Errorf("git cat-file: unexpected header %q", line)
	}
	size, err := strconv.ParseInt(string(f[2]), 10, 64)
	if err != nil {
		return nil, false, fmt.Errorf("git cat-file: unexpected header %q", line)
	}
	if maxSize > 0 && size > maxSize {
		_, err := c.out.Discard(int(size) + 1)
		return nil, true, err
	}
	buf.Reset()
	buf.Grow(int(size) + 1)
	b := buf.Bytes()[:size+1]
	if _, err := io.ReadFull(c.out, b); err != nil {
		return nil, false, fmt.Errorf("git cat-file: %w", err)
	}
	return b[:size], false, nil
}

func (c *catFile) close() {
	c.in.Close()
	_ = c.cmd.Wait()
}
