package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/crewai-go/crewai/internal/viewer"
)

func (c *cli) tracesView(ctx context.Context, args []string) error {
	fs := c.newFlags("traces view", "[ID] [--dir D] [--addr 127.0.0.1:0] [--no-open]",
		"Serves the trace viewer on a loopback address and opens it in a browser: the list of traces, and for\n"+
			"one trace a waterfall timeline, span details (prompts, replies, tool calls, tokens, cost, errors),\n"+
			"totals per agent and per model, and a download as OTLP JSON. Stops on Ctrl-C.\n"+
			"The viewer listens on loopback only, answers only requests addressed to a loopback name, and only those\n"+
			"carrying the random token of the address it prints (other users of the machine cannot read the traces).")
	dir := fs.String("dir", "", "traces folder (default $CREWAI_TRACES_DIR or .crewai/traces)")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0: a free port)")
	noOpen := fs.Bool("no-open", false, "print the address without opening a browser")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("traces view: want at most one trace ID, got %d arguments", len(pos))
	}
	if err := checkDirFlag("traces view", *dir); err != nil {
		return err
	}
	listenAddr, err := viewer.CheckLoopbackAddr(*addr)
	if err != nil {
		return usagef("traces view: --addr: %v", err)
	}
	prices, err := c.prices()
	if err != nil {
		return err
	}
	d := c.tracesDir(*dir)
	fragment := ""
	if len(pos) == 1 {
		t, err := c.loadTrace(*dir, pos[0])
		if err != nil {
			return err
		}
		fragment = "#/trace/" + t.ID
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listenAddr)
	if err != nil {
		return fmt.Errorf("traces view: %w", err)
	}
	token := viewer.NewToken()
	srv := &http.Server{
		Handler:           viewer.Handler(viewer.Options{Dir: d, Prices: prices, Token: token}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	url := "http://" + ln.Addr().String() + "/?" + viewer.TokenQuery + "=" + token + fragment
	fmt.Fprintf(c.stdout, "Trace viewer for %s at %s (Ctrl-C to stop)\n", d, url)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	if !*noOpen && c.open != nil {
		// The browser is given a file (mode 0600) that redirects to the
		// address, not the address itself: a command line is visible to
		// every user of the machine, and the address carries the token.
		launch, err := launchFile(url)
		if err != nil {
			fmt.Fprintf(c.stderr, "crewai: could not open a browser (%v); open %s yourself\n", err, url)
		} else {
			defer os.Remove(launch)
			g.Go(func() error {
				if err := c.open(launch); err != nil {
					fmt.Fprintf(c.stderr, "crewai: could not open a browser (%v); open %s yourself\n", err, url)
				}
				return nil
			})
		}
	}
	return g.Wait()
}

// launchFile writes a page that redirects to url into a new file only its
// owner can read, and returns the file's path.
func launchFile(url string) (string, error) {
	f, err := os.CreateTemp("", "crewai-viewer-*.html")
	if err != nil {
		return "", err
	}
	page := "<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url=" +
		html.EscapeString(url) + "\"><title>crewai trace viewer</title><a href=\"" + html.EscapeString(url) +
		"\">Open the trace viewer</a>\n"
	_, err = f.WriteString(page)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// openBrowser opens url in the user's browser and waits for the opener
// command (not the browser) to finish.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	return cmd.Run()
}
