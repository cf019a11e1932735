package dashboard

import "strings"

// csvCell neutralises a cell a spreadsheet would read as a formula (it
// starts with = + - @, a tab or a carriage return): a leading ' makes it
// text. Contacts' variables and dispositions come from outside (imports,
// callers' words), and an export is opened in Excel by someone else.
// Signed numbers (E.164 phone numbers, masked or not) stay as they are: a
// number with only digits and mask characters cannot call anything.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if signedNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// signedNumber: + or - then a digit, then only digits, spaces, '.', '-'
// and the masking characters '*' and '•'.
func signedNumber(s string) bool {
	if len(s) < 2 || s[1] < '0' || s[1] > '9' {
		return false
	}
	return strings.IndexFunc(s[2:], func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == ' ' || r == '.' || r == '-' || r == '*' || r == '•')
	}) < 0
}

// csvRow applies csvCell to every cell.
func csvRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = csvCell(c)
	}
	return cells
}
