// Package compliancebench builds a synthetic, realistic workload for the compliance gate:
// a national DNC index of millions of US numbers, consent records, call history and a set
// of prepared attempts. `voxdial bench gate` (internal/bench) and the compliance package's
// own benchmarks measure the same world through it. It is not part of the gate: nothing
// on the serving path imports it.
package compliancebench
