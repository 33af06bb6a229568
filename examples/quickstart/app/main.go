// Command app is the quickstart's service: the smallest program a
// cluster can deliver. It listens on 127.0.0.1:$PORT, which the platform
// chooses for each instance, and answers
//
//   - GET / with its version: -version, or else $TACK_VERSION, which the
//     local platform sets from the server group's version;
//   - GET /healthz with 200 "ok", or with 500 when -unhealthy is given or
//     $QUICKSTART_UNHEALTHY is true (1, t, true…): a broken release, for
//     the health gate to catch.
//
// On SIGTERM or Ctrl-C it stops accepting connections and lets requests
// in flight finish (for up to 5 seconds) before it exits, as the platform
// expects when it drains a server group.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("app: ")
	version := flag.String("version", os.Getenv("TACK_VERSION"), "the version that / answers with")
	envUnhealthy, _ := strconv.ParseBool(os.Getenv("QUICKSTART_UNHEALTHY"))
	unhealthy := flag.Bool("unhealthy", envUnhealthy, "answer /healthz with 500")
	flag.Parse()
	port := os.Getenv("PORT")
	if port == "" {
		log.Fatal("$PORT is not set: the platform gives each instance the port to listen on")
	}
	if *version == "" {
		*version = "unknown"
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, *version)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if *unhealthy {
			http.Error(w, "unhealthy on purpose", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	})

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			log.Printf("stopping: %v", err)
		}
	}()
	log.Printf("%s listening on %s (healthy: %t)", *version, ln.Addr(), !*unhealthy)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-done
	log.Printf("%s stopped", *version)
}
