package consent

import "strings"

// realNameFields are the request fields refused with real_name_forbidden:
// the gateway never stores a woman's name, and saying so is kinder than
// "unknown field". The participant API (gateway/httpx/bind.go) keeps the same
// list; referral forms use this one.
var realNameFields = map[string]bool{
	"name": true, "first_name": true, "firstname": true, "surname": true, "last_name": true,
	"lastname": true, "full_name": true, "fullname": true, "given_name": true, "family_name": true,
}

// IsRealNameField reports whether a JSON field name asks for a real name
// (case-insensitive).
func IsRealNameField(key string) bool { return realNameFields[strings.ToLower(key)] }
