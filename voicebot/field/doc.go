// Package field is the typed contact fields of a voice-bot script's
// `requires:` list: what a field must hold (a date, an amount of money, an
// integer, one of listed values, a phone number or any text), how it is
// written in the script, how it is stored on a campaign, and how an import
// checks and normalises a contact file's cell.
//
// A field is checked when the contact file is imported, never at call time:
// a row whose due_date says "tomorrow" is rejected with its line, field and
// reason instead of failing every attempt later. Normalised values are what
// the templates and speech/verbal read (dates as YYYY-MM-DD, amounts as
// 1234.50 with the currency code when one is declared).
//
// The script form (docs/script-format.md, "Contact fields"):
//
//	requires:
//	  - first_name                         # any text (the plain list stays valid)
//	  - due_date: date
//	  - amount: {type: amount, currency: USD}
//	  - plan: {enum: [gold, silver]}
//	  - visits: integer
//	  - callback_number: phone
//
// On a campaign (store.Campaign.Requires) each field is one string, Spec.String:
// "first_name", "due_date:date", "amount:amount:USD", "plan:enum:gold|silver",
// so a campaign stored before types existed reads as all text.
//
// Where to make the common changes: a new type is a Type constant, a case in
// Spec.Normalize, and its name in Types (the parser and the lint follow).
package field
