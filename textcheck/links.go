package textcheck

import (
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Links, e-mail addresses and handles, judged one word (white-space
// separated token of the folded text) at a time:
//
//   - a scheme ("https://", "tg://") or "www." is a link;
//   - "@" inside a word is an e-mail address ("anna＠gmail.com" folds to
//     "@"); "@" starting a word of letters, digits, "_" and "." is a
//     social-media handle ("@anna_k_1990");
//   - labels joined by dots whose last label is a top-level domain of the
//     public suffix list (ICANN section: every country and generic TLD, so
//     "anna.ru", "t.me", "gmail.com/anna", "пример.рф"), with or without a
//     path, is a link. Initials such as "M.R.es" (capital single letters)
//     are not.

func linkOrEmail(word string) Kind {
	tok := strings.TrimRight(strings.TrimLeft(word, "\"'(<«“‘¿¡"), "\"')>»”’.,;:!?")
	low := strings.ToLower(tok)
	if low == "" {
		return None
	}
	if strings.Contains(low, "://") || strings.HasPrefix(low, "www.") {
		return Link
	}
	if at := strings.IndexByte(low, '@'); at >= 0 {
		switch {
		case at > 0 && at < len(low)-1:
			return Email
		case at == 0 && handle(low[1:]):
			return Handle
		}
		return None
	}
	host, _, hasPath := strings.Cut(tok, "/")
	if domain(host, hasPath) {
		return Link
	}
	return None
}

// handle: 2 to 30 letters, digits, "_" or ".", at least one letter.
func handle(s string) bool {
	if len(s) < 2 || len(s) > 30 {
		return false
	}
	letter := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case r >= '0' && r <= '9', r == '_', r == '.':
		default:
			return false
		}
	}
	return letter
}

// domain: host is a domain name under a real top-level domain.
func domain(host string, hasPath bool) bool {
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return false
	}
	initials := true
	for i, l := range labels {
		if l == "" {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return false
			}
		}
		if i < len(labels)-1 && (len([]rune(l)) != 1 || !unicode.IsUpper([]rune(l)[0])) {
			initials = false
		}
	}
	if initials && !hasPath {
		return false // "M.R.es": her initials, then a word
	}
	tld, err := idna.Lookup.ToASCII(strings.ToLower(labels[len(labels)-1]))
	if err != nil || len(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !(r >= 'a' && r <= 'z') && !(strings.HasPrefix(tld, "xn--") && (r == '-' || r >= '0' && r <= '9')) {
			return false
		}
	}
	// The whole list's default rule answers for unknown TLDs too, with
	// icann false; a real TLD is in its ICANN section.
	_, icann := publicsuffix.PublicSuffix(tld)
	return icann
}
