package detectors

import (
	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// prefilter finds every detector's keywords in one pass (Aho-Corasick over the lower-cased
// blob), so a detector runs only when one of its keywords occurs, and regex rules run only
// on windows around the hits.
type prefilter struct {
	trie    *ahocorasick.Trie
	words   []string
	patDets [][]int // pattern index → detector indices
	always  []int   // detectors without keywords: always run
	nDet    int
}

// newPrefilter indexes the keywords of each detector (by position in kw).
func newPrefilter(kw [][]string) *prefilter {
	p := &prefilter{nDet: len(kw)}
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
			}
			if n := len(p.patDets[i]); n == 0 || p.patDets[i][n-1] != d {
				p.patDets[i] = append(p.patDets[i], d)
			}
		}
	}
	if len(p.words) > 0 {
		p.trie = ahocorasick.NewTrieBuilder().AddStrings(p.words).Build()
	}
	return p
}

// minHitGap: keyword hits closer than this to the previous recorded hit of the same
// detector add nothing (their windows overlap) and are not recorded, which bounds the work
// on blobs full of keywords.
const minHitGap = 64

// scan records, for each detector, the ascending start offsets of its keyword hits in lower
// (hits[d] is reset first), and sets ran[d] for detectors that should run.
func (p *prefilter) scan(lower []byte, hits [][]int, ran []bool) {
	for d := range hits {
		hits[d] = hits[d][:0]
		ran[d] = false
	}
	for _, d := range p.always {
		ran[d] = true
	}
	if p.trie == nil {
		return
	}
	p.trie.Walk(lower, func(end, n, pattern int64) bool {
		pos := int(end - n + 1)
		for _, d := range p.patDets[pattern] {
			ran[d] = true
			h := hits[d]
			if k := len(h); k > 0 && pos-h[k-1] < minHitGap {
				continue
			}
			hits[d] = append(h, pos)
		}
		return true
	})
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
