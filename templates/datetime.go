package templates

import (
	"strconv"
	"strings"
	"time"

	// Time zone data in the binary, so her IANA zone resolves even on a
	// minimal container without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// dateNames holds one language's weekday (Sunday first, as time.Weekday)
// and month names, all as they are written inside a sentence.
type dateNames struct {
	weekdays [7]string
	months   [12]string
}

var dateLangs = map[string]dateNames{
	"es": {
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months:   [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	},
	"ca": {
		weekdays: [7]string{"diumenge", "dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabte"},
		months:   [12]string{"gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre", "octubre", "novembre", "desembre"},
	},
	"it": {
		weekdays: [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		months:   [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
	},
	"en": {
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	},
	"fr": {
		weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months:   [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	},
	"pt": {
		weekdays: [7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		months:   [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
	},
	"ro": {
		weekdays: [7]string{"duminică", "luni", "marți", "miercuri", "joi", "vineri", "sâmbătă"},
		months:   [12]string{"ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie"},
	},
}

// baseLang returns the language subtag of a canonical BCP 47 tag
// ("pt-BR" -> "pt").
func baseLang(tag string) string {
	if i := strings.IndexByte(tag, '-'); i >= 0 {
		return tag[:i]
	}
	return tag
}

// FormatDateTime renders t (already in her zone) the way a person writes a
// date and time in lang, without the year (appointments are days or weeks
// ahead, and the weekday removes any doubt):
//
//	es  martes 3 de junio, 10:00
//	ca  dimarts 3 de juny, 10:00 / dijous 3 d'abril, 9:30
//	it  martedì 3 giugno, ore 10:00
//	en  Tuesday 3 June, 10:00
//	fr  mardi 3 juin à 10h00 / dimanche 1er juin à 9h30
//	pt  terça-feira, 3 de junho, às 10:00 / à 1:30
//	ro  marți, 3 iunie, ora 10:00
//
// Other languages get an unambiguous "2025-06-03 10:00".
func FormatDateTime(lang string, t time.Time) string {
	l := baseLang(lang)
	n, ok := dateLangs[l]
	if !ok {
		return t.Format("2006-01-02 15:04")
	}
	wd := n.weekdays[t.Weekday()]
	mo := n.months[t.Month()-1]
	day := strconv.Itoa(t.Day())
	hm := strconv.Itoa(t.Hour()) + ":" + twoDigits(t.Minute())
	switch l {
	case "es":
		return wd + " " + day + " de " + mo + ", " + hm
	case "ca":
		// Elision before a vowel: d'abril, d'agost, d'octubre.
		de := "de "
		if strings.ContainsRune("aeiou", rune(mo[0])) {
			de = "d'"
		}
		return wd + " " + day + " " + de + mo + ", " + hm
	case "it":
		return wd + " " + day + " " + mo + ", ore " + hm
	case "en":
		return wd + " " + day + " " + mo + ", " + hm
	case "fr":
		if t.Day() == 1 {
			day = "1er"
		}
		return wd + " " + day + " " + mo + " à " + strconv.Itoa(t.Hour()) + "h" + twoDigits(t.Minute())
	case "pt":
		// "a" + the article: singular "a" before 0 and 1 (à zero hora, à
		// uma), plural "as" from 2 on (às duas).
		at := "às "
		if t.Hour() < 2 {
			at = "à "
		}
		return wd + ", " + day + " de " + mo + ", " + at + hm
	case "ro":
		return wd + ", " + day + " " + mo + ", ora " + hm
	}
	return t.Format("2006-01-02 15:04")
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
