package supervisorui

import (
	"net/http"
	"strconv"
	"time"

	"safecontact/gateway/console"
)

// The dashboard: four charts drawn as SVG on the server (no script), each
// followed by the same figures as a table for screen readers and for
// reading exact numbers. Colours are SVG attributes (the CSP allows no
// inline style) with at least 3:1 contrast against the white background.

// The chart geometry, in SVG user units.
const (
	chartW     = 720
	chartH     = 240
	chartTop   = 16
	chartLeft  = 44
	chartBase  = 200 // the x axis
	barRowH    = 26
	barLabelW  = 220
	barMaxW    = 420
	chartTicks = 4
)

// channelColours are the per-channel fills (blue, green, purple).
var channelColours = map[string]string{"sms": "#1f5fbf", "whatsapp": "#1a7f37", "voice": "#7b3fa6"}

var dashboardChannels = []string{"sms", "whatsapp", "voice"}

type svgRect struct {
	X, Y, W, H int
	Fill       string
	Title      string
}

type svgText struct {
	X, Y   int
	Anchor string
	Text   string
}

// dayChart is the messages-per-channel-per-day chart: one stacked column
// a day.
type dayChart struct {
	Rects  []svgRect
	Labels []svgText
	Ticks  []svgText
	Lines  []int // the y of each tick's grid line
	Legend []legendItem
	Rows   []dayRow // the table
	Total  int64
}

type legendItem struct {
	Label, Fill string
}

type dayRow struct {
	Day    string
	Counts []int64 // by dashboardChannels
	Total  int64
}

// barChart is a horizontal bar chart: one row a key.
type barChart struct {
	Height int
	Bars   []bar
}

type bar struct {
	Label  string
	N      int64
	Text   string // N, and the share when it has one
	Y, W   int
	TextX  int
	Fill   string
	LabelY int
}

// ageChart is the open call-backs and escalations chart: two bars an age.
type ageChart struct {
	Rects  []svgRect
	Labels []svgText
	Ticks  []svgText
	Lines  []int
	Legend []legendItem
	Rows   []ageRow
}

type ageRow struct {
	Age                    string
	Callbacks, Escalations int64
}

type dashboardData struct {
	From, To  string
	Days      dayChart
	Outcomes  barChart
	Refusals  barChart
	Open      ageChart
	Delivered string // the delivery rate in words
	Failed    string
}

// niceMax rounds a chart's top up so the ticks are round numbers.
func niceMax(n int64) int64 {
	if n <= chartTicks {
		return chartTicks
	}
	step := int64(1)
	for (n+chartTicks-1)/chartTicks > step*10 {
		step *= 10
	}
	per := (n + chartTicks - 1) / chartTicks
	per = (per + step - 1) / step * step
	return per * chartTicks
}

func yTicks(top int64) ([]svgText, []int) {
	var ticks []svgText
	var lines []int
	for i := 0; i <= chartTicks; i++ {
		v := top * int64(i) / chartTicks
		y := chartBase - int(int64(chartBase-chartTop)*int64(i)/chartTicks)
		ticks = append(ticks, svgText{X: chartLeft - 6, Y: y + 4, Anchor: "end", Text: strconv.FormatInt(v, 10)})
		lines = append(lines, y)
	}
	return ticks, lines
}

func (p *Pages) channelName(L *console.Localizer, ch string) string {
	switch ch {
	case "sms":
		return L.T("supervisor.channel_sms")
	case "whatsapp":
		return L.T("supervisor.channel_whatsapp")
	case "voice":
		return L.T("supervisor.channel_voice")
	}
	return ch
}

func (p *Pages) buildDayChart(L *console.Localizer, st DashboardStats) dayChart {
	var ch dayChart
	idx := map[string]int{}
	for i, d := range st.Days {
		idx[d.Format("2006-01-02")] = i
		ch.Rows = append(ch.Rows, dayRow{Day: L.Date(d), Counts: make([]int64, len(dashboardChannels))})
	}
	for _, dc := range st.PerDay {
		i, ok := idx[dc.Day.Format("2006-01-02")]
		if !ok {
			continue
		}
		for j, name := range dashboardChannels {
			if name == dc.Channel {
				ch.Rows[i].Counts[j] += dc.N
				ch.Rows[i].Total += dc.N
				ch.Total += dc.N
			}
		}
	}
	var most int64
	for _, r := range ch.Rows {
		most = max(most, r.Total)
	}
	top := niceMax(most)
	ch.Ticks, ch.Lines = yTicks(top)
	n := max(len(ch.Rows), 1)
	slot := (chartW - chartLeft - 8) / n
	barW := slot * 2 / 3
	for i, r := range ch.Rows {
		x := chartLeft + i*slot + (slot-barW)/2
		y := chartBase
		for j, name := range dashboardChannels {
			if r.Counts[j] == 0 {
				continue
			}
			h := int(int64(chartBase-chartTop) * r.Counts[j] / top)
			h = max(h, 1)
			y -= h
			ch.Rects = append(ch.Rects, svgRect{X: x, Y: y, W: barW, H: h, Fill: channelColours[name],
				Title: r.Day + ": " + p.channelName(L, name) + " " + strconv.FormatInt(r.Counts[j], 10)})
		}
		d := st.Days[i]
		if i%2 == len(ch.Rows)%2 || len(ch.Rows) <= 7 {
			ch.Labels = append(ch.Labels, svgText{X: x + barW/2, Y: chartBase + 16, Anchor: "middle",
				Text: strconv.Itoa(d.Day()) + " " + L.List("date.months", int(d.Month())-1)})
		}
	}
	for _, name := range dashboardChannels {
		ch.Legend = append(ch.Legend, legendItem{Label: p.channelName(L, name), Fill: channelColours[name]})
	}
	return ch
}

// statusGroup puts a message status in one of the outcome chart's rows.
func statusGroup(s string) int {
	switch s {
	case "delivered", "read":
		return 0
	case "sent_to_sink":
		return 1
	case "sent":
		return 2
	case "failed", "undelivered":
		return 3
	case "dropped_consent_revoked", "dropped_now_monitored", "dropped_call_refused", "canceled":
		return 4
	case "unknown":
		return 5
	}
	return 6 // scheduled, queued, sending: not out yet
}

func (p *Pages) buildOutcomes(L *console.Localizer, st DashboardStats) (barChart, string, string) {
	names := []string{
		L.T("supervisor.outcome_delivered"), L.T("supervisor.outcome_sink"), L.T("supervisor.outcome_sent"),
		L.T("supervisor.outcome_failed"), L.T("supervisor.outcome_dropped"), L.T("supervisor.outcome_unknown"),
		L.T("supervisor.outcome_waiting"),
	}
	fills := []string{"#1a7f37", "#5c6b7a", "#1f5fbf", "#b42318", "#9a5b00", "#7b3fa6", "#5c6b7a"}
	counts := make([]int64, len(names))
	var total int64
	for _, s := range st.Statuses {
		counts[statusGroup(s.Key)] += s.N
		total += s.N
	}
	var keys []Count
	for i, n := range names {
		keys = append(keys, Count{Key: n, N: counts[i]})
	}
	ch := bars(keys, total, fills)
	pct := func(n int64) string {
		if total == 0 {
			return "0"
		}
		return strconv.FormatFloat(float64(n)*100/float64(total), 'f', 1, 64)
	}
	return ch, L.T("supervisor.rate_delivered", "pct", pct(counts[0]+counts[1]), "count", int(total)), L.T("supervisor.rate_failed", "pct", pct(counts[3]))
}

// bars lays out a horizontal bar chart of counts (a share of total when
// total > 0), fills by row (the last one repeats).
func bars(counts []Count, total int64, fills []string) barChart {
	var most int64
	for _, k := range counts {
		most = max(most, k.N)
	}
	ch := barChart{Height: max(len(counts), 1)*barRowH + 8}
	for i, k := range counts {
		w := 0
		if most > 0 {
			w = int(int64(barMaxW) * k.N / most)
		}
		if k.N > 0 {
			w = max(w, 2)
		}
		text := strconv.FormatInt(k.N, 10)
		if total > 0 {
			text += " (" + strconv.FormatFloat(float64(k.N)*100/float64(total), 'f', 1, 64) + " %)"
		}
		y := 4 + i*barRowH
		ch.Bars = append(ch.Bars, bar{Label: k.Key, N: k.N, Text: text, Y: y, W: w, TextX: barLabelW + w + 6,
			Fill: fills[min(i, len(fills)-1)], LabelY: y + barRowH/2 + 1})
	}
	return ch
}

func (p *Pages) buildAges(L *console.Localizer, st DashboardStats) ageChart {
	ages := []string{L.T("supervisor.age_hour"), L.T("supervisor.age_4h"), L.T("supervisor.age_day"), L.T("supervisor.age_week"), L.T("supervisor.age_older")}
	var ch ageChart
	var most int64
	for i, a := range ages {
		ch.Rows = append(ch.Rows, ageRow{Age: a, Callbacks: st.Callbacks[i], Escalations: st.Escalations[i]})
		most = max(most, st.Callbacks[i], st.Escalations[i])
	}
	top := niceMax(most)
	ch.Ticks, ch.Lines = yTicks(top)
	slot := (chartW - chartLeft - 8) / len(ages)
	barW := slot / 3
	cb, es := L.T("supervisor.open_callbacks"), L.T("supervisor.open_escalations")
	for i, r := range ch.Rows {
		x := chartLeft + i*slot + (slot-2*barW)/2
		for j, n := range []int64{r.Callbacks, r.Escalations} {
			if n == 0 {
				continue
			}
			h := max(int(int64(chartBase-chartTop)*n/top), 1)
			fill, what := "#1f5fbf", cb
			if j == 1 {
				fill, what = "#b42318", es
			}
			ch.Rects = append(ch.Rects, svgRect{X: x + j*barW, Y: chartBase - h, W: barW - 2, H: h, Fill: fill,
				Title: r.Age + ": " + what + " " + strconv.FormatInt(n, 10)})
		}
		ch.Labels = append(ch.Labels, svgText{X: x + barW, Y: chartBase + 16, Anchor: "middle", Text: r.Age})
	}
	ch.Legend = []legendItem{{Label: cb, Fill: "#1f5fbf"}, {Label: es, Fill: "#b42318"}}
	return ch
}

func (p *Pages) dashboardPage(w http.ResponseWriter, r *http.Request) {
	L := console.LocalizerOf(r)
	st, err := p.oversight.Stats.Dashboard(r.Context(), p.con.ActorOf(r), console.ZoneOf(L), dashboardDays)
	if err != nil {
		p.supFail(w, r, err)
		return
	}
	d := dashboardData{Days: p.buildDayChart(L, st), Open: p.buildAges(L, st)}
	if len(st.Days) > 0 {
		d.From, d.To = L.Date(st.Days[0]), L.Date(st.Days[len(st.Days)-1])
	}
	d.Outcomes, d.Delivered, d.Failed = p.buildOutcomes(L, st)
	var refusals []Count
	var total int64
	for _, k := range st.Refusals {
		key := k.Key
		if key == "" {
			key = "?"
		}
		refusals = append(refusals, Count{Key: key, N: k.N})
		total += k.N
	}
	d.Refusals = bars(refusals, total, []string{"#9a5b00"})
	p.con.RenderView(w, r, http.StatusOK, "supervisor_dashboard", &console.View{Data: d})
}

// dayStart is midnight of t's day in zone.
func dayStart(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, zone)
}

// DashboardDays are the last n days in zone up to now's, oldest first
// (midnights in zone), for a Stats implementation.
func DashboardDays(now time.Time, zone *time.Location, n int) []time.Time {
	today := dayStart(now, zone)
	days := make([]time.Time, 0, n)
	for i := n - 1; i >= 0; i-- {
		days = append(days, today.AddDate(0, 0, -i))
	}
	return days
}
