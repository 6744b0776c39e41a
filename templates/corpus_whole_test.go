package templates

import (
	"math"
	"os"
	"testing"
)

// The whole policy on the evaluation corpus (testdata/corpus, see its
// README). Under it free text to a monitored phone goes out unchanged only
// when the filter's scan (lexicon and scanners, unknown names always, the
// registered meeting points known, the risky everyday phrases; no
// vocabulary) finds nothing, and is refused whole otherwise: nothing is
// ever cut out of a text. Scored as plain is (evalPlain): a message is sent
// iff its scan has zero findings, and every item to remove in a sent
// message is on her phone as written (a leak). A refused message without
// an item to remove whose every finding is an unknown name is one staff
// could send unchanged by confirming the names.

// wholeOptions are the scan options of the whole policy in the gateway.
var wholeOptions = ScanOptions{UnknownNames: true, Plain: true}

// Committed figures of the whole policy on the tuning files (every file
// but *.heldout*.txt): the share of the items to remove that go out in a
// message sent unchanged (rounded up to two decimals; the test fails
// above it) and the share of the messages without an item to remove that
// go out (floored to two decimals; the test fails below it). When first
// scored: 64 of the 5030 items to remove leaked (1.27%), 763 of the 872
// messages without one sent (87.50%), 804 of the 3361 messages sent; of
// the 109 messages without an item to remove refused, 79 for unknown
// names alone. With the lexicon tuned on the tenth blind set and homes,
// floors and doors as addresses: 34 leaked (0.68%), 775 of the 872 sent,
// 799 of the 3361; of the 97 refused, 65 for unknown names alone. With
// the everyday-word clauses of debt, lies, earnings and papers taken as
// risky phrases: 24 leaked (0.48%), 775 of the 872 sent (the same).
// With a lone capitalised word opening a sentence a name unless an
// everyday word, and texts in capitals refused: 24 leaked, 771 sent.
// With two more spent blind sets joining untuned: 44 of the 5891
// leaked (0.75%), 926 of the 1089 sent.
const (
	wholeMaxLeak       = 0.75
	wholeMinBenignSent = 85.03
)

// TestDiscreetCorpusWhole scores the whole policy on the corpus, per
// language, as TestDiscreetCorpusPlain scores plain. The tuning files are
// gated (the leak at most, the benign messages sent at least the
// committed shares) and their leaking items printed; the held-out files
// (LANG.heldout*.txt) are reported as a whole and per language, never
// gated, their items never printed.
//
//	go test ./templates -run TestDiscreetCorpusWhole -v
//	go test ./templates -run TestDiscreetCorpusWhole -v -args -corpus /path/to/dir
func TestDiscreetCorpusWhole(t *testing.T) {
	msgs := loadCorpus(t)
	// The filter as the gateway builds it for this policy: without the
	// vocabulary.
	f, err := NewFilterFrom(FilterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	external := *corpusDir != "" || os.Getenv("DISCREET_CORPUS_DIR") != ""
	tune, held := heldoutPart(msgs, false), heldoutPart(msgs, true)
	if len(tune) > 0 {
		ev := evalPlain(f, tune, wholeOptions)
		ev.report(t, "whole, tuning files")
		for _, x := range ev.failures {
			t.Log("  " + x)
		}
		if !external {
			if l := math.Ceil(100*pct(ev.all.leak, ev.all.remove)) / 100; l > wholeMaxLeak {
				t.Errorf("whole: %.2f%% of the items to remove sent unchanged in messages the scan found nothing in, above the committed %.2f%%", l, wholeMaxLeak)
			}
			if b := math.Floor(100*pct(ev.all.benignSent, ev.all.benign)) / 100; b < wholeMinBenignSent {
				t.Errorf("whole: %.2f%% of the messages without an item to remove sent unchanged, below the committed %.2f%%", b, wholeMinBenignSent)
			}
		}
	}
	if len(held) > 0 {
		evalPlain(f, held, wholeOptions).reportHeldout(t, "whole, held-out files")
	}
}
