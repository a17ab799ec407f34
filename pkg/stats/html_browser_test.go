package stats

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium or Chrome binary (HANDOFF_CHROMIUM first).
func chromium() string {
	if p := os.Getenv("HANDOFF_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// sampleReport has two actions: one answered in seconds to a minute with
// two never answered, one answered in about a minute.
func sampleReport() Report {
	ms := func(v ...int64) []int64 { return v }
	g1 := Group{Action: "escalate-billing", Assignee: "the Billing team", Count: 9, Answered: 7, NotAnswered: 2,
		WaitsMS: ms(4_000, 9_000, 12_000, 18_000, 25_000, 41_000, 58_000)}
	g2 := Group{Action: "vip-account-manager", Assignee: "maria@acme.com", Count: 3, Answered: 3,
		WaitsMS: ms(50_000, 61_000, 75_000)}
	for _, g := range []*Group{&g1, &g2} {
		m, p := Median(g.WaitsMS), Percentile(g.WaitsMS, 90)
		g.MedianMS, g.P90MS = &m, &p
	}
	return Report{GeneratedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Groups: []Group{g1, g2}, Skipped: 1}
}

// TestReportChartsDrawInChromium opens the HTML report in real headless
// Chromium and checks that each action's chart is drawn: its bars have
// a size on the page, there is one bar per non-empty bin plus the
// unanswered one, the page fetched nothing, and the screenshot has the
// bars' colour in it. HANDOFF_SCREENSHOT=FILE keeps the screenshot.
func TestReportChartsDrawInChromium(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("chromium not installed (apt-get install chromium, or set HANDOFF_CHROMIUM): the HTML report is not checked in a browser")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // root in CI containers
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")), // a new, empty profile
		chromedp.WindowSize(900, 1400),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	type chart struct {
		Action string `json:"action"`
		Bars   int    `json:"bars"`  // rects with a non-zero box
		Zero   int    `json:"zero"`  // rects without
		Width  int    `json:"width"` // the svg's on-page size
		Height int    `json:"height"`
	}
	const js = `Array.from(document.querySelectorAll('section.action')).map(s => {
		const svg = s.querySelector('svg.chart');
		const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
		let bars = 0, zero = 0;
		if (svg) for (const b of svg.querySelectorAll('rect.bar')) {
			const bb = b.getBBox(), cr = b.getBoundingClientRect();
			if (bb.width > 0 && bb.height > 0 && cr.width > 0 && cr.height > 0) bars++; else zero++;
		}
		return {action: s.querySelector('h2').textContent, bars, zero, width: Math.round(r.width), height: Math.round(r.height)};
	})`
	u := url.URL{Scheme: "file", Path: page}
	if err := chromedp.Do(bctx, chromedp.Navigate(u.String()), chromedp.WaitReady(`section.action`)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	charts, err := chromedp.Run(bctx, chromedp.Evaluate[[]chart](js))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	resources, err := chromedp.Run(bctx, chromedp.Evaluate[int](`performance.getEntriesByType('resource').length`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	// Bins of 10s for waits up to 75s: billing has bars in 0-10s (2),
	// 10-20s (2), 20-30s, 40-50s, 50-60s, plus the unanswered bar: 6; vip
	// has 50-60s, 60-70s, 70-80s: 3.
	want := map[string]int{"escalate-billing": 6, "vip-account-manager": 3}
	if len(charts) != 2 {
		t.Fatalf("charts %+v, want one per action", charts)
	}
	for _, c := range charts {
		if c.Bars != want[c.Action] || c.Zero != 0 || c.Width < 300 || c.Height < 100 {
			t.Errorf("chart %+v: want %d drawn bars, none empty, a visible svg", c, want[c.Action])
		}
	}
	if resources != 0 {
		t.Errorf("the page fetched %d resources; it must be self-contained", resources)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	blue := 0 // .bar.answered is #2f7de1
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-0x2f) < 8 && abs(int(g>>8)-0x7d) < 8 && abs(int(bl>>8)-0xe1) < 8 {
				blue++
			}
		}
	}
	if blue < 2000 {
		t.Errorf("the screenshot has %d pixels of the bars' blue: the bars are not painted", blue)
	}
	if p := os.Getenv("HANDOFF_SCREENSHOT"); p != "" {
		if err := os.WriteFile(p, shot, 0o644); err != nil {
			t.Error(err)
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
