package detectors

import (
	"testing"
)

func TestLooksJSONEscaped(t *testing.T) {
	cases := []struct {
		name, path, data string
		want             bool
	}{
		{"a notebook with escaped quotes", "a.ipynb", `{"source": ["x = \"y\"\n"]}`, true},
		{"JSON by first byte with a \\n escape", "body.txt", `{"raw": "a\nb"}`, true},
		{"JSON without escapes needs no view", "a.json", `{"a": "b"}`, false},
		{"Python source with \\n is not JSON", "a.py", `print("a\n")`, false},
		{"a JSON path with only \\\\x escapes", "a.json", `{"a": "\x41"}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := looksJSONEscaped(c.path, []byte(c.data)); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestDecodeJSONEscapesMapsOffsets(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"quotes and newlines", `a\"b\nc`, "a\"b\nc"},
		{"unicode escape", `x\u0026y`, "x&y"},
		{"surrogate pair", `\ud83d\ude00!`, "\U0001F600!"},
		{"lone surrogate becomes U+FFFD", `\ud83dz`, "\uFFFDz"},
		{"unknown escape kept", `a\qb`, `a\qb`},
		{"trailing backslash kept", `ab\`, `ab\`},
		{"slash and backslash", `\/\\`, `/\`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			view, offs := decodeJSONEscapes([]byte(c.in), nil, nil)
			if string(view) != c.want {
				t.Fatalf("view %q, want %q", view, c.want)
			}
			if len(offs) != len(view)+1 || int(offs[len(view)]) != len(c.in) {
				t.Fatalf("offs has %d entries ending %d; want %d ending %d", len(offs), offs[len(offs)-1], len(view)+1, len(c.in))
			}
			for i := 1; i < len(offs); i++ {
				if offs[i] < offs[i-1] {
					t.Fatalf("offs not monotonic at %d: %v", i, offs)
				}
			}
		})
	}
	// A plain run maps byte for byte.
	in := `{"k": "\"abc\""}`
	view, offs := decodeJSONEscapes([]byte(in), nil, nil)
	i := indexOf(view, "abc")
	if s, e := mapOffset(offs, i), mapOffset(offs, i+3); in[s:e] != "abc" {
		t.Errorf("mapped [%d,%d) = %q, want abc", s, e, in[s:e])
	}
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
