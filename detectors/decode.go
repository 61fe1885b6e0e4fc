package detectors

import (
	"bytes"
	"math"
	"path"
	"strings"
	"unicode/utf8"
)

// JSON-escaped source (Jupyter notebooks, Postman collections, any JSON whose strings hold
// code) hides `client_secret="…"` behind `\"` and `\n`. The engine scans a decoded view of
// such blobs and maps every offset back, so line and column point into the real file.

// jsonExts are extensions whose content is JSON, whatever its first byte.
var jsonExts = map[string]bool{
	".json": true, ".ipynb": true, ".har": true, ".jsonl": true, ".ndjson": true,
	".postman_collection": true, ".postman_environment": true, ".json5": true,
}

// looksJSONEscaped reports whether data is JSON (by extension or first byte) holding string
// escapes worth decoding.
func looksJSONEscaped(p string, data []byte) bool {
	if len(data) > math.MaxInt32-1 {
		return false
	}
	if !jsonExts[strings.ToLower(path.Ext(p))] {
		t := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
		if len(t) == 0 || t[0] != '{' && t[0] != '[' {
			return false
		}
	}
	i := bytes.IndexByte(data, '\\')
	for i >= 0 && i+1 < len(data) {
		switch data[i+1] {
		case '"', 'n', 'u', '/', 't', 'r', '\\':
			return true
		}
		j := bytes.IndexByte(data[i+2:], '\\')
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

// decodeJSONEscapes appends the JSON-unescaped form of data to view and, for each view byte
// plus one past the end, the offset in data it came from (so End maps with offs[end]).
// Invalid escapes are kept verbatim.
func decodeJSONEscapes(data, view []byte, offs []int32) ([]byte, []int32) {
	view, offs = view[:0], offs[:0]
	for i := 0; i < len(data); {
		c := data[i]
		if c != '\\' || i+1 >= len(data) {
			view = append(view, c)
			offs = append(offs, int32(i))
			i++
			continue
		}
		var out byte
		switch data[i+1] {
		case '"', '\\', '/', '\'':
			out = data[i+1]
		case 'n':
			out = '\n'
		case 't':
			out = '\t'
		case 'r':
			out = '\r'
		case 'b':
			out = '\b'
		case 'f':
			out = '\f'
		case 'u':
			if r, ok := hex4(data, i+2); ok {
				var buf [utf8.UTFMax]byte
				if r >= 0xD800 && r <= 0xDFFF {
					r = utf8.RuneError
					if r2, ok2 := hex4(data, i+8); ok2 && data[i+6] == '\\' && data[i+7] == 'u' {
						if hi, lo := rune(hex4v(data, i+2)), r2; hi < 0xDC00 && lo >= 0xDC00 && lo <= 0xDFFF {
							r = (hi-0xD800)<<10 + (lo - 0xDC00) + 0x10000
							n := utf8.EncodeRune(buf[:], r)
							for k := 0; k < n; k++ {
								view = append(view, buf[k])
								offs = append(offs, int32(i))
							}
							i += 12
							continue
						}
					}
				}
				n := utf8.EncodeRune(buf[:], r)
				for k := 0; k < n; k++ {
					view = append(view, buf[k])
					offs = append(offs, int32(i))
				}
				i += 6
				continue
			}
			view = append(view, c)
			offs = append(offs, int32(i))
			i++
			continue
		default:
			view = append(view, c)
			offs = append(offs, int32(i))
			i++
			continue
		}
		view = append(view, out)
		offs = append(offs, int32(i))
		i += 2
	}
	offs = append(offs, int32(len(data)))
	return view, offs
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func hex4v(b []byte, i int) rune { r, _ := hex4(b, i); return r }

// mapOffset turns a view offset into an offset of the original bytes.
func mapOffset(offs []int32, v int) int {
	if offs == nil {
		return v
	}
	if v < 0 {
		return 0
	}
	if v >= len(offs) {
		return int(offs[len(offs)-1])
	}
	return int(offs[v])
}
