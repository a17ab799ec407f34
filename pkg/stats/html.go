package stats

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// The HTML report is one self-contained page: inline CSS and inline SVG,
// no script, no font, no image, no link to anything, so it opens offline
// and can be mailed as one file. Each action gets a histogram of the time
// to the first human reply (the same bins for every action, so they
// compare), a bar for the handoffs nobody answered, and the median and p90
// marked.

// ActionChart is one action's distribution.
type ActionChart struct {
	Action      string
	Count       int
	Answered    int
	NotAnswered int
	Unknown     int
	Median      string
	P90         string
	SVG         template.HTML
}

var nice = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour,
}

const maxBins = 12

// binWidth picks a round bin width giving at most maxBins bins up to max.
func binWidth(maxMS int64) time.Duration {
	for _, w := range nice {
		if maxMS/w.Milliseconds()+1 <= maxBins {
			return w
		}
	}
	return nice[len(nice)-1]
}

// Charts groups the report by action and draws each one.
func Charts(r Report) []ActionChart {
	by := map[string]*ActionChart{}
	waits := map[string][]int64{}
	var names []string
	var maxMS int64
	for _, g := range r.Groups {
		c := by[g.Action]
		if c == nil {
			c = &ActionChart{Action: g.Action}
			by[g.Action] = c
			names = append(names, g.Action)
		}
		c.Count += g.Count
		c.Answered += g.Answered
		c.NotAnswered += g.NotAnswered
		c.Unknown += g.Unknown
		waits[g.Action] = append(waits[g.Action], g.WaitsMS...)
		for _, w := range g.WaitsMS {
			if w > maxMS {
				maxMS = w
			}
		}
	}
	sort.Strings(names)
	width := binWidth(maxMS)
	nbins := int(maxMS/width.Milliseconds()) + 1
	out := make([]ActionChart, 0, len(names))
	for _, name := range names {
		c := by[name]
		ws := waits[name]
		sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
		c.Median, c.P90 = "—", "—"
		if len(ws) > 0 {
			c.Median, c.P90 = FormatMS(Median(ws)), FormatMS(Percentile(ws, 90))
		}
		c.SVG = histogram(ws, c.NotAnswered, width, nbins)
		out = append(out, *c)
	}
	return out
}

// histogram draws the bins of ws, then a bar of the unanswered.
func histogram(ws []int64, notAnswered int, width time.Duration, nbins int) template.HTML {
	counts := make([]int, nbins)
	for _, w := range ws {
		i := int(w / width.Milliseconds())
		if i >= nbins {
			i = nbins - 1
		}
		counts[i]++
	}
	top := notAnswered
	for _, n := range counts {
		if n > top {
			top = n
		}
	}
	if top == 0 {
		top = 1
	}
	const (
		W, H         = 720, 240
		left, right  = 40, 16
		topPad, base = 36, 190
		gap          = 4
	)
	slots := nbins + 2 // the bins, a gap, the unanswered bar
	slot := float64(W-left-right) / float64(slots)
	barH := func(n int) float64 { return float64(base-topPad) * float64(n) / float64(top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img">`, W, H, W, H)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, left, base, W-right, base)
	for _, n := range []int{0, top} {
		y := float64(base) - barH(n)
		fmt.Fprintf(&b, `<text class="tick" x="%d" y="%.1f" text-anchor="end">%d</text>`, left-6, y+4, n)
	}
	for i, n := range counts {
		x := float64(left) + float64(i)*slot
		h := barH(n)
		lo := time.Duration(i) * width
		label := FormatMS(lo.Milliseconds()) + "–" + FormatMS((lo + width).Milliseconds())
		if n > 0 {
			fmt.Fprintf(&b, `<rect class="bar answered" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
				x+gap/2, float64(base)-h, slot-gap, h, template.HTMLEscapeString(label), n)
			fmt.Fprintf(&b, `<text class="count" x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, x+slot/2, float64(base)-h-3, n)
		}
		if i%2 == 0 || nbins <= 6 {
			fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+slot/2, base+16, template.HTMLEscapeString(FormatMS(lo.Milliseconds())))
		}
	}
	x := float64(left) + float64(nbins+1)*slot
	if notAnswered > 0 {
		h := barH(notAnswered)
		fmt.Fprintf(&b, `<rect class="bar waiting" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>not answered: %d</title></rect>`,
			x+gap/2, float64(base)-h, slot-gap, h, notAnswered)
		fmt.Fprintf(&b, `<text class="count" x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, x+slot/2, float64(base)-h-3, notAnswered)
	}
	fmt.Fprintf(&b, `<text class="tick" x="%.1f" y="%d" text-anchor="middle">none yet</text>`, x+slot/2, base+16)
	if len(ws) > 0 {
		for i, m := range []struct {
			class string
			ms    int64
		}{{"median", Median(ws)}, {"p90", Percentile(ws, 90)}} {
			mx := float64(left) + float64(m.ms)/float64(width.Milliseconds())*slot
			ly := 11 + 12*i // the labels sit above the bars, one line each
			fmt.Fprintf(&b, `<line class="marker %s" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>`, m.class, mx, ly-9, mx, base)
			fmt.Fprintf(&b, `<text class="marker-label %s" x="%.1f" y="%d">%s %s</text>`, m.class, mx+4, ly, m.class, FormatMS(m.ms))
		}
	}
	fmt.Fprintf(&b, `<text class="axis-label" x="%d" y="%d">time to the first human reply (bins of %s)</text>`, left, H-8, FormatMS(width.Milliseconds()))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every value in it is a number or escaped
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms": func(p *int64) string {
		if p == nil {
			return "—"
		}
		return FormatMS(*p)
	},
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>handoff stats: time to a human</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 780px; color: #1d2330; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .3rem; }
.meta, .facts { color: #5a6275; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e3e6ee; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { display: block; max-width: 100%; height: auto; margin-top: .4rem; }
.bar.answered { fill: #2f7de1; }
.bar.waiting { fill: #c2c8d6; }
.axis { stroke: #8a93a6; stroke-width: 1; }
.tick, .axis-label, .count { font-size: 11px; fill: #5a6275; }
.marker { stroke-width: 2; stroke-dasharray: 4 3; }
.marker.median { stroke: #0b8a5f; }
.marker.p90 { stroke: #c0392b; }
.marker-label { font-size: 11px; }
.marker-label.median { fill: #0b8a5f; }
.marker-label.p90 { fill: #c0392b; }
.empty { color: #5a6275; font-style: italic; }
</style>
</head>
<body>
<h1>Time to a human</h1>
<p class="meta">Handoffs to a person (an operator or a team) from the audit log{{if .R.Since}} since {{when .R.Since.UTC}}{{end}}{{if .R.Action}}, action {{.R.Action}}{{end}}, and the first reply by a person in each conversation afterwards. Generated {{when .R.GeneratedAt}} by handoff stats.</p>
{{if not .R.Groups}}<p class="empty">No handoff to a person recorded{{if .R.Since}} in this period{{end}}.</p>{{else}}
<table>
<thead><tr><th>action</th><th>assignee</th><th class="n">handoffs</th><th class="n">answered</th><th class="n">not answered</th><th class="n">unknown</th><th class="n">median</th><th class="n">p90</th></tr></thead>
<tbody>
{{range .R.Groups}}<tr><td>{{.Action}}</td><td>{{.Assignee}}</td><td class="n">{{.Count}}</td><td class="n">{{.Answered}}</td><td class="n">{{.NotAnswered}}</td><td class="n">{{.Unknown}}</td><td class="n">{{ms .MedianMS}}</td><td class="n">{{ms .P90MS}}</td></tr>
{{end}}</tbody>
</table>
{{range .Charts}}<section class="action">
<h2>{{.Action}}</h2>
<p class="facts">{{.Count}} handoffs: {{.Answered}} answered, {{.NotAnswered}} not answered yet{{if .Unknown}}, {{.Unknown}} unknown{{end}}. Median {{.Median}}, p90 {{.P90}}.</p>
{{.SVG}}
</section>
{{end}}{{end}}
{{if .R.Skipped}}<p class="meta">Not counted: {{.R.Skipped}} {{if eq .R.Skipped 1}}handoff{{else}}handoffs{{end}} to a bot or chatbot, which no person answers.</p>{{end}}
</body>
</html>
`))

// WriteHTML writes the report page.
func WriteHTML(w io.Writer, r Report) error {
	var buf bytes.Buffer
	if err := page.Execute(&buf, struct {
		R      Report
		Charts []ActionChart
	}{r, Charts(r)}); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
