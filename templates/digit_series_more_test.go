package templates

import (
	"strings"
	"testing"
)

// A phone number in pairs, in groups of two to four digits or a digit at
// a time, with any one symbol between its numbers, with a country code,
// longer than usual or with look-alike letters, is found whole: Strip
// leaves no digit of it. Counts, dates, times, prices, scores and short
// references are no phone.
func TestPhoneSeriesWhole(t *testing.T) {
	f := mustFilter(t)
	long := strings.Repeat("6. 1. 2. ", 9)
	long = long[:len(long)-2]
	found := []string{
		// pairs with a word before the last
		"appelle le 06, 12, 34, 56 et 78", "appelle le 06. 12. 34. 56 et 78", "appelle le 06-12-34-56 et 78",
		// groups of two to four digits
		"612_345_678", "612🌸345🌸678", "612 • 345 • 678", "612, 345, 678", "612. 345. 678",
		"612 / 345 / 678", "612 - 345 - 678", "06_12_34_56_78", "06|12|34|56|78",
		"06 🌸 12 🌸 34 🌸 56 🌸 78", "347. 123. 4567", "0721 / 234 / 567",
		"llama al 612_345_678 hoy", "call 0721 / 234 / 567 now",
		// a country code
		"+34 6. 9. 8. 2. 4. 1. 7. 3. 5", "+33 6. 1. 2. 3. 4. 5. 6. 7. 8", "0034 6. 9. 8. 2. 4. 1. 7. 3. 5",
		"0033 6. 1. 2. 3. 4. 5. 6. 7. 8", "+34 6🌸9🌸8🌸2🌸4🌸1🌸7🌸3🌸5", "+33 6🌸1🌸2🌸3🌸4🌸5🌸6🌸7🌸8",
		"0033 6 🌸 1 🌸 2 🌸 3 🌸 4 🌸 5 🌸 6 🌸 7 🌸 8",
		// longer than usual
		long,
		// garbled or dodging runs
		"6O 1 2 3 4 5 6 7", "6 O 2 3 4 5 6 7 8", "9 8 7 6 5 4 3 2 1", "6 5 4 3 2 1 0", "5 5 5 5 5 5 5 5 5",
		// any one ASCII symbol
		"6:1:2:3:4:5:6:7:8", "6>1>2>3>4>5>6>7>8", "6&1&2&3&4&5&6&7&8", `6\1\2\3\4\5\6\7\8`,
		"6^1^2^3^4^5^6^7^8", "6!1!2!3!4!5!6!7!8", "6?1?2?3?4?5?6?7?8", "6@1@2@3@4@5@6@7@8",
		"6$1$2$3$4$5$6$7$8", "6%1%2%3%4%5%6%7%8", `"6" "1" "2" "3" "4" "5" "6" "7" "8"`,
		"<6><1><2><3><4><5><6><7><8>", "6),1),2),3),4),5),6),7),8)", "6x1x2x3x4x5x6x7x8",
		// look-alike letters
		"O6l2 345 678", "6l2 345 67O", "6. l. 2. 3. 4. 5. 6. 7. 8",
		// numbers between spaces stay whole
		"(tel. 612 345 678)", "ring the line 0808 2000 247",
	}
	for _, s := range found {
		fs := f.Scan(s)
		checkFindings(t, s, fs)
		phone := false
		for _, x := range fs {
			phone = phone || x.Category == CategoryPhone
		}
		if !phone {
			t.Errorf("%q: no phone in %+v", s, fs)
		}
		out, _ := f.Strip(s)
		if strings.ContainsAny(out, "0123456789") || strings.Contains(out, "O6l") || strings.Contains(out, "67O") {
			t.Errorf("%q: Strip leaves %q", s, out)
		}
	}
	notPhones := []string{
		"12/03/2026", "el 12/03/2026 a las 10.30", "ganaron 3-1", "de 14-16h", "a las 10.30", "1,50 euros",
		"L-V 9.00-14.00", "v1.2.3", "CP 28013", "bus 7, 9, 12, 27", "aula 204", "ref 12345",
		"líneas 1, 4, 5 del metro", "1) bring your id 2) bring your card 3) come early",
		"a las 10:30", "de 9:00 a 14:00", "10:30 11:30 12:30", "1, 2, 3, 4, 5, 6, 7", "0 1 2 3 4 5 6 7",
		"líneas 9, 8, 7, 6, 5, 4, 3", "notas 5, 5, 5, 5, 5, 5, 5", "ref 12_34_5", "1,50 2,30 4,75",
		"1.2.3.4.5.6.7.8.9", "2 - 4 - 6 - 8 - 10 - 12 - 14", "09:00-14:00 / 16:00-19:00",
		"resultados 3-1, 2-0, 4-2, 1-1", "precios: 1,50, 2,30, 4,75 y 6,20 euros",
		"cuesta 1,500,000 euros", "descuentos 50% 25% 25% 10%", "1920x1080x60", "1º 2º 3º 4º 5º 6º 7º", "il 12 o 13 o 14 o 15",
	}
	for _, s := range notPhones {
		for _, x := range f.Scan(s) {
			if x.Category == CategoryPhone {
				t.Errorf("%q: phone %q", s, x.Match)
			}
		}
	}
}

// A series after a number with another separator is read from its own
// first number ("1) 6. 1. 2…"): no digit of it is left.
func TestPhoneSeriesAfterNumber(t *testing.T) {
	f := mustFilter(t)
	for _, s := range []string{"1) 6. 1. 2. 3. 4. 5. 6. 7. 8", "punto 1: 6. 1. 2. 3. 4. 5. 6. 7. 8"} {
		out, _ := f.Strip(s)
		if strings.Contains(out, "6") || strings.Contains(out, "8") {
			t.Errorf("%q: Strip leaves %q", s, out)
		}
	}
}
