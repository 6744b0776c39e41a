package templates

import "testing"

// Over-strips of round 5: an appointment's time or date taken for part
// of a finding (checkClass: gone must be wholly covered by findings, stay
// must not be touched).

// A number of weeks after a health word is the pregnancy's age only after
// a link of age ("at", "de", "das"...): "in 2 weeks" says when the
// appointment is.
func TestReview5WeekIsWhen(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "See the midwife in 2 weeks at 10am", []string{"midwife"}, []string{"in 2 weeks at 10am"}},
		{"en", "The midwife is in 2 weeks, Tuesday at 10", []string{"midwife"}, []string{"is in 2 weeks, Tuesday at 10"}},
		{"en", "the midwife 2020 weeks", []string{"midwife"}, []string{"2020 weeks"}},
		{"it", "il ginecologo in 2 settimane alle 10", []string{"ginecologo"}, []string{"in 2 settimane alle 10"}},
		{"it", "il ginecologo e 2 settimane dopo", []string{"ginecologo"}, []string{"e 2 settimane dopo"}},
		{"ro", "medicul de familie in 2 săptămâni la ora 10", nil, []string{"in 2 săptămâni la ora 10"}},
		{"pt", "a ginecologista daqui a 2 semanas às 10h", []string{"ginecologista"}, []string{"a 2 semanas às 10h"}},
		{"es", "el ginecólogo a 3 semanas de la cita", []string{"ginecólogo"}, []string{"a 3 semanas de la cita"}},
		// The pregnancy's age still goes.
		{"es", "la ecografía de la semana 20 es el lunes", []string{"ecografía de la semana 20"}, []string{"es el lunes"}},
		{"en", "the scan at 12 weeks is on Monday", []string{"scan at 12 weeks"}, []string{"Monday"}},
		{"fr", "l'échographie de la 2e semaine est jeudi", []string{"échographie de la 2e semaine"}, []string{"jeudi"}},
		{"pt", "a ecografia das 12 semanas e na 2a", []string{"ecografia das 12 semanas"}, []string{"na 2a"}},
		{"pt", "marcou a ecografia do 1o trimestre, sexta as 11h", []string{"ecografia do 1o trimestre"}, []string{"sexta as 11h"}},
	})
}

// A number a call verb reaches is a time or a date when ":00", ".30",
// "h30" or a month follows it; a number to call alone still goes.
func TestReview5CallTimeDate(t *testing.T) {
	checkClass(t, []classCase{
		{"en", "call me at 17:00", nil, []string{"call me at 17:00"}},
		{"en", "I'll ring you on 18 June at 10", nil, []string{"ring you on 18 June at 10"}},
		{"en", "send me a text on 15 May", nil, []string{"text on 15 May"}},
		{"fr", "appelle moi à 17:00", nil, []string{"appelle moi à 17:00"}},
		{"fr", "appelle moi le 18 juin", nil, []string{"appelle moi le 18 juin"}},
		{"fr", "appelle moi à 17h30", nil, []string{"appelle moi à 17h30"}},
		{"fr", "appelle le 15 mai", nil, []string{"appelle le 15 mai"}},
		{"fr", "appelle le 17:00 si tu peux", nil, []string{"appelle le 17:00"}},
		{"en", "call me on 15 Sept. please", nil, []string{"call me on 15 Sept."}},
		{"en", "call me at 17.30", nil, []string{"call me at 17.30"}},
		{"fr", "appelle le 17 dès que tu peux", []string{"appelle le 17"}, []string{"dès que tu peux"}},
		{"en", "if he comes back call 17 now", []string{"call 17"}, []string{"now"}},
		{"fr", "s'il revient appelle le 17 tout de suite", []string{"appelle le 17"}, []string{"tout de suite"}},
		{"en", "ring 999 if you are scared", []string{"ring 999"}, []string{"if you are scared"}},
		{"en", "I'll call. 112 is free", []string{"112"}, []string{"call."}},
		{"es", "a las 10 llama al 016", []string{"016"}, []string{"a las 10"}},
	})
}

// A date or a time after a district word is not the district's number.
func TestReview5DistrictDateTime(t *testing.T) {
	checkClass(t, []classCase{
		{"ro", "mergem la DGASPC sector 12/06", []string{"DGASPC"}, []string{"12/06"}},
		{"ro", "mergem la DGASPC sector 10:30", []string{"DGASPC"}, []string{"10:30"}},
		{"ro", "CPECA sector 3, luni la 10", []string{"CPECA sector 3"}, []string{"luni la 10"}},
		{"es", "el CAP, semana que viene a las 10", nil, []string{"semana que viene a las 10"}},
	})
}

// A call verb at the end of a line does not reach a number on the next.
func TestReview5CallLineBreak(t *testing.T) {
	checkClass(t, []classCase{
		{"fr", "je t'appelle\n17 rue des Lilas c'est là", nil, []string{"je t'appelle"}},
		{"en", "I will call\n15 people are coming", nil, []string{"I will call", "15 people"}},
		{"en", "if he comes back call\nthe helpline 116 123", []string{"116 123"}, []string{"if he comes back call"}},
	})
}
