package templates

import "unicode/utf8"

// Pictographs (emoji) in a scanned text.
//
// A pictograph that says something sensitive is a finding of its
// category whatever the options, as the word would be ("Nos vemos en el
// 🏥" is "en el hospital"):
//
//   - health: 🏥 hospital, 💊 pill, 💉 syringe, 🩺 stethoscope, 🩸 drop
//     of blood, 🩹 bandage, 🩻 X-ray, 🩼 crutch, 🚑 ambulance, ⚕ the
//     medical symbol (also inside "🧑‍⚕️", health worker), 🤰 🫃 🫄
//     pregnancy, 😷 face with a medical mask;
//   - legal (police, court, papers): 👮 police officer, 🚓 🚔 police
//     cars, 🚨 police light, 🕵 detective, ⚖ scales (also inside
//     "🧑‍⚖️", judge), 🏛 the classical building of a court or a
//     ministry, 🪪 identity card, 🛂 passport control, 🛃 customs;
//   - exploitation: ⛓ chains, 🔫 pistol, 🔪 knife.
//
// 🔒 (a lock) and 🏨 (a hotel) are not on it: they say nothing of a
// service (a lock is "private", a hotel a place to meet).
//
// Under the vocabulary policy (ScanOptions.Vocabulary), every other
// pictograph not on a short list of the ones staff add to a greeting
// (smileys, hearts, hands and thumbs, kisses, sun, stars, flowers, a
// party and a cake, check marks, skin tones and gender signs of an emoji
// sequence) is a finding of CategoryNotInVocabulary, as a word not in her
// vocabulary is: "🔒", "🏠", "🚌" say a thing the vocabulary does not
// vouch for.
//
// Letters drawn as symbols (the Enclosed Alphanumeric Supplement,
// regional indicators, squared words such as 🆘) are refused before the
// scan (MonitoredProblem, ReasonLetterSymbols).
var sensitivePictographs = map[rune]uint8{
	// health
	0x1F3E5: catHealth, // 🏥
	0x1F48A: catHealth, // 💊
	0x1F489: catHealth, // 💉
	0x1FA7A: catHealth, // 🩺
	0x1FA78: catHealth, // 🩸
	0x1FA79: catHealth, // 🩹
	0x1FA7B: catHealth, // 🩻
	0x1FA7C: catHealth, // 🩼
	0x1F691: catHealth, // 🚑
	0x2695:  catHealth, // ⚕
	0x1F930: catHealth, // 🤰
	0x1FAC3: catHealth, // 🫃
	0x1FAC4: catHealth, // 🫄
	0x1F637: catHealth, // 😷
	// legal and police
	0x1F46E: catLegal, // 👮
	0x1F693: catLegal, // 🚓
	0x1F694: catLegal, // 🚔
	0x1F6A8: catLegal, // 🚨
	0x1F575: catLegal, // 🕵
	0x2696:  catLegal, // ⚖
	0x1F3DB: catLegal, // 🏛
	0x1FAAA: catLegal, // 🪪
	0x1F6C2: catLegal, // 🛂
	0x1F6C3: catLegal, // 🛃
	// exploitation and violence
	0x26D3:  catExploitation, // ⛓
	0x1F52B: catExploitation, // 🔫
	0x1F52A: catExploitation, // 🔪
}

// benignPictograph: a pictograph staff add to a greeting, allowed under
// the vocabulary policy.
func benignPictograph(r rune) bool {
	switch {
	case r >= 0x1F600 && r <= 0x1F64F: // smileys, kisses, 🙏 🙌 (😷 is health, above)
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // skin tones
		return true
	case r >= 0x1F493 && r <= 0x1F49F: // 💓 … 💟 hearts
		return true
	case r >= 0x1F337 && r <= 0x1F33C: // 🌷 🌸 🌹 🌺 🌻 🌼
		return true
	case r >= 0x1F44B && r <= 0x1F450: // 👋 👌 👍 👎 👏 👐
		return true
	}
	return benignPictographs[r]
}

var benignPictographs = map[rune]bool{
	0x2764: true, 0x2763: true, 0x2665: true, // ❤ ❣ ♥
	0x1F5A4: true, 0x1F90D: true, 0x1F90E: true, 0x1F9E1: true, // 🖤 🤍 🤎 🧡
	0x1FA75: true, 0x1FA76: true, 0x1FA77: true, // 🩵 🩶 🩷
	0x1F48B: true, 0x1F490: true, // 💋 💐
	0x1F917: true, 0x1F914: true, 0x1F923: true, 0x1F929: true, 0x1F92D: true, // 🤗 🤔 🤣 🤩 🤭
	0x1F970: true, 0x1F972: true, 0x1F973: true, 0x1F97A: true, // 🥰 🥲 🥳 🥺
	0x1FAF6: true, 0x1F91D: true, 0x1F91E: true, 0x1F91F: true, 0x1F919: true, // 🫶 🤝 🤞 🤟 🤙
	0x1F932: true, 0x1F91A: true, 0x1F590: true, 0x270B: true, 0x270C: true, 0x1F4AA: true, // 🤲 🤚 🖐 ✋ ✌ 💪
	0x2600: true, 0x1F31E: true, 0x1F324: true, 0x26C5: true, 0x1F308: true, // ☀ 🌞 🌤 ⛅ 🌈
	0x2B50: true, 0x1F31F: true, 0x2728: true, // ⭐ 🌟 ✨
	0x1F389: true, 0x1F382: true, // 🎉 🎂
	0x2713: true, 0x2714: true, 0x2705: true, // ✓ ✔ ✅
	0x2640: true, 0x2642: true, // ♀ ♂ (inside an emoji sequence)
}

// isPictograph: r is an emoji or another pictographic symbol (the
// emoji blocks, the miscellaneous symbols and dingbats, and the emoji
// of the technical and arrow blocks).
func isPictograph(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF:
		return true
	case r >= 0x2600 && r <= 0x27BF:
		return true
	case r >= 0x2300 && r <= 0x23FF, r >= 0x2B00 && r <= 0x2BFF:
		return true
	}
	return false
}

// pictographs adds the findings of the pictographs in the text. Each
// pictograph is one separator byte of the normalised text (its variation
// selectors and joiners are dropped there); an emoji sequence (runes
// joined by U+200D, a skin tone after its base) is one finding over the
// whole sequence, of the category of a sensitive rune in it ("🧑‍⚕️" is
// found by its ⚕), so nothing of it is left behind when it is cut.
func (sc *scanState) pictographs() {
	n := sc.n
	t := n.b
	runeAt := func(i int) (rune, int) {
		return utf8.DecodeRuneInString(n.orig[n.src[i]:])
	}
	for i := 0; i < len(t); i++ {
		if t[i] != sepByte {
			continue
		}
		r, _ := runeAt(i)
		if !isPictograph(r) {
			continue
		}
		cat, sensitive := sensitivePictographs[r]
		benign := benignPictograph(r)
		j := i
		for j+1 < len(t) && t[j+1] == sepByte {
			_, sz := runeAt(j)
			next, _ := runeAt(j + 1)
			if !isPictograph(next) || !joined(n.orig[n.src[j]+sz:n.src[j+1]], next) {
				break
			}
			j++
			if c, ok := sensitivePictographs[next]; ok && !sensitive {
				cat, sensitive = c, true
			}
			benign = benign && benignPictograph(next)
		}
		if sensitive {
			sc.add(i, j+1, cat)
		} else if sc.opts.Vocabulary && !benign {
			sc.add(i, j+1, catNotInVocab)
		}
		i = j
	}
}

// joined: the pictograph next, after the text between, continues an
// emoji sequence: a zero-width joiner between them (with variation
// selectors), or next is a skin tone right after its base or after a
// variation selector that follows it ("👮️🏽").
func joined(between string, next rune) bool {
	zwj := false
	for _, r := range between {
		switch r {
		case 0x200D:
			zwj = true
		case 0xFE0F, 0xFE0E:
		default:
			return false
		}
	}
	return zwj || next >= 0x1F3FB && next <= 0x1F3FF
}
