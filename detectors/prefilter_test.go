package detectors

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// naiveHits is the prefilter's contract spelled out the slow way: every ASCII
// case-insensitive occurrence of every keyword, by start offset, per detector, with hits
// closer than minHitGap to the previous recorded one dropped.
func naiveHits(kw [][]string, data []byte) ([][]int, []bool) {
	hits := make([][]int, len(kw))
	ran := make([]bool, len(kw))
	for i := 0; i < len(data); i++ {
		for d, words := range kw {
			if len(words) == 0 {
				ran[d] = true
				continue
			}
			for _, w := range words {
				if i+len(w) <= len(data) && equalFold(data[i:i+len(w)], w) {
					ran[d] = true
					if k := len(hits[d]); k == 0 || i-hits[d][k-1] >= minHitGap {
						hits[d] = append(hits[d], i)
					}
					break
				}
			}
		}
	}
	for d, words := range kw {
		if len(words) == 0 {
			ran[d] = true
		}
	}
	return hits, ran
}

func TestPrefilterFindsWhatANaiveSearchFinds(t *testing.T) {
	kw := [][]string{
		{"3mvg"}, {"secret"}, {"00d", "session", "token", "sid="}, {"force://"},
		{"private key-----"}, {"client_credentials", "consumer_secret"}, {}, {"ab"},
	}
	p := newPrefilter(kw)
	r := rand.New(rand.NewPCG(1, 2))
	// Text built from keyword pieces, their case variants, near misses and the bytes that
	// fold onto keyword bytes under |0x20 ('_' and DEL, '@' and '`').
	pieces := []string{"3MVG", "3mvg9", "Secret", "SECRET", "secre", "00D", "00d", "0", "Session",
		"TOKEN", "tok", "sid=", "SID=", "force://", "FORCE:/", "private key-----", "PRIVATE KEY----",
		"client_credentials", "client\x7fcredentials", "CONSUMER_SECRET", "consumer@secret", "ab",
		"AB", "a", "b", " ", "\n", "x", "é", "\x00"}
	for round := 0; round < 300; round++ {
		var data []byte
		for n := r.IntN(80); n > 0; n-- {
			data = append(data, pieces[r.IntN(len(pieces))]...)
		}
		hits := make([][]int, len(kw))
		ran := make([]bool, len(kw))
		p.scan(data, hits, ran)
		wantHits, wantRan := naiveHits(kw, data)
		for d := range kw {
			if len(hits[d]) == 0 && len(wantHits[d]) == 0 {
				continue
			}
			if !reflect.DeepEqual(hits[d], wantHits[d]) {
				t.Fatalf("data %q detector %d: hits %v, want %v", data, d, hits[d], wantHits[d])
			}
		}
		if !reflect.DeepEqual(ran, wantRan) {
			t.Fatalf("data %q: ran %v, want %v", data, ran, wantRan)
		}
	}
}

func TestPrefilterEdges(t *testing.T) {
	p := newPrefilter([][]string{{"00d"}, {"force://"}})
	for _, c := range []struct {
		data string
		want [][]int
	}{
		{"00d", [][]int{{0}, nil}},
		{"x00D", [][]int{{1}, nil}},
		{"force:/", [][]int{nil, nil}},
		{"FORCE://", [][]int{nil, {0}}},
		{"", [][]int{nil, nil}},
		{"0", [][]int{nil, nil}},
	} {
		hits := make([][]int, 2)
		p.scan([]byte(c.data), hits, make([]bool, 2))
		for d := range hits {
			if len(hits[d]) == 0 && len(c.want[d]) == 0 {
				continue
			}
			if !reflect.DeepEqual(hits[d], c.want[d]) {
				t.Errorf("%q: detector %d hits %v, want %v", c.data, d, hits[d], c.want[d])
			}
		}
	}
}

func TestFoldSetAgreesWithContainsAnyFold(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sets := [][]string{SalesforceMarkers, {"ab", "force.com"}, {"x"}, nil}
	pieces := append([]string{"SalesForce", "SFDC", "sf", "s", "f", ".", "_", "-", "x", "a", "b", "\x7f", " ",
		"/services/", "FORCE.COM", "force:com", "ab"}, SalesforceMarkers...)
	for round := 0; round < 2000; round++ {
		var data []byte
		for n := r.IntN(12); n > 0; n-- {
			data = append(data, pieces[r.IntN(len(pieces))]...)
		}
		for _, needles := range sets {
			if got, want := newFoldSet(needles).containsAny(data), ContainsAnyFold(data, needles); got != want {
				t.Fatalf("needles %q data %q: foldSet %v, ContainsAnyFold %v", needles, data, got, want)
			}
		}
	}
}
