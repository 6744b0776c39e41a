package templates

import (
	"strings"
	"testing"
)

// A phone number written a digit at a time with punctuation, brackets or
// emoji between the digits, with o, l and i for 0 and 1, or with digit
// words among the digits, is a phone in every language; dates, times,
// prices, lists, counts and numbers under the phone length are not.
func TestPhoneDigitSeries(t *testing.T) {
	f := mustFilter(t)
	found := []struct{ text, match string }{
		{"llama al (6)(1)(2)(3)(4)(5)(6)(7)(8) hoy", "(6)(1)(2)(3)(4)(5)(6)(7)(8)"},
		{"llama al 6. 1. 2. 3. 4. 5. 6. 7. 8. hoy", "6. 1. 2. 3. 4. 5. 6. 7. 8"},
		{"appelle le 6 . 1 . 2 . 3 . 4 . 5 . 6 . 7 . 8", "6 . 1 . 2 . 3 . 4 . 5 . 6 . 7 . 8"},
		{"chiama il 6-1-2-3-4-5-6-7-8", "6-1-2-3-4-5-6-7-8"},
		{"call 6 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 tonight", "6 - 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8"},
		{"liga para 6 / 1 / 2 / 3 / 4 / 5 / 6 / 7 / 8", "6 / 1 / 2 / 3 / 4 / 5 / 6 / 7 / 8"},
		{"suna la 6_1_2_3_4_5_6_7_8", "6_1_2_3_4_5_6_7_8"},
		{"truca al 6,1,2,3,4,5,6,7,8", "6,1,2,3,4,5,6,7,8"},
		{"llama al 6, 1, 2, 3, 4, 5, 6, 7, 8.", "6, 1, 2, 3, 4, 5, 6, 7, 8"},
		{"call [6][1][2][3][4][5][6][7][8]", "[6][1][2][3][4][5][6][7][8]"},
		{"call [6] [1] [2] [3] [4] [5] [6] [7] [8]", "[6] [1] [2] [3] [4] [5] [6] [7] [8]"},
		{"call {6}{1}{2}{3}{4}{5}{6}{7}{8}", "{6}{1}{2}{3}{4}{5}{6}{7}{8}"},
		{"llama al 6*1*2*3*4*5*6*7*8", "6*1*2*3*4*5*6*7*8"},
		{"llama al 6|1|2|3|4|5|6|7|8", "6|1|2|3|4|5|6|7|8"},
		{"llama al 6;1;2;3;4;5;6;7;8", "6;1;2;3;4;5;6;7;8"},
		{"llama al 6🌸1🌸2🌸3🌸4🌸5🌸6🌸7🌸8 ok", "6🌸1🌸2🌸3🌸4🌸5🌸6🌸7🌸8"},
		{"llama al 6 🌸 1 🌸 2 🌸 3 🌸 4 🌸 5 🌸 6 🌸 7 🌸 8", "6 🌸 1 🌸 2 🌸 3 🌸 4 🌸 5 🌸 6 🌸 7 🌸 8"},
		{"llama al 6•1•2•3•4•5•6•7•8", "6•1•2•3•4•5•6•7•8"},
		{"llama al ⒍⒈⒉ ⒊⒋⒌ ⒍⒎⒏", "⒍⒈⒉ ⒊⒋⒌ ⒍⒎⒏"}, // NFKC "6.1.2. 3.4.5. 6.7.8."; refused for a monitored phone too
		{"llama al 6💜💜1💜💜2💜💜3💜💜4💜💜5💜💜6💜💜7", "6💜💜1💜💜2💜💜3💜💜4💜💜5💜💜6💜💜7"},
		{"ligue 9_1_2_3_4_5_6", "9_1_2_3_4_5_6"}, // seven digits: the phone length
		// o, l and i for 0 and 1
		{"llama al 6l2 O45 678 hoy", "6l2 O45 678"},
		{"call O20 7946 O831", "O20 7946 O831"},
		{"appelle le O6l2345678", "O6l2345678"},
		{"chiama il 6I2-345-678", "6I2-345-678"},
		// digit words among the digits
		{"call six 1 2 three 4 5 6 7 8", "six 1 2 three 4 5 6 7 8"},
		{"llama al seis-1-2-tres-4-5-6-7-8", "seis-1-2-tres-4-5-6-7-8"},
		{"call six / 1 / 2 / three / 4 / 5 / 6 / 7 / 8", "six / 1 / 2 / three / 4 / 5 / 6 / 7 / 8"},
		{"call six_1_2_three_4_5_6_7_8", "six_1_2_three_4_5_6_7_8"},
		{"call (six)(1)(2)(three)(4)(5)(6)(7)(8) now", "(six)(1)(2)(three)(4)(5)(6)(7)(8)"},
		{"call six🌸1🌸2🌸three🌸4🌸5🌸6🌸7🌸8", "six🌸1🌸2🌸three🌸4🌸5🌸6🌸7🌸8"},
		{"appelle le zéro six / douze / 3 / 4 / 5 / 6 / 7 / 8", "zéro six / douze / 3 / 4 / 5 / 6 / 7 / 8"},
		{"zéro six douze trente quatre cinquante six", "zéro six douze trente quatre cinquante six"},
		// digits split by a word
		{"llama al 6 1 2, 3 4 5 y 6 7 8", "6 1 2, 3 4 5 y 6 7 8"},
		{"llama al 612 345 y 678", "612 345 y 678"},
		{"llama al 612-345 y 678", "612-345 y 678"},
		// a run that goes down or says one digit again is more likely a
		// phone written to dodge than a count
		{"9, 8, 7, 6, 5, 4, 3", "9, 8, 7, 6, 5, 4, 3"},
		{"5/5/5/5/5/5/5", "5/5/5/5/5/5/5"},
		{"siete seis cinco cuatro tres dos uno", "siete seis cinco cuatro tres dos uno"},
		// numbers of two digits in steps other than one
		{"appelle le 01 23 45 67 89", "01 23 45 67 89"},
		{"appelle le 01.23.45.67.89", "01.23.45.67.89"},
	}
	for _, c := range found {
		fs := f.Scan(c.text)
		checkFindings(t, c.text, fs)
		ok := false
		for _, x := range fs {
			if x.Category == CategoryPhone && x.Match == c.match {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%q: %+v, want phone %q", c.text, fs, c.match)
		}
		if out, _ := f.Strip(c.text); strings.ContainsAny(out, "0123456789") || strings.Contains(out, c.match) {
			t.Errorf("%q: Strip leaves %q", c.text, out)
		}
	}
	notPhones := []string{
		// dates and times
		"a las 10.30", "el 12/03/2026", "de 14-16h", "10.30-12.30", "09:00-14:00 / 16:00-19:00",
		"3.1.2026 y 4.2.2026", "3/1/2026 - 4/2/2026", "1.2.3",
		// bullets and lists with words between the numbers
		"1. Trae el DNI 2. Trae la tarjeta 3. Ven pronto",
		"1) bring your id 2) bring your card 3) come early",
		"Pasos: 1. Llama 2. Ven 3. Firma 4. Sal 5. Ok 6. Si 7. No",
		"1) 2) 3) 4) 5) 6) 7)", "1º 2º 3º 4º 5º 6º 7º", "e 1, e 2, e 3",
		// counts and lists of numbers
		"1, 2, 3, 4, 5, 6, 7, 8, 9, 10", "1 2 3 4 5 6 7 8 9 10", "1.2.3.4.5.6.7.8.9", "1/2/3/4/5/6/7",
		"1-2-3-4-5-6-7-8", "2 - 4 - 6 - 8 - 10 - 12 - 14", "líneas 9, 8, 7, 6, 5, 4, 3",
		"[1][2][3][4][5][6][7]", "1🌸2🌸3🌸4🌸5🌸6🌸7", "P1 2 3 4 5 6 7", "l'1 2 3 4 5 6 7",
		"los días 3, 5, 10, 12, 17, 19 y 24", "tallas 36, 38, 40, 42, 44", "opciones 1, 3, 5, 2, 4, 6",
		"resultados 3-1, 2-0, 4-2, 1-1", "puntuación 5/5, 4/5, 3/5, 5/5",
		// counts in words
		"uno, dos, tres, cuatro, cinco, seis, siete", "one two three four five six seven eight",
		"un, deux, trois, quatre, cinq, six, sept", "uno dos tres cuatro cinco seis siete ocho nueve diez",
		"ten twenty thirty forty", "1, 2, 3 y 4 y 5 y 6 y 7",
		"unu, doi, trei, patru, cinci, șase, șapte",
		// numbers and a word between them
		"l'ora 10.30 e 11.30 e 12.30", "habitaciones 101, 102, 205 y 306",
		// prices
		"precios: 1,50, 2,30, 4,75 y 6,20 euros", "1.500 euros", "5, 10, 20 o 50 €",
		// a postcode, a bus line, rooms
		"CP 28013", "bus 7, 9, 12, 27", "la línea 2-7-4", "habitaciones 101, 102, 205, 306",
		"la habitación 12, 13 y 14", "aula 2-1-4, planta 3",
		// one number a line
		"3.\n1.\n4.\n1.\n5.\n9.\n2.",
		// numbers under the phone length
		"código 4-7-1-9-3-2", "ref. 3_1_4_1_5_9", "[4][7][1][9][3][2]", "ref 12345", "pin 6l2 O45",
		// letters that are no digits
		"15l de agua, 2l de leche", "1o 2o", "v1.2.3", "il 12 o 13", "lo 1 i 2",
	}
	for _, s := range notPhones {
		for _, x := range f.Scan(s) {
			if x.Category == CategoryPhone {
				t.Errorf("%q: phone %q", s, x.Match)
			}
		}
	}
}

// Every digit word and every word for two digits has its value, so a
// count in words is known for one.
func TestNumberWordValues(t *testing.T) {
	for _, set := range []map[string]bool{digitWords, pairWords} {
		for w := range set {
			v, ok := numberWordValue[w]
			if !ok {
				t.Errorf("%q: no value", w)
			}
			if digitWords[w] && v > 9 || pairWords[w] && v < 10 {
				t.Errorf("%q: value %d", w, v)
			}
		}
	}
}
