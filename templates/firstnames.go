package templates

import (
	_ "embed"
	"strings"
)

// firstNamesText: common first names per language, and Romanian
// surnames taken after a title (names/firstnames.txt).
//
//go:embed names/firstnames.txt
var firstNamesText string

// firstNames and titleSurnames, normalised; notFirstNames are the words
// a trafficker or a boss goes by, never a colleague's first name even
// if a list had them.
var (
	firstNames, titleSurnames = func() (map[string]bool, map[string]bool) {
		names, titled := map[string]bool{}, map[string]bool{}
		into := names
		for _, line := range strings.Split(firstNamesText, "\n") {
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				continue
			}
			if line[0] != ' ' {
				key, rest, _ := strings.Cut(line, ":")
				into = names
				if key == "ro-title" {
					into = titled
				}
				line = rest
			}
			for w := range normWordSet(line) {
				into[w] = true
			}
		}
		return names, titled
	}()
	notFirstNames = normWordSet(`mama madam madame mami mummy oga boss auntie aunty tantie tanti zia tía tia tante
		patron patrona patronne jefa jefe chef capo padrone padrona mister madama doña`)
	titleWords = normWordSet(`dna doamna dl domnul`)
)

// firstNameAt: the word at normalised offsets [s,e) is a known first
// name, or a frequent surname after a Romanian title ("dna Popa").
func (sc *scanState) firstNameAt(s, e int) bool {
	w := bytesToStr(sc.n.b[s:e])
	if notFirstNames[w] {
		return false
	}
	if firstNames[w] {
		return true
	}
	var one [1]string
	n, _ := sc.prevWords(s, one[:])
	return n == 1 && titleWords[one[0]] && titleSurnames[w]
}
