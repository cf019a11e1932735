// Package verbal writes numbers, currency amounts, dates, times and phone numbers out
// as the words a speech synthesiser should say, for en-US and zh-CN.
//
// Synthesisers guess at "$1,250.50" or "2026-03-15" (flite reads the date digit by
// digit; espeak-ng's Mandarin voice reads Arabic numerals in English), and a collections
// call that says the wrong amount is worse than no call. Script templates therefore pass
// variables through a named filter ({{amount | currency}}, {{due_date | date}}) and
// Filter turns the contact's raw value into words before synthesis. The functions are
// pure and allocation-light; every rule is pinned by a table-driven test.
package verbal
