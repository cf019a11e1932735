package compliance

// ParseNumber parses an E.164 number ("+" then 2–15 digits, no leading zero) into its
// digits as an integer, e.g. "+12125550123" → 12125550123. It does not allocate.
func ParseNumber(s string) (uint64, bool) {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return 0, false
	}
	var n uint64
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// FormatNumber formats digits as E.164 ("+" and the digits).
func FormatNumber(n uint64) string {
	var b [17]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	b[i] = '+'
	return string(b[i:])
}
