// Package freeport finds loopback UDP ports that are free now, for peers that cannot
// bind port 0 and report the port back (SIPp, baresip). Another process may take a
// port between the check and its use; callers retry or fail clearly.
package freeport
