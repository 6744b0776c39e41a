// Package referral owns referrals between organisations: the standard
// referral form with the six safety questions, its validation, the
// discreet filter's warnings on its free text, the signed and sealed
// package that carries it (and the receipt that answers it), and the risk
// pre-evaluation derived from the answers.
//
// Like consent, it is pure: no database, no HTTP, no clock (now is passed
// in), no randomness other than package ids and sealing. Storage, the
// partner directory, replay detection and delivery belong to the gateway,
// which calls this package.
//
// # The form (Form, schema "safecontact/referral/v1")
//
// She is named by initials only: there is no name field, and a form with a
// name-like field (consent.IsRealNameField, at any depth) is refused with
// real_name_forbidden, like the participant API. The fields and their
// rules are on Form; Validate checks and normalises a form (initials,
// languages, time zone, safe windows and phone through consent's
// validators) and returns the first problem as an *errs.Error with a
// constant code (the Code* constants) and the field path at fault, never
// its value. Warnings runs the discreet filter over the free-text fields:
// its findings are returned to the sender as warnings, not refusals (the
// form is not sent to her phone; but standardised means facts, not
// narratives, and a street address or a name of a shelter rarely belongs
// in a referral).
//
// # Canonical JSON
//
// The form (and a receipt) travels as canonical JSON, so that one form has
// exactly one encoding and the signature covers exactly what is read:
//
//   - one JSON object, UTF-8, no byte-order mark, no white space outside
//     strings, no trailing newline;
//   - object keys sorted by their bytes (every key is ASCII, so this is
//     also RFC 8785's order); no key twice;
//   - optional fields ("omitempty" on Form) are absent when empty, never
//     "" or null; lists are always present, [] when empty;
//   - strings are NFC and trimmed, and written as Go's encoding/json
//     writes them with HTML escaping off: raw UTF-8, except the quote and
//     the backslash (each preceded by a backslash) and the line feed of
//     multi-line fields (\n). Other control characters and invalid
//     UTF-8 never occur (Validate refuses them), nor do U+2028 and U+2029
//     (Validate makes them line feeds), so no character takes more than
//     four bytes;
//   - there are no numbers: every value is a string, a boolean, a
//     list or an object.
//
// Canonical produces it: the validated struct is marshalled, read back
// into generic values and marshalled again (encoding/json sorts map
// keys). The receiver checks the bytes it verified are canonical by
// decoding them and encoding them again, and refuses a package whose body
// differs (package_malformed): a body with a duplicate key, or with
// spaces, or with an escaped letter, would otherwise read differently in
// another JSON parser than the signer meant. The receiver never
// re-canonicalises before verifying: the signature is over the bytes as
// received.
//
// # Packages
//
// The byte layout, what is authenticated and why, and the refusals of
// OpenReferral and OpenReceipt are documented at the top of package.go.
// Replay detection needs storage, so it is the caller's: opening returns
// the authenticated package id, the caller refuses an id it has already
// imported (CodeReplayed) and keeps ids until Envelope.RefusedAfter, after
// which opening refuses the package as expired anyway.
//
// # Risk pre-evaluation
//
// PreEvaluate applies a documented rule table (risk.go) to the answers and
// returns the derived settings and advice for the receiving team.
package referral
