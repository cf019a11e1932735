// Package capture reads slot values out of what a caller said or keyed: yes/no,
// digits, whole numbers, amounts, dates, times and free text, in English and
// Mandarin. A voice-bot state with `listen.capture` (docs/script-format.md,
// "Capture") hands each caller turn to a Parser; a value it reads goes into the
// call's variables and the result's `captured` map, anything else is a re-prompt.
//
// Values come out normalised, so that reports and exports compare them: yes_no
// gives "yes" or "no"; digits a string of 0-9; number an integer; amount a
// decimal with two places ("125.50"); date an ISO date ("2026-12-11"); time a
// 24-hour "15:00"; text the words as recognised, trimmed.
//
// Dates are read relative to the call's local date (Parser.Parse takes it; the
// caller derives it from an injected clock in the contact's time zone): "next
// Friday" and 下周五 are the Friday of the next calendar week (weeks start on
// Monday), a bare "Friday"/周五 is the nearest Friday from today on, "the 15th"/
// 15号 is the next 15th from today on. A time without am/pm is read in business
// hours: 1 to 7 o'clock is afternoon ("at three" is 15:00).
//
// The package reads no clock and keeps no state; a Parser is built once per
// script state and is safe for concurrent use. Where to make the common changes:
// words of a language in words_en.go / words_zh.go, a new slot kind in Kind and
// Parser.Parse (parse.go), and a case in the table tests and FuzzParse.
package capture
