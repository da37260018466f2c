// Package browsertest drives the trace viewer in headless Chromium (through
// chromedp) to check what unit tests of the HTTP handlers cannot: that the
// page lists a trace's spans, that clicking an LLM span shows its prompt and
// token counts, and that a model reply containing markup is shown as text and
// never runs. It is its own module so that chromedp stays out of the
// library's go.mod.
//
// Run it from this folder:
//
//	go test ./...
//
// It needs Debian's chromium (/usr/bin/chromium, or $CHROMIUM_PATH); without
// it the test is skipped, unless $CI is set, where it fails. With
// -screenshot FILE it also saves a PNG of the viewer showing the trace (the
// project's docs/viewer.png is made this way).
package browsertest
