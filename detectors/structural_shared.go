package detectors

import (
	"bytes"
	"path"
	"regexp"
	"sort"
	"strings"
)

// stShared is the per-blob work the structural detectors have in common: the lower-cased
// copy, the evidence list, the key runs of the slot tokeniser, and position indexes that
// answer the per-candidate look-ups (FindSalesforceHost, OtherIdentityProviderNear,
// stNearestKey) without re-reading a window of the blob per candidate. The engine builds one
// per blob and hands it to every structural detector that runs (docs/performance.md,
// "Shared structural analysis"). Everything in it is a pure function of path and data, so
// sharing it cannot change what a detector finds; the per-detector state (parsed slot values,
// variable resolution and its budget) stays in each detector's own stBlob.
type stShared struct {
	path   string
	data   []byte
	lowerA []byte // ASCII lower-case form of data (the engine's prefilter copy)
	lower  []byte // the ASCII lower-case form of data (offsets unchanged)
	code   bool

	evDone          bool
	ev              []stEvidence
	anySF, anyOther bool

	slotsDone bool
	slots     []stSlot // key runs only; values are parsed per detector

	sfCtx int8 // HasSalesforceContext(data): 0 unknown, 1 yes, -1 no

	idp   chunkIndex // otherIdPMarkers, chunks of stIdpRadius
	sfm   chunkIndex // strongSalesforceMarkers
	hostC chunkIndex // sfHostSuffixes, chunks of stHostRadius
	sfW   chunkIndex // "salesforce" (for simpleSalesforceDomain)
	domC  chunkIndex // "domain", case-sensitive in data

	hostMemo map[int]stHostAt // suffix occurrence (by p, sfx) → host as seen with the whole blob

	keysDone bool
	keys     []stKeyRun
}

// stKeyRun is one "3MVG" run found by stNearestKey's scan over the whole blob.
type stKeyRun struct {
	p, k  int
	valid int8 // 0 unknown, 1 valid, -1 not (for the unclamped run)
}

type stHostAt struct {
	rawS int // where the backward scan over host bytes stopped (before trimming . and -)
	s    int
	host string
	ok   bool // s < p and the host is usable
}

// newStShared builds the shared analysis. lowerA, when not nil, must be the ASCII lower-case
// form of data.
func newStShared(p string, data, lowerA []byte) *stShared {
	if lowerA == nil {
		lowerA = lowerASCII(nil, data)
	}
	sh := &stShared{path: p, data: data, lowerA: lowerA}
	// The ASCII form for every blob: bytes.ToLower would change the length of invalid UTF-8
	// (Latin-1 files) and shift offsets.
	sh.lower = lowerA
	sh.code = stCodeExts[strings.ToLower(path.Ext(p))]
	return sh
}

func isASCII(b []byte) bool {
	var or byte
	for _, c := range b {
		or |= c
	}
	return or < 0x80
}

// blob returns a fresh per-detector analysis backed by sh.
func (sh *stShared) blob() *stBlob {
	return &stBlob{path: sh.path, data: sh.data, lower: sh.lower, code: sh.code, sh: sh, resolving: map[string]stValue{}}
}

func (sh *stShared) evidence() ([]stEvidence, bool, bool) {
	if !sh.evDone {
		sh.evDone = true
		t := &stBlob{path: sh.path, data: sh.data, lower: sh.lower}
		t.scanEvidence()
		sh.ev, sh.anySF, sh.anyOther = t.ev, t.anySF, t.anyOther
	}
	return sh.ev, sh.anySF, sh.anyOther
}

func (sh *stShared) slotKeys() []stSlot {
	if !sh.slotsDone {
		sh.slotsDone = true
		t := &stBlob{path: sh.path, data: sh.data, lower: sh.lower}
		t.scanSlots()
		sh.slots = t.slots
	}
	return sh.slots
}

func (sh *stShared) hasSalesforceContext() bool {
	if sh.sfCtx == 0 {
		sh.sfCtx = -1
		if HasSalesforceContext(sh.data) {
			sh.sfCtx = 1
		}
	}
	return sh.sfCtx > 0
}

// ---- chunked occurrence index ----

// chunkIndex records, per chunk of the blob, the occurrences of a word list that start in
// it (overlapping ones too), built on first use of the chunk.
type chunkIndex struct {
	size   int
	chunks []*[]stOcc
}

type stOcc struct {
	p, end int
	w      int // word index
}

// occIn returns the occurrences of words in text starting in the chunks that cover [lo,hi).
// Within a chunk they are ordered by word, then offset.
func (ci *chunkIndex) visit(text []byte, words []string, size, lo, hi int, f func(o stOcc)) {
	if ci.chunks == nil {
		ci.size = size
		ci.chunks = make([]*[]stOcc, len(text)/size+1)
	}
	if lo < 0 {
		lo = 0
	}
	for c := lo / size; c < len(ci.chunks) && c*size < hi; c++ {
		ch := ci.chunks[c]
		if ch == nil {
			var occ []stOcc
			clo, chi := c*size, min(len(text), (c+1)*size)
			for wi, w := range words {
				end := min(len(text), chi+len(w)-1)
				for i := clo; i < chi; {
					j := bytes.Index(text[i:end], []byte(w))
					if j < 0 {
						break
					}
					occ = append(occ, stOcc{p: i + j, end: i + j + len(w), w: wi})
					i += j + 1
				}
			}
			ch = &occ
			ci.chunks[c] = ch
		}
		for _, o := range *ch {
			f(o)
		}
	}
}

// ---- OtherIdentityProviderNear ----

const stIdpRadius = 4096

// otherIdPNear is OtherIdentityProviderNear(sh.data, off).
func (sh *stShared) otherIdPNear(off int) bool {
	lo, hi := max(0, off-stIdpRadius), min(len(sh.data), off+stIdpRadius)
	if lo >= hi {
		return false
	}
	idp := sh.minDist(&sh.idp, otherIdPMarkers, off, lo, hi)
	if idp < 0 {
		return false
	}
	sf := sh.minDist(&sh.sfm, strongSalesforceMarkers, off, lo, hi)
	return sf < 0 || idp < sf
}

// minDist is minDistIn over the window [lo,hi): occurrences wholly inside it.
func (sh *stShared) minDist(ci *chunkIndex, words []string, off, lo, hi int) int {
	best := -1
	ci.visit(sh.lowerA, words, stIdpRadius, lo, hi, func(o stOcc) {
		if o.p < lo || o.end > hi {
			return
		}
		d := 0
		switch {
		case o.p > off:
			d = o.p - off
		case o.end < off:
			d = off - o.end
		}
		if best < 0 || d < best {
			best = d
		}
	})
	return best
}

// ---- FindSalesforceHost ----

const stHostRadius = 16 << 10

var stSalesforceWord = []string{"salesforce"}
var stDomainWord = []string{"domain"}

// ssDomainAnchoredRE is ssDomainRE without its leading \b, anchored: the match that
// ssDomainRE would report starting at a given "domain".
var ssDomainAnchoredRE = regexp.MustCompile(`^domain\s*=\s*['"]([A-Za-z0-9-]+(?:\.sandbox)?\.my)['"]`)

// findHost is FindSalesforceHost(sh.data, near).
func (sh *stShared) findHost(near int) string {
	data := sh.data
	lo, hi := max(0, near-stHostRadius), min(len(data), near+stHostRadius)
	if lo >= hi {
		return ""
	}
	if sh.hostMemo == nil {
		sh.hostMemo = map[int]stHostAt{}
	}
	// hostsIn over the window, then nearestHost: the first of the hosts sorted (stably) by
	// offset at the least distance, i.e. the least (distance, offset, suffix, position).
	type cand struct{ d, off, w, p int }
	var best cand
	host, found := "", false
	sh.hostC.visit(sh.lowerA, sfHostSuffixes, stHostRadius, lo, hi, func(o stOcc) {
		p, e := o.p, o.end
		if p < lo || e > hi {
			return
		}
		if e < hi && isHostByte(data[e]) && data[e] != '.' {
			return
		}
		var h stHostAt
		key := p*len(sfHostSuffixes) + o.w
		m, ok := sh.hostMemo[key]
		if !ok {
			m = hostAtFrom(data, 0, p, e)
			sh.hostMemo[key] = m
		}
		if m.rawS >= lo {
			h = m
		} else {
			h = hostAtFrom(data, lo, p, e)
		}
		if !h.ok {
			return
		}
		c := cand{stDist(h.s, near), h.s, o.w, p}
		if !found || c.d < best.d || c.d == best.d && (c.off < best.off || c.off == best.off && (c.w < best.w || c.w == best.w && c.p < best.p)) {
			best, host, found = c, h.host, true
		}
	})
	if found {
		return host
	}
	return sh.ssDomain(lo, hi)
}

// hostAtFrom is hostsIn's reading of the host ending in the suffix at [p,e), with the
// backward scan stopped at lo.
func hostAtFrom(data []byte, lo, p, e int) stHostAt {
	s := p
	for s > lo && isHostByte(data[s-1]) {
		s--
	}
	h := stHostAt{rawS: s}
	for s < p && (data[s] == '.' || data[s] == '-') {
		s++
	}
	h.s = s
	if s == p {
		return h
	}
	h.host = string(bytes.ToLower(data[s:e]))
	h.ok = usableHost(h.host)
	return h
}

// ssDomain is simpleSalesforceDomain(sh.data[lo:hi]).
func (sh *stShared) ssDomain(lo, hi int) string {
	hasWord := false
	sh.sfW.visit(sh.lowerA, stSalesforceWord, stHostRadius, lo, hi, func(o stOcc) {
		if o.p >= lo && o.end <= hi {
			hasWord = true
		}
	})
	if !hasWord {
		return ""
	}
	first, res := -1, ""
	sh.domC.visit(sh.data, stDomainWord, stHostRadius, lo, hi, func(o stOcc) {
		q := o.p
		if q < lo || o.end > hi || first >= 0 && q > first {
			return
		}
		if q > lo && stIsIdentByte(sh.data[q-1]) {
			return // \b
		}
		if m := ssDomainAnchoredRE.FindSubmatch(sh.data[q:hi]); m != nil {
			first, res = q, strings.ToLower(string(m[1]))+".salesforce.com"
		}
	})
	return res
}

// ---- stNearestKey ----

const stKeyRadius = 16 << 10

func (sh *stShared) keyRuns() []stKeyRun {
	if !sh.keysDone {
		sh.keysDone = true
		data := sh.data
		for i := 0; i < len(data); {
			j := bytes.Index(data[i:], []byte("3MVG"))
			if j < 0 {
				break
			}
			p := i + j
			k := p + 4
			for k < len(data) && (stIsIdentByte(data[k]) || data[k] == '.') {
				k++
			}
			sh.keys = append(sh.keys, stKeyRun{p: p, k: k})
			i = k
		}
	}
	return sh.keys
}

func stKeyValid(data []byte, p, k int) bool {
	return !(k-p < 24 || p > 0 && (stIsIdentByte(data[p-1]) || data[p-1] == '.') || IsPlaceholder(string(data[p:k])))
}

// nearestKey is stNearestKey(sh.data, off). Runs that the window scan would find are the
// whole-blob runs starting in the window (a run cut by the window's start is never valid:
// the byte before its first in-window "3MVG" is part of the run); the run reaching past
// the window's end is cut there.
func (sh *stShared) nearestKey(off int) string {
	data := sh.data
	lo, hi := max(0, off-stKeyRadius), min(len(data), off+stKeyRadius)
	runs := sh.keyRuns()
	valid := func(r *stKeyRun) (bool, int) {
		if r.p < lo || r.p+4 > hi {
			return false, 0
		}
		if r.k > hi {
			return stKeyValid(data, r.p, hi), hi
		}
		if r.valid == 0 {
			r.valid = -1
			if stKeyValid(data, r.p, r.k) {
				r.valid = 1
			}
		}
		return r.valid > 0, r.k
	}
	i := sort.Search(len(runs), func(i int) bool { return runs[i].p >= off })
	bestP, bestK := -1, 0
	for j := i - 1; j >= 0 && runs[j].p >= lo; j-- {
		if ok, k := valid(&runs[j]); ok {
			bestP, bestK = runs[j].p, k
			break
		}
	}
	for j := i; j < len(runs) && runs[j].p < hi; j++ {
		if bestP >= 0 && stDist(runs[j].p, off) >= stDist(bestP, off) {
			break
		}
		if ok, k := valid(&runs[j]); ok {
			bestP, bestK = runs[j].p, k
			break
		}
	}
	if bestP < 0 {
		return ""
	}
	return string(data[bestP:bestK])
}
