package detectors

import (
	"fmt"
	"io/fs"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sfleak/sfleak/detectors/fakecred"
)

// sharedFragments are pieces that exercise every per-candidate look-up: hosts (usable,
// documentation, example, cut by other host bytes), simple_salesforce domain= arguments,
// identity-provider and Salesforce markers, 3MVG runs (valid, short, placeholder, glued to
// a previous run), consumer secrets under secret names, and non-ASCII bytes.
var sharedFragments = []string{
	"https://acme.my.salesforce.com/services/oauth2/token", "ACME--UAT.sandbox.my.SALESFORCE.com",
	"login.salesforce.com", "developer.salesforce.com", "foo.example.my.salesforce.com",
	"x.force.com", ".force.com", "-a.b.salesforce.comx", "a.salesforce.com.", "zz.my.site.com",
	"domain='acme.my'", `domain = "beta.sandbox.my"`, "subdomain='no.my'", "Domain='case.my'",
	"salesforce", "SalesForce", "okta", "login.microsoftonline.com", "auth0", "keycloak",
	"sfdc", "3mvg", "connectedapp", "azure", "hubspot",
	"3MVG" + strings.Repeat("A", 30), "3MVG9" + strings.Repeat("x", 25), "3MVGshort",
	"3MVG" + strings.Repeat("b7", 20) + "3MVG" + strings.Repeat("c", 24), "x3MVG" + strings.Repeat("Q", 28),
	"3MVG.abc.def" + strings.Repeat("9", 20), "YOUR_3MVG_KEY",
	"\xc3\x84\xe9", "\xe2\x84\xaa", "\n", "\n", " ", "=", "'", `"`, ".", "-",
	"client_secret = '" + fakecred.ConsumerSecret("s1") + "'",
	"SF_CLIENT_SECRET=" + fakecred.ConsumerSecret("s2"),
	"consumerKey: " + fakecred.ConsumerKey("k1"),
	"password=" + "Hunter2Hunter2", "grant_type=password", "security_token=abcDEF123456",
}

func sharedBlob(r *rand.Rand, size int) []byte {
	var b strings.Builder
	for b.Len() < size {
		switch r.Intn(6) {
		case 0:
			b.WriteString(strings.Repeat("lorem ipsum dolor ", r.Intn(200)))
		case 1:
			b.WriteString(strings.Repeat("abc-def.", r.Intn(40)))
		default:
			b.WriteString(sharedFragments[r.Intn(len(sharedFragments))])
		}
	}
	return []byte(b.String())
}

// The shared position indexes answer exactly what the window searches answer, also for
// candidates whose windows cut a host, a marker or a key run.
func TestSharedLookupsMatchWindowSearches(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for n := 0; n < 12; n++ {
		size := []int{200, 5000, 40000, 90000}[n%4]
		data := sharedBlob(r, size)
		sh := newStShared("a.py", data, nil)
		offs := []int{0, len(data) - 1, len(data)}
		for i := 0; i < 150; i++ {
			offs = append(offs, r.Intn(len(data)+1))
		}
		// Offsets whose windows start or end on or next to a host suffix, a key run, a
		// domain= argument or a marker.
		var marks []int
		for _, w := range []string{"3MVG", ".com", "domain", "salesforce", "okta", "3mvg", "-a.b", "abc-def"} {
			for i := 0; ; {
				j := strings.Index(string(data[i:]), w)
				if j < 0 {
					break
				}
				marks = append(marks, i+j, i+j+len(w))
				i += j + 1
			}
		}
		r.Shuffle(len(marks), func(i, j int) { marks[i], marks[j] = marks[j], marks[i] })
		for _, x := range marks[:min(len(marks), 150)] {
			for _, rad := range []int{stIdpRadius, stHostRadius} {
				for _, dd := range []int{-2, -1, 0, 1, 2} {
					offs = append(offs, x+rad+dd, x-rad+dd)
				}
			}
		}
		for _, off := range offs {
			if off < 0 || off > len(data) {
				continue
			}
			if got, want := sh.otherIdPNear(off), OtherIdentityProviderNear(data, off); got != want {
				t.Fatalf("blob %d off %d: otherIdPNear %v, want %v", n, off, got, want)
			}
			if got, want := sh.findHost(off), FindSalesforceHost(data, off); got != want {
				t.Fatalf("blob %d off %d: findHost %q, want %q", n, off, got, want)
			}
			if got, want := sh.nearestKey(off), stNearestKey(data, off); got != want {
				t.Fatalf("blob %d off %d: nearestKey %q, want %q", n, off, got, want)
			}
		}
	}
}

// sharedCorpus is every ecosystem fixture, the benchmark inputs and random fragment blobs,
// each also with non-ASCII bytes in front (bytes.ToLower changes their length).
func sharedCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	root := filepath.Join("testdata", "ecosystems")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tmpl") {
			return err
		}
		name := strings.TrimSuffix(filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator))), ".tmpl")
		out[name] = loadFixture(t, name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("only %d fixtures", len(out))
	}
	out["src/app.py"] = realisticSource(256 << 10)
	out["config/.env"] = hitDenseSource(64 << 10)
	r := rand.New(rand.NewSource(11))
	for i := 0; i < 8; i++ {
		for _, ext := range []string{".py", ".yaml", ".xml", ".md"} {
			out[fmt.Sprintf("rand/%d%s", i, ext)] = sharedBlob(r, 3000+r.Intn(60000))
		}
	}
	for name, data := range out {
		if !strings.HasPrefix(name, "rand/") {
			out["nonascii/"+name] = append([]byte("# \xc3\x84rger \xe9t\xe9 \xe2\x84\xaa\n"), data...)
		}
	}
	return out
}

// The engine's shared structural analysis finds exactly what each detector's own Detect
// finds (the reference path), field for field.
func TestSharedStructuralMatchesReference(t *testing.T) {
	e := stTestEngine(t)
	ref := stTestEngine(t)
	ref.noShare = true
	for name, data := range sharedCorpus(t) {
		got, want := e.Scan(name, data), ref.Scan(name, data)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: shared path\n%+v\nreference\n%+v", name, got, want)
		}
		// And detector by detector, without the engine's merging.
		sh := newStShared(name, data, nil)
		for _, d := range e.structural {
			sd, ok := d.(sharedDetector)
			if !ok {
				continue
			}
			if g, w := sd.detectShared(sh), d.Detect(name, data); !reflect.DeepEqual(g, w) {
				t.Errorf("%s: %s shared\n%+v\nreference\n%+v", name, d.Name(), g, w)
			}
		}
	}
}

// Sparse blobs with one thing at a window's edge: the look-ups must see the window exactly as
// the window searches do (a marker or host cut by the window's end, a host whose name starts
// before the window, a domain= argument at the window's first byte, a key run cut by it).
func TestSharedLookupsAtWindowEdges(t *testing.T) {
	pad := func(n int) string { return strings.Repeat("lorem ", n/6+1)[:n] }
	blobs := []string{
		pad(9000) + "okta" + pad(9000),
		pad(9000) + "auth0" + pad(100) + "salesforce" + pad(9000),
		pad(20000) + "abcdefabcdef-ghi.my.salesforce.com" + pad(20000),
		pad(20000) + "acme.my.salesforce.com" + pad(20000),
		pad(20000) + "subdomain='no.my'" + pad(100) + "salesforce" + pad(20000),
		pad(20000) + " domain='yes.my' " + pad(30000) + "salesforce" + pad(20000),
		pad(20000) + "3MVG" + strings.Repeat("Ab1", 12) + pad(20000),
		pad(20000) + "z3MVG" + strings.Repeat("Ab1", 12) + "3MVG" + strings.Repeat("Cd2", 12) + pad(20000),
	}
	for n, s := range blobs {
		data := []byte(s)
		sh := newStShared("a.py", data, nil)
		var marks []int
		for i, c := range data {
			if c != 'l' && c != 'o' && c != 'r' && c != 'e' && c != 'm' && c != ' ' {
				marks = append(marks, i)
			}
		}
		for _, x := range marks {
			for _, rad := range []int{stIdpRadius, stHostRadius} {
				for _, dd := range []int{-1, 0, 1} {
					for _, off := range []int{x + rad + dd, x - rad + dd} {
						if off < 0 || off > len(data) {
							continue
						}
						if got, want := sh.otherIdPNear(off), OtherIdentityProviderNear(data, off); got != want {
							t.Fatalf("blob %d off %d: otherIdPNear %v, want %v", n, off, got, want)
						}
						if got, want := sh.findHost(off), FindSalesforceHost(data, off); got != want {
							t.Fatalf("blob %d off %d: findHost %q, want %q", n, off, got, want)
						}
						if got, want := sh.nearestKey(off), stNearestKey(data, off); got != want {
							t.Fatalf("blob %d off %d: nearestKey %q, want %q", n, off, got, want)
						}
					}
				}
			}
		}
	}
}
