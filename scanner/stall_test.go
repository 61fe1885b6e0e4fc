package scanner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A clone URL whose server accepts the request and then says nothing fails the scan with an
// error naming the URL, instead of hanging it.
func TestScanOfAStalledCloneURLFails(t *testing.T) {
	t.Cleanup(SetStallTimeout(200 * time.Millisecond))
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // say nothing until the client gives up or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	done := make(chan error, 1)
	url := srv.URL + "/acme/billing.git"
	go func() {
		_, err := Scan(context.Background(), url, markerMatcher{}, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "acme/billing") {
			t.Errorf("err = %v, want a clone error naming the URL", err)
		}
	case <-time.After(time.Minute): // a hang guard, not a speed check
		t.Fatal("the scan of a stalled clone URL did not end")
	}
}
