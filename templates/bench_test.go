package templates

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
)

// mixedText builds ~n bytes of mixed-language messages: every corpus
// message (sensitive and benign, seven languages) and every golden
// rendering, repeated.
func mixedText(n int) string {
	var parts []string
	for _, l := range ShippedLanguages {
		for _, s := range corpus[l].sensitive {
			parts = append(parts, s.text)
		}
		parts = append(parts, corpus[l].benign...)
	}
	c, _ := Builtin()
	for _, br := range allBodyRenderings(c) {
		r, err := c.Render(RenderRequest{TemplateID: br.id, Lang: br.lang, Variant: br.variant, Channel: br.channel,
			Params: goldenParams(c.tmpl[br.id], br.lang), TimeZone: goldenSample[br.lang].tz})
		if err == nil {
			parts = append(parts, r.Text)
		}
	}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(parts[i%len(parts)])
		sb.WriteString("\n")
	}
	return sb.String()
}

// syntheticTerms makes n made-up terms (names, phrases, stems) that a
// deployment might add: pseudo-words from a fixed seed.
func syntheticTerms(n int) []Term {
	r := rand.New(rand.NewPCG(42, 4242))
	syl := []string{"ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "zo", "ar", "el", "is", "on", "ur", "qu"}
	word := func() string {
		k := 2 + r.IntN(4)
		var sb strings.Builder
		for i := 0; i < k; i++ {
			sb.WriteString(syl[r.IntN(len(syl))])
		}
		return sb.String()
	}
	out := make([]Term, n)
	seen := map[string]bool{}
	for i := range out {
		w := word()
		for seen[w] {
			w = word()
		}
		seen[w] = true
		switch i % 4 {
		case 1:
			w += " " + word()
		case 2:
			w += "*"
		case 3:
			w = strings.ToUpper(w[:1]) + w[1:] + " de " + word()
		}
		out[i] = Term{Category: Categories[i%5], Text: w}
	}
	return out
}

// cpuSeconds is the CPU time of the whole process (user + system, GC
// workers included). On a shared machine wall time also counts the time
// other processes held the core; cpu-MB/s counts only our own work.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// benchScan scans text b.N times and reports cpu-MB/s beside MB/s.
func benchScan(b *testing.B, f *Filter, text string, o ScanOptions) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		f.ScanWith(text, o)
	}
	if c := cpuSeconds() - c0; c > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/c/1e6, "cpu-MB/s")
	}
}

// BenchmarkScan: the full built-in lexicon, stemmed, on mixed-language
// text, as meeting points and template parameters are scanned (no
// language: every language's stems).
func BenchmarkScan(b *testing.B) {
	benchScan(b, mustFilter(b), mixedText(64<<10), ScanOptions{})
}

// BenchmarkScanMonitored: as free text to a monitored phone is scanned:
// her language's stems, unknown names on.
func BenchmarkScanMonitored(b *testing.B) {
	benchScan(b, mustFilter(b), mixedText(64<<10), ScanOptions{Lang: "es", UnknownNames: true})
}

// BenchmarkScanPlain: as free text to a monitored phone is scanned under
// the plain policy: BenchmarkScanMonitored's text with the vocabulary and
// the risky phrases of her language (phrases=only: the risky phrases
// without the vocabulary).
func BenchmarkScanPlain(b *testing.B) {
	f, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		b.Fatal(err)
	}
	text := mixedText(64 << 10)
	b.Run("phrases=vocabulary", func(b *testing.B) {
		benchScan(b, f, text, ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true, Plain: true})
	})
	b.Run("phrases=only", func(b *testing.B) {
		benchScan(b, f, text, ScanOptions{Lang: "es", UnknownNames: true, Plain: true})
	})
}

// BenchmarkScanVocabulary: as free text to a monitored phone is scanned
// under the vocabulary policy: BenchmarkScanMonitored plus a look-up of
// every word in her language's vocabulary (by stem for the words not
// listed as written; the stems are cached per filter).
func BenchmarkScanVocabulary(b *testing.B) {
	f, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		b.Fatal(err)
	}
	o := ScanOptions{Lang: "es", UnknownNames: true, Vocabulary: true, KnownNames: []string{"Metro Sol"}}
	// mixed: the seven languages scanned as Spanish, most words not in
	// the vocabulary (the worst case: a finding for most words).
	b.Run("text=mixed", func(b *testing.B) { benchScan(b, f, mixedText(64<<10), o) })
	// es: the Spanish benign messages, as staff write to her.
	var sb strings.Builder
	for i := 0; sb.Len() < 64<<10; i++ {
		sb.WriteString(corpus["es"].benign[i%len(corpus["es"].benign)])
		sb.WriteString("\n")
	}
	b.Run("text=es", func(b *testing.B) { benchScan(b, f, sb.String(), o) })
}

// BenchmarkScanLexiconSize shows the cost per byte does not grow with the
// number of lexicon terms: a word costs at most one hash probe per byte (tokindex.go),
// and the stemmer runs only on words that begin with a lexicon stem. The
// deployment terms are stemmed in every language, like a terms file.
// lang=es is the gateway's free-text path for a monitored phone (her
// language, unknown names on); lang=any is meeting points and parameters.
func BenchmarkScanLexiconSize(b *testing.B) {
	text := mixedText(64 << 10)
	for _, n := range []int{1000, 20000} {
		f, err := NewFilterWithTerms(syntheticTerms(n))
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range []ScanOptions{{Lang: "es", UnknownNames: true}, {}} {
			name := o.Lang
			if name == "" {
				name = "any"
			}
			b.Run(fmt.Sprintf("extra=%d/lang=%s", n, name), func(b *testing.B) {
				benchScan(b, f, text, o)
				b.ReportMetric(float64(f.ac.states()), "dfa-states")
				b.ReportMetric(float64(len(f.tok.heads)), "heads")
				b.ReportMetric(float64(f.Terms()), "terms")
			})
		}
	}
}

// BenchmarkScanColdStems: the same, with the stem cache emptied before
// every scan, so every candidate word is stemmed again (the worst case:
// text whose words were never seen).
func BenchmarkScanColdStems(b *testing.B) {
	text := mixedText(64 << 10)
	f := mustFilter(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.cache.reset()
		f.ScanWith(text, ScanOptions{Lang: "es", UnknownNames: true})
	}
}

func BenchmarkStrip(b *testing.B) {
	text := mixedText(64 << 10)
	f := mustFilter(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.Strip(text)
	}
}

// One SMS-sized message, the common case in the gateway.
func BenchmarkScanMessage(b *testing.B) {
	text := "Hola, te recuerdo que quedamos el martes 3 de junio, 10:00, en Metro Sol. ¡Hasta pronto!"
	f := mustFilter(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.Scan(text)
	}
}

func BenchmarkRender(b *testing.B) {
	c := mustBuiltin(b)
	req := RenderRequest{TemplateID: "appointment_reminder", Lang: "es", Variant: Discreet, Channel: "sms",
		Params: map[string]string{"when": "2025-06-03T08:00:00Z", "place": "Metro Sol"}, TimeZone: "Europe/Madrid"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Render(req); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSyntheticTermsBuild(t *testing.T) {
	f, err := NewFilterWithTerms(syntheticTerms(10000))
	if err != nil {
		t.Fatal(err)
	}
	ts := syntheticTerms(10000)
	// Every synthetic term is found in a sentence.
	for _, term := range ts[:200] {
		w := strings.TrimSuffix(term.Text, "*")
		fs := f.Scan("hola " + w + " adiós")
		if len(fs) != 1 || fs[0].Match != w { // (another stem may claim it first)
			t.Fatalf("term %q: %+v", term.Text, fs)
		}
	}
}

// BenchmarkScanLexiconSizeNoMatch isolates the cost of the lexicon's size
// from the cost of what it finds: the extra terms are pseudo-words that
// never occur in the text (they begin with "qx"), so 1k and 20k terms
// find the same spans and only the lookups differ.
func BenchmarkScanLexiconSizeNoMatch(b *testing.B) {
	text := mixedText(64 << 10)
	for _, n := range []int{1000, 20000} {
		ts := syntheticTerms(n)
		for i := range ts {
			ts[i].Text = "qx" + strings.ToLower(ts[i].Text)
		}
		f, err := NewFilterWithTerms(ts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("extra=%d/lang=es", n), func(b *testing.B) {
			benchScan(b, f, text, ScanOptions{Lang: "es", UnknownNames: true})
		})
	}
}

// BenchmarkScanAutomatonLexicon: the same scans with the lexicon keys in
// the automaton instead of the token index (glued words are then not
// found), to separate the cost of the lookup from the rest of the scan.
func BenchmarkScanAutomatonLexicon(b *testing.B) {
	text := mixedText(64 << 10)
	for _, n := range []int{0, 1000, 20000} {
		for _, byToken := range []bool{true, false} {
			lexiconByToken = byToken
			f, err := newFilter(syntheticTerms(n), nil)
			lexiconByToken = true
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("extra=%d/token=%v", n, byToken), func(b *testing.B) {
				benchScan(b, f, text, ScanOptions{Lang: "es", UnknownNames: true})
				b.ReportMetric(float64(f.ac.states()), "dfa-states")
			})
		}
	}
}
