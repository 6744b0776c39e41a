package templates

import (
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
)

// The plain policy on the evaluation corpus (testdata/corpus, see its
// README). Under it free text to a monitored phone goes out unchanged only
// when the vocabulary policy's scan (vocabulary, lexicon, unknown names,
// the registered meeting points known) finds nothing, and is refused whole
// otherwise: nothing is ever cut out of a text. So a message is sent iff
// its scan has zero findings, and every item to remove in a sent message
// is on her phone as written (a leak); a refused message leaks nothing but
// costs the caseworker a rewrite.

// The whole policy (corpus_whole_test.go) is scored the same way, with
// the filter's scan instead of the vocabulary's: evalPlain takes the scan
// options.

// plainTally is the score of a whole-or-nothing policy (plain, whole) on
// some messages.
type plainTally struct {
	// msgs, sent: messages scored, and those with zero findings.
	msgs, sent int
	// remove, leak: items to remove, and those in a sent message.
	remove, leak int
	// benign, benignSent: messages with no item to remove, and those of
	// them sent (unchanged, as every sent message is).
	benign, benignSent int
	// benignNamesOnly: messages with no item to remove refused for
	// unknown names alone (every finding an unknown_name): staff could
	// confirm the names and send them unchanged.
	benignNamesOnly int
}

func (p *plainTally) add(o plainTally) {
	p.msgs += o.msgs
	p.sent += o.sent
	p.remove += o.remove
	p.leak += o.leak
	p.benign += o.benign
	p.benignSent += o.benignSent
	p.benignNamesOnly += o.benignNamesOnly
}

func (p plainTally) String() string {
	return fmt.Sprintf("leak %5.1f%% (%3d/%3d)  sent %5.1f%% (%3d/%3d)  benign sent unchanged %5.1f%% (%3d/%3d)  refused %5.1f%% (%3d/%3d)  benign refused for unknown names only %3d/%3d",
		pct(p.leak, p.remove), p.leak, p.remove, pct(p.sent, p.msgs), p.sent, p.msgs,
		pct(p.benignSent, p.benign), p.benignSent, p.benign, pct(p.msgs-p.sent, p.msgs), p.msgs-p.sent, p.msgs,
		p.benignNamesOnly, p.benign-p.benignSent)
}

// plainEval is the plain policy's score: on the whole, per language, and
// the leaking items (printed for the tuning files only).
type plainEval struct {
	all      plainTally
	byLang   map[string]*plainTally
	failures []string
}

// plainOptions are the scan options of the plain policy in the gateway
// (the vocabulary, the risky everyday phrases, unknown names as by
// default); the whole policy's are wholeOptions.
var plainOptions = ScanOptions{Vocabulary: true, Plain: true, UnknownNames: DefaultUnknownNames}

// evalPlain scores a whole-or-nothing policy: each message is scanned
// with f and o as the gateway scans it (o with her language and the
// meeting points as known names), sent unchanged when the scan finds
// nothing and refused otherwise.
func evalPlain(f *Filter, msgs []corpusMsg, o ScanOptions) plainEval {
	ev := plainEval{byLang: map[string]*plainTally{}}
	for _, m := range msgs {
		o.Lang, o.KnownNames = m.lang, m.points
		fs := f.ScanWith(m.text, o)
		sent := len(fs) == 0
		one := plainTally{msgs: 1, remove: len(m.remove)}
		if sent {
			one.sent = 1
			one.leak = len(m.remove)
			for _, it := range m.remove {
				ev.failures = append(ev.failures, fmt.Sprintf("%s leak %s %q in %q (sent unchanged)", m.pos, it.cat, it.text, m.text))
			}
		}
		if len(m.remove) == 0 {
			one.benign = 1
			one.benignSent = one.sent
			if !sent && !slices.ContainsFunc(fs, func(x Finding) bool { return x.Category != CategoryUnknownName }) {
				one.benignNamesOnly = 1
			}
		}
		if ev.byLang[m.lang] == nil {
			ev.byLang[m.lang] = &plainTally{}
		}
		ev.byLang[m.lang].add(one)
		ev.all.add(one)
	}
	return ev
}

func (ev plainEval) report(t *testing.T, name string) {
	t.Logf("%s: %s", name, ev.all)
	for _, l := range ShippedLanguages {
		if x := ev.byLang[l]; x != nil {
			t.Logf("  %-3s %s", l, *x)
		}
	}
}

// Committed figure of the plain policy on the tuning files (every file
// but *.heldout*.txt), floored to two decimals: the share of the messages
// without an item to remove that go out (unchanged). The test fails below
// it, and on any leak at all: on the tuning files a message the scan
// finds nothing in carries nothing sensitive. When it was first scored:
// no leak (0/3055), 101 of 1961 messages sent, 101 of the 422 without an
// item to remove (they are the same messages), 1860 refused. With the
// seventh blind set among the tuning files (tuned on, never by the
// vocabulary lists): no leak (0/3995), 168 of the 667 messages without an
// item to remove sent (33 of its 121); the floor rises with it.
// With the vocabulary grown by class (running late, transport, weather,
// children, food, clothes, the phone, texting abbreviations): no leak
// (0/3995), 198 of the 667 sent. With the words that can carry a
// sensitive meaning taken out of the vocabulary: no leak (0/3995), 181 of
// the 667 sent, 2515 of the 2696 messages refused (were 2498). With the
// words of a late period or a miscarriage, bruises, money owed, drugs,
// help, getting out and showing him a text taken out too: no leak
// (0/3995), 176 of the 667 sent, 2520 refused. With the ninth blind set
// among the tuning files (untuned): no leak (0/4565), 200 of the 767
// messages without an item to remove sent (24 of its 100; 26 when it was
// scored blind, before the last vocabulary changes), 2846 of the
// 3046 messages refused. The risky everyday phrases (plainphrases.go)
// refuse none of those 200. With everyday words of the benign texts it
// refused added to the vocabularies (a reminder, a tea room, Easter, "h"
// for the hour, bank holidays, ...) and an English "I" or weekday after a
// greeting no longer taken for a name: no leak (0/4565), 213 of the 767
// sent, 2833 refused; with a few more (company, wrap up warm, noted, a
// castle, bolo-rei, "port" for wearing): 219 of the 767, 2827 refused.
// The cover-story phrases (what to say if he asks, save my number as)
// refuse none of those 219.
// With the words whose stems admit a sensitive sense taken out again
// (wrap, companyia, port, revanșă, note, promis, coperto, poderes; "h" a
// word only next to an hour): 212 of the 767, 2834 refused.
// With the tenth blind set among the tuning files (untuned): no leak
// (0/5030), 220 of the 872 sent (8 of its 105), 3141 of the 3361
// refused.
// The phrases of a cover story given as the answer alone ("you were at
// the market, ok?", "say I'm your cousin", "I'm Pizza in your phone", his
// checking her phone) refuse none of those 220.
// The lexicon tuned on it: 221 of the 872 sent, 3140 refused.
// With two more spent blind sets joining untuned: 249 of the 1089 sent.
const plainMinBenignSent = 22.86

// TestDiscreetCorpusPlain scores the plain policy on the corpus, per
// language: the items to remove that go out (in a message sent because
// the scan found nothing), the messages sent, the messages without an item
// to remove sent unchanged, and the messages refused. The tuning files
// are gated (no leak; the benign messages sent at least the committed
// share) and their leaking items printed; the held-out files
// (LANG.heldout*.txt) are reported as a whole and per language, never
// gated, their items never printed.
//
//	go test ./templates -run TestDiscreetCorpusPlain -v
//	go test ./templates -run TestDiscreetCorpusPlain -v -args -corpus /path/to/dir
func TestDiscreetCorpusPlain(t *testing.T) {
	msgs := loadCorpus(t)
	f, err := NewFilterFrom(FilterConfig{Vocabulary: true})
	if err != nil {
		t.Fatal(err)
	}
	external := *corpusDir != "" || os.Getenv("DISCREET_CORPUS_DIR") != ""
	tune, held := heldoutPart(msgs, false), heldoutPart(msgs, true)
	if len(tune) > 0 {
		ev := evalPlain(f, tune, plainOptions)
		ev.report(t, "plain, tuning files")
		for _, x := range ev.failures {
			t.Log("  " + x)
		}
		if !external {
			if ev.all.leak > 0 {
				t.Errorf("plain: %d items to remove sent unchanged in messages the scan found nothing in; want none", ev.all.leak)
			}
			if b := math.Floor(100*pct(ev.all.benignSent, ev.all.benign)) / 100; b < plainMinBenignSent {
				t.Errorf("plain: %.2f%% of the messages without an item to remove sent unchanged, below the committed %.2f%%", b, plainMinBenignSent)
			}
		}
	}
	if len(held) > 0 {
		evalPlain(f, held, plainOptions).reportHeldout(t, "plain, held-out files")
	}
}

// reportHeldout reports a held-out part: the figures only, never an item.
func (ev plainEval) reportHeldout(t *testing.T, name string) {
	ev.failures = nil
	ev.report(t, name)
}
