package browsertest

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
	"github.com/crewai-go/crewai/internal/viewer"
)

var (
	screenshot = flag.String("screenshot", "", "save a PNG of the viewer showing a trace to this file")
	shotDir    = flag.String("screenshot-dir", "", "traces folder whose newest trace the screenshot shows (default: the test fixture)")
)

const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`

// chromium returns the browser to drive, or skips (fails under CI) without one.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (install Debian's chromium package, or set CHROMIUM_PATH): %v", path, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

func browser(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1440, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

func TestViewerInChromium(t *testing.T) {
	dir := t.TempDir()
	id := tracefiletest.TraceID("browser")
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, start, tracefiletest.CrewOptions{Reply: evil})...); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(viewer.Handler(viewer.Options{Dir: dir}))
	defer srv.Close()

	ctx, cancel := browser(t)
	defer cancel()

	// The list page shows the trace.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`tr.trace-row`)),
	); err != nil {
		t.Fatal(err)
	}
	listText := run(t, ctx, chromedp.Text(chromedp.CSS(`table.list`)))
	if !strings.Contains(listText, "research_crew") || !strings.Contains(listText, id[:8]) || !strings.Contains(listText, "4,880") {
		t.Fatalf("list page: %q", listText)
	}

	// Clicking the row opens the trace: every span is listed.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`tr.trace-row`)),
		chromedp.WaitVisible(chromedp.CSS(`.span-row`)),
	); err != nil {
		t.Fatal(err)
	}
	names := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.span-row .name-col')).map(e => e.textContent.trim())`))
	tr, err := tracefile.ReadFile(dir + "/" + id + ".jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(tr.Spans) {
		t.Fatalf("page lists %d spans, trace has %d: %q", len(names), len(tr.Spans), names)
	}
	for i, s := range tr.Spans {
		if !strings.HasPrefix(names[i], s.Name) {
			t.Errorf("row %d: %q, want %q", i, names[i], s.Name)
		}
	}

	// Clicking a chat span shows its prompt, token counts and reply, as text.
	chat := fmt.Sprintf(`.span-row[data-span-id="%s"]`, tracefiletest.SpanID("chat2"))
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(chat)),
		chromedp.WaitVisible(chromedp.CSS(`#details .messages`)),
		chromedp.Sleep(200*time.Millisecond), // give an injected onerror handler its chance to run
	); err != nil {
		t.Fatal(err)
	}
	details := run(t, ctx, chromedp.Text(chromedp.CSS(`#details`)))
	pwned := run(t, ctx, chromedp.Evaluate[string](`typeof window.__pwned`))
	injected := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#app script, #app img').length`))
	for _, want := range []string{"Continue with the tool results", "You are Researcher.", "2,000", "1,024", "300", "2,300", "gpt-4o-mini-2024-07-18", evil,
		"ok (OTel status unset)"} {
		if !strings.Contains(details, want) {
			t.Errorf("details panel lacks %q:\n%s", want, details)
		}
	}
	if pwned != "undefined" || injected != 0 {
		t.Fatalf("the reply's markup ran or was inserted: typeof window.__pwned = %s, %d script/img elements", pwned, injected)
	}

	// A failed tool span shows its error message.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`.span-row[data-span-id="%s"]`, tracefiletest.SpanID("tool1")))),
		chromedp.WaitVisible(chromedp.CSS(`#details .error-box`)),
	); err != nil {
		t.Fatal(err)
	}
	toolDetails := run(t, ctx, chromedp.Text(chromedp.CSS(`#details`)))
	if !strings.Contains(toolDetails, "tool search: query must not be empty") || !strings.Contains(toolDetails, `"query": ""`) {
		t.Fatalf("tool details: %s", toolDetails)
	}

	if *screenshot != "" {
		takeScreenshot(t, ctx, srv.URL, dir)
	}
}

// takeScreenshot saves the viewer showing a trace with a chat span selected:
// the fixture's, or the newest trace of -screenshot-dir.
func takeScreenshot(t *testing.T, ctx context.Context, fixtureURL, fixtureDir string) {
	url, dir := fixtureURL, fixtureDir
	if *shotDir != "" {
		srv := httptest.NewServer(viewer.Handler(viewer.Options{Dir: *shotDir}))
		defer srv.Close()
		url, dir = srv.URL, *shotDir
	}
	sums, _, err := tracefile.List(dir, nil)
	if err != nil || len(sums) == 0 {
		t.Fatalf("no trace to show in %s: %v", dir, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url+"/#/trace/"+sums[0].ID),
		chromedp.WaitVisible(chromedp.CSS(`.span-row[data-op="chat"]`)),
		chromedp.Click(chromedp.CSS(`.span-row[data-op="chat"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#details .usage`)),
	); err != nil {
		t.Fatal(err)
	}
	png := run(t, ctx, chromedp.CaptureScreenshot())
	if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of trace %s saved to %s", sums[0].ID, *screenshot)
}

// run runs one action that returns a value, failing the test on error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
