package rules

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"safecontact/errs"
)

// WeekdayNames are a plan's weekday names, indexed by time.Weekday.
var WeekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Replies are her plan's words, normalised. They are sealed (keys.Contact)
// as this JSON in checkin_plans.replies_enc, so the tags are the stored
// format.
type Replies struct {
	Ok     string   `json:"ok"`
	Help   string   `json:"help"`
	Duress []string `json:"duress"`
}

// ParseEvery reads a plan's "every": a whole number of days as a duration
// ("72h"), giving everyDays, or a list of weekday names (["mon","thu"]),
// giving weekdays (never nil, in the order given, without repeats).
func ParseEvery(raw json.RawMessage) (everyDays int, weekdays []int32, err error) {
	weekdays = []int32{}
	var every string
	var list []string
	switch {
	case len(raw) == 0:
		return 0, nil, errs.Field(errs.CodeMissingField, "every", "every is a duration in whole days (\"72h\") or a list of weekdays ([\"mon\",\"thu\"])")
	case json.Unmarshal(raw, &every) == nil:
		d, err := time.ParseDuration(every)
		if err != nil || d < 24*time.Hour || d%(24*time.Hour) != 0 || d > 30*24*time.Hour {
			return 0, nil, errs.Field(errs.CodeInvalidParameter, "every", "every is a whole number of days between 24h and 720h, e.g. \"72h\"")
		}
		everyDays = int(d / (24 * time.Hour))
	case json.Unmarshal(raw, &list) == nil && len(list) > 0:
		seen := map[int32]bool{}
		for _, w := range list {
			i := -1
			for j, n := range WeekdayNames {
				if strings.EqualFold(strings.TrimSpace(w), n) {
					i = j
				}
			}
			if i < 0 {
				return 0, nil, errs.Field(errs.CodeInvalidParameter, "every", "weekdays are mon, tue, wed, thu, fri, sat, sun")
			}
			if !seen[int32(i)] {
				seen[int32(i)] = true
				weekdays = append(weekdays, int32(i))
			}
		}
	default:
		return 0, nil, errs.Field(errs.CodeInvalidParameter, "every", "every is a duration in whole days (\"72h\") or a list of weekdays ([\"mon\",\"thu\"])")
	}
	return everyDays, weekdays, nil
}

// PlanReplies normalises her ok and help replies and duress words and
// checks them: ok and help required, each short, at most 20 duress words,
// all different once normalised.
func PlanReplies(ok, help string, duress []string) (Replies, error) {
	rep := Replies{Ok: NormalizeReply(ok), Help: NormalizeReply(help)}
	if rep.Ok == "" || rep.Help == "" || len(ok) > 100 || len(help) > 100 {
		return Replies{}, errs.Field(errs.CodeMissingField, "ok_reply", "ok_reply and help_reply (short words agreed with her) are required")
	}
	for _, w := range duress {
		n := NormalizeReply(w)
		if n == "" || len(w) > 100 {
			return Replies{}, errs.Field(errs.CodeInvalidParameter, "duress_words", "each duress word is a short non-empty word or phrase")
		}
		rep.Duress = append(rep.Duress, n)
	}
	if len(rep.Duress) > 20 {
		return Replies{}, errs.Field(errs.CodeInvalidParameter, "duress_words", "at most 20 duress words")
	}
	all := append([]string{rep.Ok, rep.Help}, rep.Duress...)
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i] == all[j] {
				return Replies{}, errs.Field(errs.CodeInvalidParameter, "duress_words", "ok_reply, help_reply and the duress words must all differ")
			}
		}
	}
	return rep, nil
}

// CheckinCode is a random 4-digit code a check-in asks her to reply
// with; replying with it counts as ok.
func CheckinCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(10000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%04d", n.Int64())
}
