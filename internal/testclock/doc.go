// Package testclock gives tests a clock that does not depend on when, or in which time zone,
// the suite runs.
//
// Components that decide on time (the runner, the compliance gate, the HTTP server, the
// store's "now", the webhook dispatcher) take an injected func() time.Time. A test that
// exercises calling hours, schedules or retries builds one clock here and hands the same
// clock to every component, so that no decision is made on the machine's wall clock.
//
// VOXDIAL_TEST_CLOCK_SHIFT (a Go duration such as "7h" or "-13h30m") moves the real time
// these clocks start from. The README's testing section runs the suite under several
// shifts and time zones to show that no test depends on the hour it runs at.
//
// This package is imported only by tests; a test in cmd/voxdial checks that the shipped
// binary does not link it.
package testclock
