package detectors

import "encoding/binary"

// prefilter finds every detector's keywords in one pass over the blob, so a detector runs
// only when one of its keywords occurs, and regex rules run only on windows around the hits.
//
// It is a fused case-folding scan rather than Aho-Corasick over a lower-cased copy: at each
// offset the next three bytes, folded with |0x20, are hashed into a 64 Ki-bit table of the
// keywords' first three bytes; only the rare offsets that hit are verified against the
// keywords. That is a load, an or, a multiply and a bit test per byte, with no copy of the
// blob — several times faster than walking a pointer trie byte by byte (see
// docs/performance.md, "keyword prefilter").
type prefilter struct {
	words   []string
	patDets [][]int // pattern index → detector indices
	always  []int   // detectors without keywords: always run
	nDet    int
	table   [1 << 16 / 64]uint64 // bit per hash of a keyword's folded first three bytes
	bucket  map[uint32][]int     // folded first three bytes → pattern indices
	short   []int                // keywords shorter than three bytes: checked at every offset
}

// newPrefilter indexes the keywords of each detector (by position in kw).
func newPrefilter(kw [][]string) *prefilter {
	p := &prefilter{nDet: len(kw), bucket: map[uint32][]int{}}
	index := map[string]int{}
	for d, words := range kw {
		if len(words) == 0 {
			p.always = append(p.always, d)
			continue
		}
		for _, w := range words {
			i, ok := index[w]
			if !ok {
				i = len(p.words)
				index[w] = i
				p.words = append(p.words, w)
				p.patDets = append(p.patDets, nil)
				if len(w) < 3 {
					p.short = append(p.short, i)
				} else {
					k := fold3([]byte(w))
					p.bucket[k] = append(p.bucket[k], i)
					h := hash3(k)
					p.table[h/64] |= 1 << (h % 64)
				}
			}
			if n := len(p.patDets[i]); n == 0 || p.patDets[i][n-1] != d {
				p.patDets[i] = append(p.patDets[i], d)
			}
		}
	}
	return p
}

// fold3 is the first three bytes of b with bit 0x20 set: ASCII letters fold to lower case;
// a few punctuation bytes fold onto others, which verification sorts out.
func fold3(b []byte) uint32 {
	return (uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16) | 0x202020
}

func hash3(k uint32) uint32 { return (k * 0x9E3779B1) >> 16 }

// minHitGap: keyword hits closer than this to the previous recorded hit of the same
// detector add nothing (their windows overlap) and are not recorded, which bounds the work
// on blobs full of keywords.
const minHitGap = 64

// scan records, for each detector, the ascending start offsets of its keyword hits in data
// (ASCII case-insensitively; hits[d] is reset first), and sets ran[d] for detectors that
// should run.
func (p *prefilter) scan(data []byte, hits [][]int, ran []bool) {
	for d := range hits {
		hits[d] = hits[d][:0]
		ran[d] = false
	}
	for _, d := range p.always {
		ran[d] = true
	}
	if len(p.words) == 0 {
		return
	}
	record := func(pos, pattern int) {
		for _, d := range p.patDets[pattern] {
			ran[d] = true
			h := hits[d]
			if k := len(h); k > 0 && pos-h[k-1] < minHitGap {
				continue
			}
			hits[d] = append(h, pos)
		}
	}
	verify := func(pos int, k uint32) {
		for _, i := range p.bucket[k] {
			w := p.words[i]
			if pos+len(w) <= len(data) && equalFold(data[pos:pos+len(w)], w) {
				record(pos, i)
			}
		}
	}
	n := len(data)
	i := 0
	// Four-byte loads while they fit; the top byte is masked off.
	for ; i+4 <= n; i++ {
		k := (binary.LittleEndian.Uint32(data[i:]) | 0x20202020) & 0xFFFFFF
		if h := hash3(k); p.table[h/64]&(1<<(h%64)) != 0 {
			verify(i, k)
		}
		for _, s := range p.short {
			if w := p.words[s]; equalFold(data[i:i+len(w)], w) {
				record(i, s)
			}
		}
	}
	for ; i < n; i++ {
		if i+3 <= n {
			if k := fold3(data[i:]); p.table[hash3(k)/64]&(1<<(hash3(k)%64)) != 0 {
				verify(i, k)
			}
		}
		for _, s := range p.short {
			if w := p.words[s]; i+len(w) <= n && equalFold(data[i:i+len(w)], w) {
				record(i, s)
			}
		}
	}
}

// lowerASCII writes the ASCII lower-case form of src into dst (grown as needed).
func lowerASCII(dst, src []byte) []byte {
	if cap(dst) < len(src) {
		dst = make([]byte, len(src), len(src)+len(src)/4)
	}
	dst = dst[:len(src)]
	for i, c := range src {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return dst
}

// foldSet answers "does data hold any of these lower-case needles, ASCII case-insensitively"
// in one pass with the prefilter's 3-byte hash table, where ContainsAnyFold makes one pass
// per needle (21 for SalesforceMarkers, each stopping at every 's' or 'f').
type foldSet struct {
	p     *prefilter
	short []string // needles under three bytes, searched one by one
}

func newFoldSet(needles []string) *foldSet {
	var kw [][]string
	s := &foldSet{}
	for _, n := range needles {
		if len(n) < 3 {
			s.short = append(s.short, n)
			continue
		}
		kw = append(kw, []string{n})
	}
	s.p = newPrefilter(kw)
	return s
}

// containsAny reports whether any needle occurs in data.
func (s *foldSet) containsAny(data []byte) bool {
	if ContainsAnyFold(data, s.short) {
		return true
	}
	p := s.p
	n := len(data)
	for i := 0; i+3 <= n; i++ {
		var k uint32
		if i+4 <= n {
			k = (binary.LittleEndian.Uint32(data[i:]) | 0x20202020) & 0xFFFFFF
		} else {
			k = fold3(data[i:])
		}
		if h := hash3(k); p.table[h/64]&(1<<(h%64)) != 0 {
			for _, j := range p.bucket[k] {
				if w := p.words[j]; i+len(w) <= n && equalFold(data[i:i+len(w)], w) {
					return true
				}
			}
		}
	}
	return false
}
