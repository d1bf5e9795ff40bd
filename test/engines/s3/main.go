// The S3-compatible server the tests run against (test/engines/s3.ts builds and starts it): gofakes3 on
// its in-memory backend, on 127.0.0.1 and the port given as the first argument (0: any free one), which it
// prints as "listening 127.0.0.1:PORT". It stops when its standard input closes (as the test runner's
// teardown does, or the runner dying), so it never outlives a run.
//
// One addition to gofakes3: real S3 keeps an object's Cache-Control and answers it on GET and HEAD;
// gofakes3 drops it. The wrapper below keeps it as metadata and gives it back, so the tests can check what
// Quire asks the store to tell browsers and CDNs.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

const keptCacheControl = "X-Amz-Meta-Quire-Cache-Control"

type restoreCacheControl struct {
	http.ResponseWriter
	started bool
}

func (w *restoreCacheControl) WriteHeader(status int) {
	if w.started {
		return
	}
	w.started = true
	if kept := w.Header().Get(keptCacheControl); kept != "" {
		w.Header().Set("Cache-Control", kept)
		w.Header().Del(keptCacheControl)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *restoreCacheControl) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func main() {
	port := "0"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	faker := gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(true))
	handler := faker.Server()
	listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", listener.Addr().String())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	err = http.Serve(listener, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if value := r.Header.Get("Cache-Control"); value != "" && (r.Method == http.MethodPut || r.Method == http.MethodPost) {
			r.Header.Set(keptCacheControl, value)
		}
		out := &restoreCacheControl{ResponseWriter: w}
		handler.ServeHTTP(out, r)
		// A handler that wrote nothing (HEAD) still answers 200 with its headers: mapped here.
		out.WriteHeader(http.StatusOK)
	}))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
