// Command app is the local platform's test application: a tiny HTTP
// server on $PORT that answers / with its version, /healthz with 200
// (500 when UNHEALTHY is set), /slow?ms=N after N milliseconds (saying so on stdout first),
// /status?code=N with that status, and /env with the variables the
// platform gave it. ROOT_STATUS=N makes / answer with status N (still
// naming its version) while /healthz passes: a version that fails its
// users but not its health checks, as only a canary analysis can tell;
// ROOT_DELAY=D (a duration) makes / answer D later: a version slower
// for its users, as only a canary's latency analysis can tell.
// It stops gracefully on SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	version := flag.String("version", os.Getenv("TACK_VERSION"), "the version / answers with")
	flag.Parse()
	unhealthy := os.Getenv("UNHEALTHY") != ""
	rootStatus, err := strconv.Atoi(os.Getenv("ROOT_STATUS"))
	if err != nil {
		rootStatus = http.StatusOK
	}
	rootDelay, _ := time.ParseDuration(os.Getenv("ROOT_DELAY"))

	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(rootDelay)
		w.WriteHeader(rootStatus)
		fmt.Fprintln(w, *version)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if unhealthy {
			http.Error(w, "unhealthy on purpose", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		// Tests wait for this line to know the request is in flight.
		fmt.Printf("slow request %s started\n", r.URL.Query().Get("id"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Fprintln(w, *version)
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.URL.Query().Get("code"))
		if err != nil {
			code = http.StatusOK
		}
		w.WriteHeader(code)
		fmt.Fprintln(w, *version)
	})
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		for _, name := range []string{"PORT", "TACK_SERVER_GROUP", "TACK_CLUSTER", "TACK_VERSION", "TACK_INSTANCE_ID", "GREETING"} {
			fmt.Fprintf(w, "%s=%s\n", name, os.Getenv(name))
		}
	})

	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Printf("app %s listening on %s\n", *version, srv.Addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "app:", err)
		os.Exit(1)
	}
	fmt.Println("app stopped")
}
