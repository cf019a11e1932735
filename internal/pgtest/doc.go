// Package pgtest runs a throw-away PostgreSQL server for one test, which the test may stop
// and start again (fault tests: the store going away mid-campaign). The shared test server
// (store/storetest) is never stopped; this one is the test's own, on a free loopback port,
// its data in a temporary directory removed at cleanup.
//
// The server binaries are found in $VOXDIAL_TEST_PG_BIN, on PATH, or in the newest
// /usr/lib/postgresql/*/bin. PostgreSQL refuses to run as root: as root the server runs as
// the "postgres" user (the Debian package's), which owns the data directory.
package pgtest
