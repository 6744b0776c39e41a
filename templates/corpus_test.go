package templates

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The evaluation corpus (testdata/corpus, see its README): staff-style
// messages labelled with what must go and what must stay.

type corpusItem struct {
	text string
	cat  Category
}

type corpusMsg struct {
	lang, file, pos string
	heldout         bool
	text            string
	remove          []corpusItem
	stay            []string
	points          []string
}

// corpusDir: -corpus DIR (or DISCREET_CORPUS_DIR) scores the files of
// another directory, in the same format, instead of testdata/corpus: a
// blind set is scored where it lies, never copied in.
var corpusDir = flag.String("corpus", "", "score the corpus files (LANG.*.txt) of this directory instead of testdata/corpus")

// isHeldout: a file named LANG.heldout*.txt is a held-out part: scored
// as a whole, its items never printed.
func isHeldout(name string) bool {
	ok, _ := filepath.Match("*.heldout*.txt", name)
	return ok
}

// loadCorpusDir reads every LANG.*.txt file of dir. The format is strict:
// any line it cannot read is an error naming the file and line.
func loadCorpusDir(dir string) ([]corpusMsg, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no corpus files (LANG.NAME.txt)", dir)
	}
	sort.Strings(files)
	var out []corpusMsg
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		msgs, err := parseCorpusFile(filepath.Base(file), data)
		if err != nil {
			return nil, err
		}
		out = append(out, msgs...)
	}
	return out, nil
}

// parseCorpusFile reads one corpus file (format: testdata/corpus/README.md).
// name is LANG.PART.txt, LANG one of the shipped languages.
func parseCorpusFile(name string, data []byte) ([]corpusMsg, error) {
	lang, _, ok := strings.Cut(name, ".")
	if !ok || !slices.Contains(ShippedLanguages, lang) || !strings.HasSuffix(name, ".txt") || strings.Count(name, ".") < 2 {
		return nil, fmt.Errorf("%s: want a file named LANG.PART.txt, LANG one of %v", name, ShippedLanguages)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%s: not UTF-8", name)
	}
	heldout := isHeldout(name)
	var out []corpusMsg
	var points []string
	var cur *corpusMsg
	for ln, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		pos := fmt.Sprintf("%s:%d", name, ln+1)
		line = strings.TrimRight(line, " \t")
		errf := func(format string, a ...any) ([]corpusMsg, error) {
			return nil, fmt.Errorf(pos+": "+format, a...)
		}
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "points:"):
			if cur != nil || points != nil {
				return errf("\"points:\" must come once, before the first message")
			}
			points = []string{}
			for _, p := range strings.Split(strings.TrimPrefix(line, "points:"), ",") {
				if p = strings.TrimSpace(p); p == "" {
					return errf("empty meeting point in \"points:\"")
				}
				points = append(points, p)
			}
		case line == "-" || line == "+" || line == ">":
			return errf("empty item or message")
		case strings.HasPrefix(line, "> "):
			if cur != nil && len(cur.remove)+len(cur.stay) == 0 {
				return errf("the message before this one has no items (\"- text | category\" or \"+ text\")")
			}
			txt := strings.TrimSpace(line[2:])
			if txt == "" {
				return errf("empty message")
			}
			out = append(out, corpusMsg{lang: lang, file: name, heldout: heldout, pos: pos, text: txt, points: points})
			cur = &out[len(out)-1]
		case strings.HasPrefix(line, "- "), strings.HasPrefix(line, "+ "):
			if cur == nil {
				return errf("an item before the first message (\"> text\")")
			}
			item := line[2:]
			if line[0] == '-' {
				txt, cat, ok := strings.Cut(item, " | ")
				if !ok {
					return errf("want \"- text | category\"")
				}
				if _, known := categoryIndex(Category(cat)); !known || cat == string(CategoryUnknownName) || cat == string(CategoryNotInVocabulary) {
					return errf("unknown category %q (one of %s; unknown_name and not_in_vocabulary are what the filter says of a word it cannot place, not labels)", cat,
						strings.TrimSuffix(categoryNames(), ", "+string(CategoryUnknownName)+", "+string(CategoryNotInVocabulary)))
				}
				if ci, _ := categoryIndex(Category(cat)); Categories[ci] != Category(cat) {
					cat = string(Categories[ci])
				}
				item = txt
				cur.remove = append(cur.remove, corpusItem{text: txt, cat: Category(cat)})
			} else {
				cur.stay = append(cur.stay, item)
			}
			if strings.TrimSpace(item) == "" {
				return errf("empty item")
			}
			if !strings.Contains(cur.text, item) {
				return errf("item is not an exact part of its message")
			}
		default:
			return errf("cannot read this line: want \"points: ...\", \"> message\", \"- text | category\", \"+ text\", \"# comment\" or a blank line")
		}
	}
	if cur != nil && len(cur.remove)+len(cur.stay) == 0 {
		return nil, fmt.Errorf("%s: the last message has no items", name)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no messages", name)
	}
	return out, nil
}

func loadCorpus(t testing.TB) []corpusMsg {
	t.Helper()
	dir := *corpusDir
	if dir == "" {
		dir = os.Getenv("DISCREET_CORPUS_DIR")
	}
	if dir == "" {
		dir = filepath.Join("testdata", "corpus")
	}
	msgs, err := loadCorpusDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// occurrences returns the byte spans of every occurrence of item in text.
func occurrences(text, item string) [][2]int {
	var out [][2]int
	for off := 0; ; {
		i := strings.Index(text[off:], item)
		if i < 0 {
			return out
		}
		out = append(out, [2]int{off + i, off + i + len(item)})
		off += i + len(item)
	}
}

// itemLeaks: an item to remove leaks if its longest word is not wholly
// removed, or if more than half of its other bytes are left. An item is
// often labelled with the words around its sensitive core ("posar la
// denúncia"); what the phone would then show ("posar la") says nothing.
func itemLeaks(text string, sp [2]int, covered []bool) bool {
	left, total := 0, 0
	ls, le, best := 0, 0, 0
	for i := sp[0]; i < sp[1]; {
		j := i
		for j < sp[1] && !isSpaceOrPunct(text[j]) {
			j++
		}
		if j-i > best {
			ls, le, best = i, j, j-i
		}
		for ; i < j; i++ {
			total++
			if !covered[i] {
				left++
			}
		}
		for i < sp[1] && isSpaceOrPunct(text[i]) {
			i++
		}
	}
	for i := ls; i < le; i++ {
		if !covered[i] {
			return true
		}
	}
	return 2*left > total
}

// isSpaceOrPunct: what separates the words of an item. A mark that ends
// a sentence is no part of the word it follows ("umanitari!!!"): a
// finding never covers it, and it says nothing.
func isSpaceOrPunct(c byte) bool {
	return c == ' ' || c == ',' || c == '\'' || c == '.' || c == '-' || c == '!' || c == '?' || c == ':' || c == ';'
}

type tally struct{ remove, leak, stay, over int }

func (t *tally) add(o tally) {
	t.remove += o.remove
	t.leak += o.leak
	t.stay += o.stay
	t.over += o.over
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func (t tally) String() string {
	return fmt.Sprintf("leak %5.1f%% (%3d/%3d)  over-strip %5.1f%% (%3d/%3d)",
		pct(t.leak, t.remove), t.leak, t.remove, pct(t.over, t.stay), t.over, t.stay)
}

type corpusEval struct {
	all      tally
	byLang   map[string]*tally
	byCat    map[Category]*tally
	failures []string
	// msgs, refused: messages scored, and those mostlyRemoved refuses.
	msgs, refused int
	// benign, benignSame: messages with no item to remove, and those of
	// them with no finding at all.
	benign, benignSame int
}

// mostlyRemoved mirrors the gateway's refusal of free text that is
// mostly sensitive (gateway/messages.go): more than half of the non-space
// characters removed, or fewer than two words with a letter left.
func mostlyRemoved(text string, fs []Finding) bool {
	total, removed := 0, 0
	for _, r := range text {
		if !unicode.IsSpace(r) {
			total++
		}
	}
	for _, x := range fs {
		for _, r := range x.Match {
			if !unicode.IsSpace(r) {
				removed++
			}
		}
	}
	if total == 0 || 2*removed > total {
		return true
	}
	left := removeSpans(text, fs)
	words := 0
	for _, w := range strings.Fields(left) {
		if strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			words++
		}
	}
	return words < 2
}

// evalCorpus scans each message as the gateway does for a monitored
// phone (her language, the registered meeting points as known names)
// and scores the items.
func evalCorpus(f *Filter, msgs []corpusMsg, unknownNames bool) corpusEval {
	return evalCorpusWith(f, msgs, ScanOptions{UnknownNames: unknownNames})
}

// evalCorpusWith is evalCorpus with the scan options o (her language and
// the meeting points are set per message). Under the vocabulary policy
// it also counts the messages the gateway would refuse as mostly removed
// (refused), and the messages without an item to remove that go out
// unchanged (benignSame of benign).
func evalCorpusWith(f *Filter, msgs []corpusMsg, o ScanOptions) corpusEval {
	ev := corpusEval{byLang: map[string]*tally{}, byCat: map[Category]*tally{}}
	for _, m := range msgs {
		o.Lang, o.KnownNames = m.lang, m.points
		fs := f.ScanWith(m.text, o)
		ev.msgs++
		if mostlyRemoved(m.text, fs) {
			ev.refused++
		}
		if len(m.remove) == 0 {
			ev.benign++
			if len(fs) == 0 {
				ev.benignSame++
			}
		}
		covered := make([]bool, len(m.text))
		for _, x := range fs {
			for i := x.Start; i < x.End; i++ {
				covered[i] = true
			}
		}
		var tl tally
		for _, it := range m.remove {
			leaked := false
			for _, sp := range occurrences(m.text, it.text) {
				leaked = leaked || itemLeaks(m.text, sp, covered)
			}
			one := tally{remove: 1}
			if leaked {
				one.leak = 1
				ev.failures = append(ev.failures, fmt.Sprintf("%s leak %s %q in %q", m.pos, it.cat, it.text, m.text))
			}
			tl.add(one)
			if ev.byCat[it.cat] == nil {
				ev.byCat[it.cat] = &tally{}
			}
			ev.byCat[it.cat].add(one)
		}
		for _, s := range m.stay {
			over := false
			for _, sp := range occurrences(m.text, s) {
				for i := sp[0]; i < sp[1]; i++ {
					over = over || covered[i]
				}
			}
			tl.stay++
			if over {
				tl.over++
				var got []string
				for _, x := range fs {
					got = append(got, string(x.Category)+":"+x.Match)
				}
				ev.failures = append(ev.failures, fmt.Sprintf("%s over-strip %q in %q (findings %q)", m.pos, s, m.text, got))
			}
		}
		if ev.byLang[m.lang] == nil {
			ev.byLang[m.lang] = &tally{}
		}
		ev.byLang[m.lang].add(tl)
		ev.all.add(tl)
	}
	return ev
}

func (ev corpusEval) report(t *testing.T, name string) {
	t.Logf("%s: %s", name, ev.all)
	for _, l := range ShippedLanguages {
		if x := ev.byLang[l]; x != nil {
			t.Logf("  %-14s %s", l, *x)
		}
	}
	for _, c := range Categories {
		if x := ev.byCat[c]; x != nil {
			t.Logf("  %-14s leak %5.1f%% (%3d/%3d)", c, pct(x.leak, x.remove), x.leak, x.remove)
		}
	}
}

// heldoutPart returns the messages of the held-out files (want true) or
// of the others.
func heldoutPart(msgs []corpusMsg, want bool) []corpusMsg {
	var out []corpusMsg
	for _, m := range msgs {
		if m.heldout == want {
			out = append(out, m)
		}
	}
	return out
}

// Committed figures of the tuning files of testdata/corpus (every file
// but *.heldout*.txt; docs/benchmarks.md). The test fails if the filter
// gets worse than this. Round 4 added tune9 (the spent heldout3, 377
// items to remove and 535 to keep) to the tuning files: 15/1672 leak
// and 5/1893 over-strip on the whole; the files of round 3 alone went
// from 14 to 11 leaks and stayed at 3 over-strips. The benign cues then
// counted only beside their word, and "expo" (a district too) stopped
// being one ("la comisaria de la expo" over-stripped). Round 5 added tune10
// (the spent heldout4, 768 items to remove and 866 to keep): 95/2440
// leak and 63/2759 over-strip on the whole (tune10 alone was 284 leaks
// and 58 over-strips when it was scored blind); with the narrower cues,
// 65/2759 (the Catalan "font", a fountain too, is no cue for Police).
// The fifth blind set, once spent, joined the tuning files (615 items to
// remove, 495 to keep; 207 leaks and 43 over-strips when scored blind):
// 302/3055 leak and 108/3254 over-strip on the whole before tuning on it,
// 106/3055 and 45/3254 after (abbreviated days, signatures and first
// names by their cues; clauses of the classes it missed, in every
// language). The sixth blind set, once spent, joined them too (463 items
// to remove, 596 to keep; 257 leaks and 48 over-strips blind): 363/3518
// and 93/3850 on the whole before tuning on it; after, with eleven of its
// items relabelled to stay and a mark that ends a sentence no part of a
// word (which alone took 363 to 361), 203/3507 and 44/3861 (the sender
// presenting herself, signatures after a comma, the noun a finding is the
// complement of, a service's number and e-mail with their words, the
// clauses of the classes it missed; the health card in every language,
// which "Recorda portar la targeta sanitària" of an earlier part keeps,
// against five items that remove it; the procedures of labour cases; a
// link presented as a programme's; a deadline after a health finding;
// the verb that starts a treatment, a nurse as a head; the station a
// journey by metro goes to; a clause reported by a friend ends at its
// "that").
// The leak gate is higher than before
// because the new part is harder, not because the filter got worse: the
// files of earlier rounds are at 92/3055 and 38/3254 (they were at
// 106/3055 and 45/3254).
// The seventh blind set, once spent, joined them (491 items to remove,
// 521 to keep; 380 leaks and 32 over-strips when last scored blind):
// 583/3998 and 76/4382 on the whole before tuning on it; after, with nine
// of its items relabelled or split (a request for a screenshot, the
// sender's own new number, the words between a call verb and 112, as the
// earlier parts label them), 558/3995 and 54/4391 (a caller's number with
// its verb and "from", a team's or an appointment line's number, feasts,
// banks, brands, trains, Underground lines and airports as names, context
// words not set off by a plain name, the sender's colleague, a street
// that ends at a comma, and the procedures, health and housing words it
// missed in every language). Both gates are higher because the new part, labelled in
// whole clauses, is harder: the earlier files are at 203/3507 (unchanged)
// and 41/3861 (were 44).
// The ninth blind set, once spent, joined them untuned (570 items to
// remove, 785 to keep; 155 leaks and 35 over-strips when scored blind):
// 713/4565 and 89/5176 on the whole. Both gates are higher because the
// new part has not been tuned on yet, not because the filter got worse:
// the earlier files are unchanged.
// The tenth blind set, once spent, joined them untuned (465 items to
// remove, 771 to keep; 220 leaks and 44 over-strips when scored blind):
// 933/5030 and 133/5947 on the whole; the earlier files are unchanged.
// Tuned on it for es, ca and pt, by class (leaving the place she is kept,
// hidden papers, being followed or looked for, cover stories, debts not
// owed, trial preparation, photo identification, serologies, discharge,
// trimesters; greetings and an opening first name that address her):
// 830/5030 and 114/5947; with it, fr, ro and en tuned on it too (the
// other women still working for him, who arranged the job or took her
// papers, the steps of the case, forensic medicine, a shelter place
// offered): 703/5030 and 100/5947 (a first name right before "who
// brought you" is removed with the clause, also where it addresses her).
// Homes and services placed by a street or a name, floors and doors
// standing alone, Eircodes and postcode districts: 675/5030 and 100/5947.
// With two more spent blind sets joining the tuning files untuned:
// 884/5891 and 167/6933.
const (
	corpusMaxLeakPct      = 15.01
	corpusMaxOverStripPct = 2.41
)

// TestDiscreetCorpus scores the filter on the corpus: per language and
// per category, leak (an item that must go is left, in part or whole) and
// over-strip (an item that must stay is touched). With -v it prints the
// figures, and the failing items of the tuning files; a held-out file
// (LANG.heldout*.txt) is reported as a whole, per language and per
// category, and its items are never printed.
//
//	go test ./templates -run TestDiscreetCorpus -v
//	go test ./templates -run TestDiscreetCorpus -v -args -corpus /path/to/dir
func TestDiscreetCorpus(t *testing.T) {
	msgs := loadCorpus(t)
	f := mustFilter(t)
	external := *corpusDir != "" || os.Getenv("DISCREET_CORPUS_DIR") != ""
	if !external {
		perLang := map[string]int{}
		for _, m := range msgs {
			perLang[m.lang]++
		}
		for _, l := range ShippedLanguages {
			if perLang[l] < 40 {
				t.Errorf("%s: %d messages, want at least 40", l, perLang[l])
			}
		}
		if len(msgs) < 400 {
			t.Errorf("%d messages, want at least 400", len(msgs))
		}
	}
	tune, held := heldoutPart(msgs, false), heldoutPart(msgs, true)
	if len(tune) > 0 {
		t.Run("tune", func(t *testing.T) {
			ev := evalCorpus(f, tune, DefaultUnknownNames)
			ev.report(t, "tuning files")
			for _, x := range ev.failures {
				t.Log("  " + x)
			}
			t.Logf("with unknown names %v instead: %s", !DefaultUnknownNames, evalCorpus(f, tune, !DefaultUnknownNames).all)
			if external {
				return
			}
			if l := pct(ev.all.leak, ev.all.remove); l > corpusMaxLeakPct {
				t.Errorf("leak %.2f%% is worse than the committed %.2f%%", l, corpusMaxLeakPct)
			}
			if o := pct(ev.all.over, ev.all.stay); o > corpusMaxOverStripPct {
				t.Errorf("over-strip %.2f%% is worse than the committed %.2f%%", o, corpusMaxOverStripPct)
			}
		})
	}
	if !external {
		t.Run("vocabulary", func(t *testing.T) { vocabularyCorpus(t, tune, held) })
	}
	if len(held) > 0 {
		t.Run("heldout", func(t *testing.T) {
			ev := evalCorpus(f, held, DefaultUnknownNames)
			ev.report(t, "held-out files")
			t.Logf("with unknown names %v instead: %s", !DefaultUnknownNames, evalCorpus(f, held, !DefaultUnknownNames).all)
		})
	}
}

// TestCorpusFormatStrict: every malformed corpus file is refused with its
// file and line, never half read.
func TestCorpusFormatStrict(t *testing.T) {
	good := "points: Metro Sol\n\n> Hola, la psico el lunes\n- psico | health\n+ el lunes\n"
	if msgs, err := parseCorpusFile("es.heldout2.txt", []byte(good)); err != nil || len(msgs) != 1 || !msgs[0].heldout || msgs[0].points[0] != "Metro Sol" {
		t.Fatalf("good file: %v %+v", err, msgs)
	}
	for name, c := range map[string]struct{ file, data, want string }{
		"language":      {"xx.heldout2.txt", good, "LANG.PART.txt"},
		"no part":       {"es.txt", good, "LANG.PART.txt"},
		"item first":    {"es.t.txt", "- psico | health\n", "es.t.txt:1: an item before"},
		"no category":   {"es.t.txt", "> a psico\n- psico\n", "es.t.txt:2: want"},
		"bad category":  {"es.t.txt", "> a psico\n- psico | salud\n", "unknown category"},
		"unknown cat":   {"es.t.txt", "> a psico\n- psico | unknown_name\n", "unknown category"},
		"vocab cat":     {"es.t.txt", "> a psico\n- psico | not_in_vocabulary\n", "unknown category"},
		"not in msg":    {"es.t.txt", "> a psico\n- psicóloga | health\n", "es.t.txt:2: item is not"},
		"stray line":    {"es.t.txt", "> a psico\n+ a\npsico\n", "es.t.txt:3: cannot read"},
		"no items":      {"es.t.txt", "> a psico\n> b\n+ b\n", "es.t.txt:2: the message before"},
		"last no items": {"es.t.txt", "> a psico\n", "the last message has no items"},
		"points late":   {"es.t.txt", "> a psico\n+ a\npoints: x\n", "es.t.txt:3: \"points:\" must come once"},
		"empty point":   {"es.t.txt", "points: a,,b\n", "empty meeting point"},
		"empty":         {"es.t.txt", "# nothing\n", "no messages"},
		"empty item":    {"es.t.txt", "> a psico\n+  \n", "empty item"},
		"not utf8":      {"es.t.txt", "> a \xff\n+ a\n", "not UTF-8"},
	} {
		_, err := parseCorpusFile(c.file, []byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, c.want)
		}
	}
	if !isHeldout("fr.heldout.txt") || !isHeldout("fr.heldout2.txt") || isHeldout("fr.tune2.txt") {
		t.Error("isHeldout")
	}
}

// Committed figures of the vocabulary policy on the tuning files (every
// file but *.heldout*.txt; docs/benchmarks.md). The test fails if the
// policy gets worse than this. Round 5 made the spent heldout4 a tuning
// part (tune10), which the vocabulary scored as held out before: with
// it the vocabulary's figures on the tuning files are those below (the
// part alone, with the lexicon of round 4: leak 2.70%, over-strip 22.29%,
// refused 38.65%, unchanged 23.10%). The fifth blind set, once spent,
// joined the tuning files: with it, leak 100/3055, over-strip 786/3254,
// refused 801/1961, unchanged 99/422; after tuning on it, leak 37/3055,
// over-strip 768/3254, refused 849/1961 (the lexicon removes more of the
// short messages), unchanged 101/422. The sixth blind set, once spent,
// joined them too: with it, leak 169/3518, over-strip 957/3850, refused
// 960/2319, unchanged 135/546; after tuning the filter on it (the
// vocabulary lists unchanged; the lexicon and the scoring as for the
// filter), leak 94/3507, over-strip 957/3861, refused 1017/2319,
// unchanged 135/546. Leak and over-strip gates are higher than before
// because the new part is harder; the refused gate is 0.56 points higher
// because the filter now removes more of the short messages (the heads of
// findings, health cards, sexual-health tests, compensation, the deadline
// of a health finding: 57 more messages of 2319 mostly removed, for 75
// fewer leaks): on the earlier files the policy is at leak 34/3055 and
// over-strip 767/3254 (were 37 and 768), refused 863/1961 (were 849).
// The seventh blind set, once spent, joined them: with it, leak
// 322/3998, over-strip 1172/4382, refused 1131/2696, unchanged 168/667;
// after tuning the filter on it (the vocabulary lists as they were),
// leak 308/3995, over-strip 1175/4391, refused 1132/2696, unchanged
// 168/667. Leak and over-strip gates are higher because the new part is
// harder (alone: leak 214/488, over-strip 219/530); refused is lower and
// unchanged higher, as fewer of the new part's messages are mostly
// removed (115/377) and as many of its benign ones go out (33/121). The
// earlier files are at leak 94/3507, over-strip 956/3861 (were 957),
// refused 1017/2319, unchanged 135/546. The vocabulary grown by class
// (running late, transport, weather, children, food, clothes, the phone,
// texting abbreviations) took it to leak 310/3995, over-strip 1087/4391,
// refused 1117/2696, unchanged 198/667: two more leaks, both where a
// newly everyday word is left beside a removed core (a nursery school's
// "infantil" beside its name, "mesajul" in a Romanian request to delete
// the message), for 99 fewer over-strips and 30 more benign texts sent.
// Taking out the words that can carry a sensitive meaning (exits,
// running, stopping, corners, bags, photos, exams, visits, forms, a delay
// or something missing, broken things, drink, the rest of a sum; the
// vocabulary files state the rule) took it to leak 302/3995, over-strip
// 1162/4391, refused 1142/2696, unchanged 181/667: eight fewer leaks, as
// a removed word next to an item no longer passes with it, for 75 more
// over-strips, 25 more refusals and 17 fewer benign texts sent (ten say
// she is late with retard, running, retraso, ritardo, atraso or
// întârziere, two meet at an exit, two name a meeting "ședință", the
// others a bag, "bem", "hear").
// Taking out the words of a late period or a miscarriage, bruises, money
// owed, drugs by their street names, help, getting out or coming to "us",
// and showing him a text took it to leak 299/3995, over-strip 1182/4391,
// refused 1152/2696, unchanged 176/667: three fewer leaks, for 20 more
// over-strips, ten more refusals and five fewer benign texts sent (she is
// thanked for having come, "venuta", "venit"; a padel match lost,
// "perdre"; a wait "sous" a bus shelter; help with a tax form, "aiuto").
// A pictograph not on the short list of greeting ones (pictographs.go)
// became a word not in her vocabulary: over-strip 1185/4391, three more
// items where only an emoji was left to strip (a coffee, a bike, an ice
// cream), the other figures unchanged.
// The ninth blind set, once spent, joined the tuning files untuned (570
// items to remove, 785 to keep, 100 messages without an item to remove):
// leak 360/4565, over-strip 1547/5176, refused 1283/3046, unchanged
// 200/767. Leak and over-strip gates are higher and the unchanged floor
// lower because of the new part alone; the earlier files are unchanged.
// Everyday words of the benign texts the plain policy refused, added to
// the vocabularies, took it to leak 360/4565 (unchanged), over-strip
// 1521/5176, refused 1282/3046, unchanged 213/767; a few more, to
// over-strip 1515/5176 and unchanged 219/767. An abbreviated weekday
// after a greeting taken for a name again (it may be one): over-strip
// 1516/5176, the other figures unchanged. Words whose stems admit a
// sensitive sense taken out again (wrap, companyia, port, revanșă, note,
// promis, coperto, poderes; "h" a word only next to an hour): over-strip
// 1524/5176, unchanged 212/767, leak and refused unchanged.
// The tenth blind set, once spent, joined the tuning files untuned (465
// items to remove, 771 to keep, 105 messages without an item to remove):
// leak 485/5030, over-strip 1875/5947, refused 1380/3361, unchanged
// 220/872; the gates move with the new part alone. Clauses of the
// lexicon drawn from it (it, fr, ro, en) remove more of the texts that
// say the most: leak 419/5030, refused 1439/3361; with es, ca and pt
// tuned on it too: leak 364/5030, over-strip 1874/5947, refused
// 1476/3361, unchanged 221/872; with homes, floors and doors as
// addresses, leak 358/5030, refused 1482/3361. With two more spent
// blind sets joining untuned: leak 442/5891, over-strip 2215/6933,
// unchanged 249/1089.
const (
	vocabMaxLeakPct      = 7.51
	vocabMaxOverStripPct = 31.95
	vocabMaxRefusedPct   = 44.10
	vocabMinBenignSame   = 22.86
)

// vocabularyCorpus scores the vocabulary policy (ScanOptions.Vocabulary,
// unknown names as by default) on the tuning files, which it gates, and
// on the held-out files, which it reports as a whole, per language and
// per category, never printing their items (as TestDiscreetCorpus/heldout
// does for the filter policy).
func vocabularyCorpus(t *testing.T, tune, held []corpusMsg) {
	f, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		t.Fatal(err)
	}
	o := ScanOptions{Vocabulary: true, UnknownNames: DefaultUnknownNames}
	report := func(name string, ev corpusEval) {
		ev.report(t, name)
		t.Logf("  refused (mostly removed) %5.1f%% (%d/%d); messages without an item to remove sent unchanged %5.1f%% (%d/%d)",
			pct(ev.refused, ev.msgs), ev.refused, ev.msgs, pct(ev.benignSame, ev.benign), ev.benignSame, ev.benign)
	}
	evT := evalCorpusWith(f, tune, o)
	report("vocabulary, tuning files", evT)
	for _, x := range evT.failures {
		t.Log("  " + x)
	}
	if len(held) > 0 {
		report("vocabulary, held-out files", evalCorpusWith(f, held, o))
	}
	flt := evalCorpusWith(mustFilter(t), tune, ScanOptions{UnknownNames: DefaultUnknownNames})
	t.Logf("the filter policy on the tuning files: %s; refused (mostly removed) %.1f%% (%d/%d); messages without an item to remove sent unchanged %.1f%% (%d/%d)",
		flt.all, pct(flt.refused, flt.msgs), flt.refused, flt.msgs, pct(flt.benignSame, flt.benign), flt.benignSame, flt.benign)
	if *corpusDir != "" || os.Getenv("DISCREET_CORPUS_DIR") != "" {
		return
	}
	if l := pct(evT.all.leak, evT.all.remove); l > vocabMaxLeakPct {
		t.Errorf("vocabulary: leak %.2f%% is worse than the committed %.2f%%", l, vocabMaxLeakPct)
	}
	if ov := pct(evT.all.over, evT.all.stay); ov > vocabMaxOverStripPct {
		t.Errorf("vocabulary: over-strip %.2f%% is worse than the committed %.2f%%", ov, vocabMaxOverStripPct)
	}
	if r := pct(evT.refused, evT.msgs); r > vocabMaxRefusedPct {
		t.Errorf("vocabulary: refused %.2f%% is worse than the committed %.2f%%", r, vocabMaxRefusedPct)
	}
	if b := pct(evT.benignSame, evT.benign); b < vocabMinBenignSame {
		t.Errorf("vocabulary: %.2f%% of the messages without an item to remove sent unchanged, below the committed %.2f%%", b, vocabMinBenignSame)
	}
}
