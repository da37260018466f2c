package viewer_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/crewai-go/crewai/internal/viewer"
)

func ExampleIsLoopbackHost() {
	for _, h := range []string{"localhost:8080", "127.0.0.1", "[::1]:9000", "evil.example.com", "192.168.1.10:80"} {
		fmt.Println(h, viewer.IsLoopbackHost(h))
	}
	// Output:
	// localhost:8080 true
	// 127.0.0.1 true
	// [::1]:9000 true
	// evil.example.com false
	// 192.168.1.10:80 false
}

func ExampleHandler() {
	h := viewer.Handler(viewer.Options{Dir: "no-traces-here"})
	r := httptest.NewRequest(http.MethodGet, "/api/traces", nil)
	r.Host = "127.0.0.1:8080"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())

	r.Host = "rebound.example.com" // a DNS-rebinding attempt
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// 200 {"traces":[],"skipped":[]}
	//
	// 403
}
