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
// constant code (the Code* constants). Warnings runs the discreet filter
// over the free-text fields (and Receipt.Warnings over a receipt's): its
// findings are returned to the sender as warnings, not refusals (the form
// is not sent to her phone; but standardised means facts, not narratives,
// and a street address or a name of a shelter rarely belongs in a
// referral). Free text may hold no control character but the line feed,
// and no invisible format character (bidirectional overrides, zero-width
// characters, the byte-order mark): those make text read otherwise than it
// is, or hide a word from the filter.
//
// # Errors carry no input
//
// A refusal's Message is fixed text (and numbers of the schema's limits);
// its Field is built from the schema's own field names and list indexes
// only. A key the schema does not have is written as "*" (an unknown field
// at the top is "*", a name-like key inside an unknown object is "*.name",
// with the name-like key lower-cased), because a key can carry a name or a
// phone number as well as a value can. Errors of an opened package keep a
// Field only when it is a field of the schema. Errors are shown to staff,
// logged and audited, so this holds for every one of them.
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
// keys). The receiver decodes the bytes it verified, validates the form,
// encodes it again and refuses the package (package_malformed) unless
// that gives back the very bytes signed: a body with a duplicate key, or
// with spaces, or with an escaped letter, would otherwise read differently
// in another JSON parser than the signer meant, and a body that Validate
// changes ("m r" for initials, a need twice) would hand on a form that is
// not the one signed. The receiver never re-canonicalises before
// verifying: the signature is over the bytes as received.
//
// # Packages
//
// The byte layout, what is authenticated and why, and the refusals of
// OpenReferral and OpenReceipt are documented at the top of package.go.
//
// Replay detection needs storage, so it is the caller's: opening returns
// the authenticated sender key id and package id; the caller keys its
// store on the pair (sender key id, package id), refuses a pair it has
// already imported (CodeReplayed), and keeps each pair until
// Envelope.KeepUntil (the package's expiry plus the clock skew), after
// which opening refuses the package as expired anyway. The pair, not the
// id alone: the id is in the clear header, so another partner who saw a
// package must not be able to make the real one look like a replay by
// sending its id first.
//
// # The inbox: answering a caller that is not authenticated
//
// The inbox accepts packages without a user token; the package's
// signature is its authentication, and until it has verified the caller
// is anyone. The box is anonymous and the recipient's card is public, so
// anyone can make a package that opens and reaches the partner lookup:
// telling "unknown sender" from "bad signature" would tell anyone which
// key ids are verified partners (which organisations work together is
// itself sensitive). So the inbox must:
//
//   - answer every refusal, whatever its code, with PublicRefusal(err):
//     the one code package_refused and one fixed message, with one HTTP
//     status; the same for a replay (package_replayed) and for a package
//     stored before;
//   - write the detailed code (err's) to the audit, with the header's
//     package id and nothing of the package's content;
//   - answer an internal error (the directory or the database failed) as
//     internal, so the sender retries; it depends on nothing the caller
//     sent;
//   - give no other detail: no key id, no field, no partner name, in the
//     body, the headers or the logs it returns.
//
// Opening does its part: messages never repeat a key id, and an unknown
// sender costs the same signature verification as a known one. Staff
// importing a file are authenticated and may see the detailed code.
//
// # Risk pre-evaluation
//
// PreEvaluate applies a documented rule table (risk.go) to the answers and
// returns the derived settings and advice for the receiving team.
package referral
